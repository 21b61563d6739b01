"""A seccomp-BPF filter for the grader jail, built by hand (stdlib only, ctypes).

What Landlock cannot say, the filter does: no new processes (fork, vfork,
clone without CLONE_THREAD, execve; clone3 answers ENOSYS so glibc falls back
to clone for threads), no sockets at all (socket() for every family; an
AF_UNIX socketpair stays, it reaches nothing outside), signals only to itself,
no ptrace or reading other processes' memory, no io_uring (its operations pass
beside seccomp), no namespaces or mounts, no raising the resource limits, no
chmod/chown/utime/xattr (Landlock does not cover file metadata), no SysV IPC
or keyrings shared with other processes, no F_SETOWN (SIGIO to another pid).

The program is the classic shape (as in the kernel's samples/seccomp and
Chromium's and Firejail's filters): check the architecture (anything but
x86_64, including the x32 ABI, kills the process), then per-syscall checks
with arguments where a call is allowed in part, then a list of denied numbers
that all jump to one EPERM, else allow. Syscall numbers are x86_64's
(arch/x86/entry/syscalls/syscall_64.tbl); other architectures get no filter
and so no jail (`supported()`).
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000

# classic BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000

# struct seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6]
_OFF_NR, _OFF_ARCH = 0, 4


def _arg_lo(i: int) -> int:
    return 16 + 8 * i  # the low 32 bits of args[i] (little-endian)


def _arg_hi(i: int) -> int:
    return 20 + 8 * i


CLONE_THREAD = 0x00010000
# CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID
# | CLONE_NEWNET: a thread may not bring a namespace along.
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 \
    | 0x20000000 | 0x40000000
AF_UNIX = 1
F_SETOWN, F_SETSIG, F_SETOWN_EX = 8, 10, 15
FIOSETOWN, SIOCSPGRP, TIOCSTI = 0x8901, 0x8902, 0x5412

# x86_64 numbers of the calls checked with their arguments.
NR = {"clone": 56, "clone3": 435, "kill": 62, "tkill": 200, "tgkill": 234,
      "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297, "socketpair": 53, "prlimit64": 302,
      "fcntl": 72, "ioctl": 16, "sched_setaffinity": 203, "sched_setscheduler": 144,
      "sched_setparam": 142, "sched_setattr": 314}

# x86_64 numbers of the calls denied outright (EPERM), grouped by why.
DENIED = {
    "processes": {"fork": 57, "vfork": 58, "execve": 59, "execveat": 322},
    "signals": {"pidfd_send_signal": 424, "pidfd_open": 434, "pidfd_getfd": 438},
    "network": {"socket": 41},
    "other processes": {"ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
                        "kcmp": 312, "process_madvise": 440, "process_mrelease": 448,
                        "get_robust_list": 274, "migrate_pages": 256, "move_pages": 279,
                        "setpriority": 141, "ioprio_set": 251},
    "io_uring": {"io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427},
    "namespaces and mounts": {
        "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
        "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
        "fsmount": 432, "fspick": 433, "mount_setattr": 442, "open_tree_attr": 467,
        "name_to_handle_at": 303, "open_by_handle_at": 304},
    "limits and identity": {
        "setrlimit": 160, "setuid": 105, "setgid": 106, "setreuid": 113, "setregid": 114,
        "setgroups": 116, "setresuid": 117, "setresgid": 119, "setfsuid": 122,
        "setfsgid": 123, "capset": 126, "personality": 135},
    "file metadata": {
        "chmod": 90, "fchmod": 91, "fchmodat": 268, "fchmodat2": 452, "chown": 92,
        "fchown": 93, "lchown": 94, "fchownat": 260, "utime": 132, "utimes": 235,
        "utimensat": 280, "futimesat": 261, "setxattr": 188, "lsetxattr": 189,
        "fsetxattr": 190, "removexattr": 197, "lremovexattr": 198, "fremovexattr": 199,
        "setxattrat": 463, "removexattrat": 466, "truncate": 76},
    "shared with other processes": {
        "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65,
        "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70,
        "msgctl": 71, "mq_open": 240, "mq_unlink": 241, "mq_notify": 244, "add_key": 248,
        "request_key": 249, "keyctl": 250, "inotify_init": 253, "inotify_add_watch": 254,
        "inotify_init1": 294, "fanotify_init": 300, "fanotify_mark": 301},
    "the kernel": {
        "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "kexec_load": 246,
        "kexec_file_load": 320, "init_module": 175, "finit_module": 313,
        "delete_module": 176, "reboot": 169, "swapon": 167, "swapoff": 168, "acct": 163,
        "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159,
        "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173,
        "quotactl": 179, "quotactl_fd": 443, "syslog": 103, "lookup_dcookie": 212,
        "vhangup": 153, "uselib": 134, "_sysctl": 156, "lsm_set_self_attr": 460},
}


def supported() -> bool:
    """Whether this machine is one the filter's syscall numbers are written for."""
    return os.uname().machine == "x86_64"


