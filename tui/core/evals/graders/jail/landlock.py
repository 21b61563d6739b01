"""Landlock, the kernel's unprivileged access control, through a small ctypes layer.

Stdlib only: the jail's child process loads this file by path before anything
else, so it must not import tunedeck. The constants and structures follow the
kernel's include/uapi/linux/landlock.h and Documentation/userspace-api/landlock.rst:
a ruleset names the access rights it *handles* (denied unless a rule allows
them beneath a path), then `restrict_self` enforces it on the calling thread
and every process it would start, for good.

Best effort by ABI, as the kernel documentation recommends: rights a kernel
does not know are left out of the ruleset, never asked for (that fails with
EINVAL). What each ABI adds: 2 REFER (link/rename across directories),
3 TRUNCATE, 4 TCP bind/connect, 5 IOCTL_DEV, 6 scoping of abstract unix
sockets and signals to the sandbox's own domain.
"""

from __future__ import annotations

import ctypes
import os
import stat

# The three Landlock system calls have the same numbers on every architecture.
SYS_CREATE_RULESET = 444
SYS_ADD_RULE = 445
SYS_RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1 << 0

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5

NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4

SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

RULE_PATH_BENEATH = 1

# Every filesystem right each ABI knows: the set a ruleset handles on that kernel.
_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1,
              5: (1 << 16) - 1}
# Rights that make sense on a file (not a directory); others on a file rule are EINVAL.
FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV

READ_ONLY = FS_READ_FILE | FS_READ_DIR
# Everything beneath the grader's own directory, except running programs from it and
# making device nodes (which dropped capabilities forbid anyway).
READ_WRITE = ((1 << 16) - 1) & ~(FS_EXECUTE | FS_MAKE_CHAR | FS_MAKE_BLOCK)


class LandlockError(OSError):
    """A Landlock call failed; the message names the step and the errno."""


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64),
                ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1  # __attribute__((packed)) in the kernel's header: 12 bytes
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


_libc = ctypes.CDLL(None, use_errno=True)
_syscall = _libc.syscall
_syscall.restype = ctypes.c_long


def _fail(step: str) -> LandlockError:
    errno = ctypes.get_errno()
    return LandlockError(errno, f"landlock {step}: {os.strerror(errno)}")


def abi_version() -> int:
    """The kernel's Landlock ABI (1, 2, …), or 0 when Landlock is missing or disabled."""
    version = _syscall(ctypes.c_long(SYS_CREATE_RULESET), None, ctypes.c_size_t(0),
                       ctypes.c_uint32(CREATE_RULESET_VERSION))
    return max(0, int(version))


def handled_fs(abi: int) -> int:
    return _FS_BY_ABI[min(abi, 5)] if abi >= 1 else 0


def restrict(read_only: list[str], read_write: list[str], *, abi: int) -> None:
    """Deny every filesystem access but reading `read_only` and everything (but
    executing) beneath `read_write`; deny all TCP bind/connect (ABI 4+) and
    signals or abstract unix sockets towards processes outside this sandbox
    (ABI 6+). Paths that do not exist are skipped. Needs PR_SET_NO_NEW_PRIVS."""
    if abi < 1:
        raise LandlockError(0, "landlock: not offered by this kernel")
    fs = handled_fs(abi)
    attr = _RulesetAttr(handled_access_fs=fs,
                        handled_access_net=(NET_BIND_TCP | NET_CONNECT_TCP) if abi >= 4 else 0,
                        scoped=(SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if abi >= 6 else 0)
    ruleset = _syscall(ctypes.c_long(SYS_CREATE_RULESET), ctypes.byref(attr),
                       ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        raise _fail("create_ruleset")
    try:
        for paths, rights in ((read_only, READ_ONLY), (read_write, READ_WRITE)):
            for path in paths:
                _add_path(ruleset, path, rights & fs)
        if _syscall(ctypes.c_long(SYS_RESTRICT_SELF), ctypes.c_int(ruleset),
                    ctypes.c_uint32(0)) != 0:
            raise _fail("restrict_self")
    finally:
        os.close(ruleset)


def _add_path(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            rights &= FILE_RIGHTS
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=fd)
        if _syscall(ctypes.c_long(SYS_ADD_RULE), ctypes.c_int(ruleset),
                    ctypes.c_int(RULE_PATH_BENEATH), ctypes.byref(rule),
                    ctypes.c_uint32(0)) != 0:
            raise _fail(f"add_rule {path!r}")
    finally:
        os.close(fd)