class _Program:
    """Classic BPF with named jump targets: `emit` ops, `label` places, `assemble` resolves."""

    def __init__(self) -> None:
        self._ops: list[tuple[int, int, str | None, str | None] | str] = []
        self._n = 0

    def fresh(self, stem: str) -> str:
        self._n += 1
        return f"{stem}.{self._n}"

    def label(self, name: str) -> None:
        self._ops.append(name)

    def load(self, offset: int) -> None:
        self._ops.append((_LD_W_ABS, offset, None, None))

    def ret(self, value: int) -> None:
        self._ops.append((_RET_K, value, None, None))

    def jump(self, code: int, k: int, jt: str | None = None, jf: str | None = None) -> None:
        """Compare A with k; go to label jt when true, jf when false (None: the next op)."""
        self._ops.append((code, k, jt, jf))

    def assemble(self) -> bytes:
        where: dict[str, int] = {}
        pc = 0
        for op in self._ops:
            if isinstance(op, str):
                where[op] = pc
            else:
                pc += 1
        out, pc = [], 0
        for op in self._ops:
            if isinstance(op, str):
                continue
            code, k, jt, jf = op
            offsets = [0 if t is None else where[t] - pc - 1 for t in (jt, jf)]
            if not all(0 <= o <= 255 for o in offsets):
                raise ValueError(f"seccomp: jump out of reach at {pc}")
            out.append(struct.pack("=HBBI", code, offsets[0], offsets[1], k & 0xFFFFFFFF))
            pc += 1
        if len(out) > 4096:
            raise ValueError("seccomp: program too long")
        return b"".join(out)

    # -- building blocks: each block ends in returns, so A need not be kept ------
    def when_syscall(self, nr: int) -> str:
        """Start a block for syscall `nr`; returns the label to place after it."""
        after = self.fresh("after")
        self.jump(_JEQ_K, nr, jf=after)
        return after

    def allow_if_arg(self, arg: int, values: tuple[int, ...], *, otherwise: int) -> None:
        """Allow when the low 32 bits of args[arg] (a pid, a family) is one of values."""
        yes = self.fresh("yes")
        self.load(_arg_lo(arg))
        for value in values:
            self.jump(_JEQ_K, value, jt=yes)
        self.ret(otherwise)
        self.label(yes)
        self.ret(RET_ALLOW)

    def deny_if_arg(self, arg: int, values: tuple[int, ...]) -> None:
        no = self.fresh("no")
        self.load(_arg_lo(arg))
        for value in values:
            self.jump(_JEQ_K, value, jt=no)
        self.ret(RET_ALLOW)
        self.label(no)
        self.ret(_errno(errno.EPERM))


def _errno(value: int) -> int:
    return RET_ERRNO | value


def build(pid: int) -> bytes:
    """The filter for the process `pid` (the child itself: signals only to it)."""
    eperm = _errno(errno.EPERM)
    p = _Program()
    p.load(_OFF_ARCH)
    p.jump(_JEQ_K, AUDIT_ARCH_X86_64, jt="arch.ok")
    p.ret(RET_KILL_PROCESS)
    p.label("arch.ok")
    p.load(_OFF_NR)
    p.jump(_JGE_K, X32_SYSCALL_BIT, jf="nr.ok")
    p.ret(RET_KILL_PROCESS)
    p.label("nr.ok")

    # Threads yes (numpy's BLAS, concurrent.futures), processes no.
    after = p.when_syscall(NR["clone"])
    p.load(_arg_lo(0))
    p.jump(_JSET_K, CLONE_NAMESPACES, jt="clone.no")
    p.jump(_JSET_K, CLONE_THREAD, jt="clone.yes")
    p.label("clone.no")
    p.ret(eperm)
    p.label("clone.yes")
    p.ret(RET_ALLOW)
    p.label(after)
    # clone3 passes its flags in memory a filter cannot read: ENOSYS makes glibc use clone.
    after = p.when_syscall(NR["clone3"])
    p.ret(_errno(errno.ENOSYS))
    p.label(after)

    for name in ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        after = p.when_syscall(NR[name])
        p.allow_if_arg(0, (pid,), otherwise=eperm)  # the target pid (or tgid) is itself
        p.label(after)
    for name in ("sched_setaffinity", "sched_setscheduler", "sched_setparam", "sched_setattr"):
        after = p.when_syscall(NR[name])
        p.allow_if_arg(0, (0, pid), otherwise=eperm)
        p.label(after)
    after = p.when_syscall(NR["socketpair"])
    p.allow_if_arg(0, (AF_UNIX,), otherwise=eperm)
    p.label(after)
    # prlimit64 may read any limit of itself, never set one (glibc's getrlimit uses it).
    after = p.when_syscall(NR["prlimit64"])
    p.load(_arg_lo(2))
    p.jump(_JEQ_K, 0, jf="prlimit.no")
    p.load(_arg_hi(2))
    p.jump(_JEQ_K, 0, jf="prlimit.no")
    p.allow_if_arg(0, (0, pid), otherwise=eperm)
    p.label("prlimit.no")
    p.ret(eperm)
    p.label(after)
    after = p.when_syscall(NR["fcntl"])
    p.deny_if_arg(1, (F_SETOWN, F_SETOWN_EX))  # SIGIO/SIGURG sent to another process
    p.label(after)
    after = p.when_syscall(NR["ioctl"])
    p.deny_if_arg(1, (FIOSETOWN, SIOCSPGRP, TIOCSTI))
    p.label(after)

    for group in DENIED.values():
        for nr in group.values():
            p.jump(_JEQ_K, nr, jt="deny")
    p.ret(RET_ALLOW)
    p.label("deny")
    p.ret(eperm)
    return p.assemble()


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


SYS_SECCOMP = 317  # x86_64
SECCOMP_SET_MODE_FILTER = 1
SECCOMP_GET_ACTION_AVAIL = 2
SECCOMP_FILTER_FLAG_TSYNC = 1

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def available() -> bool:
    """Whether the kernel takes filters with the two actions this one returns."""
    if not supported():
        return False
    for action in (RET_KILL_PROCESS, RET_ERRNO):
        value = ctypes.c_uint32(action)
        if _libc.syscall(ctypes.c_long(SYS_SECCOMP), ctypes.c_uint(SECCOMP_GET_ACTION_AVAIL),
                         ctypes.c_uint(0), ctypes.byref(value)) != 0:
            return False
    return True


def install(pid: int) -> None:
    """Load the filter into this process (all its threads); needs PR_SET_NO_NEW_PRIVS."""
    program = build(pid)
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len=len(program) // 8, filter=ctypes.addressof(buffer))
    if _libc.syscall(ctypes.c_long(SYS_SECCOMP), ctypes.c_uint(SECCOMP_SET_MODE_FILTER),
                     ctypes.c_uint(SECCOMP_FILTER_FLAG_TSYNC), ctypes.byref(prog)) != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"seccomp: {os.strerror(code)}")
