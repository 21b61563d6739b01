"""The OS-level jail python graders run in: is it there, what may a grader read, the clamps.

The jail itself is built in the child (child.py: Landlock + seccomp + limits,
applied before the grader's code is compiled); this module is the parent's
side: whether this kernel offers it (`status`), the paths a grader may read
(`read_roots`, `site_dirs`), and the limits an eval file may ask for,
clamped (`clamp`). process.py starts the child and bounds what it may cost.

`TUNEDECK_JAIL_UNAVAILABLE=1` makes `status` say the jail is missing, so the
refusal and the opt-in path are tested on machines that do have Landlock; it
can only make tunedeck stricter (graders refused unless the user opts in).
"""

from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

MAX_TIMEOUT_S = 60.0
MIN_TIMEOUT_S = 0.1
MAX_MEMORY_MB = 2048
MIN_MEMORY_MB = 128
FILE_LIMIT_MB = 64  # RLIMIT_FSIZE: the largest file a grader may write in its temp dir
OPEN_FILES = 256
OUTPUT_LIMIT = 1024 * 1024  # stdout + stderr; past it the grader is killed

PRETEND_UNAVAILABLE_ENV = "TUNEDECK_JAIL_UNAVAILABLE"
OPT_IN = ("--allow-unsandboxed-graders (or allow_unsandboxed_graders = true in config.toml)")


@dataclass(frozen=True)
class JailStatus:
    available: bool
    reason: str  # what is there ("Landlock ABI 7 + seccomp") or what is missing
    landlock_abi: int = 0


def status() -> JailStatus:
    if os.environ.get(PRETEND_UNAVAILABLE_ENV):
        return JailStatus(False, f"jail reported unavailable ({PRETEND_UNAVAILABLE_ENV} is set)")
    return _probe()


@functools.cache
def _probe() -> JailStatus:
    if not sys.platform.startswith("linux"):
        return JailStatus(False, "the grader jail needs Linux (Landlock and seccomp)")
    from tui.core.evals.graders.jail import seccomp

    if not seccomp.supported():
        return JailStatus(False, f"the seccomp filter is written for x86_64, not "
                                 f"{os.uname().machine}")
    from tui.core.evals.graders.jail import landlock

    abi = landlock.abi_version()
    if abi < 1:
        return JailStatus(False, "this kernel offers no Landlock (Linux 5.13+ with Landlock "
                                 "enabled: CONFIG_SECURITY_LANDLOCK and lsm=…,landlock)")
    if not seccomp.available():
        return JailStatus(False, "this kernel takes no seccomp filters", abi)
    return JailStatus(True, f"Landlock ABI {abi} + seccomp", abi)


def clamp(timeout_s: float, memory_mb: float) -> tuple[float, int]:
    """An eval file's timeout_s and memory_mb, held to sane bounds whatever it asks."""
    timeout = min(MAX_TIMEOUT_S, max(MIN_TIMEOUT_S, float(timeout_s)))
    memory = int(min(MAX_MEMORY_MB, max(MIN_MEMORY_MB, float(memory_mb))))
    return timeout, memory


@functools.cache
def site_dirs() -> list[str]:
    """The site-packages a grader may import from (numpy, scipy, …): this interpreter's."""
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    found = [*site.getsitepackages(), paths["purelib"], paths["platlib"],
             *(p for p in sys.path if Path(p).name in ("site-packages", "dist-packages"))]
    return _unique(p for p in found if os.path.isdir(p))


def read_roots() -> list[str]:
    """What a grader may read: the stdlib, site-packages, the shared libraries extension
    modules load, the loader's cache and time zones. Never a directory that holds the
    user's home or tunedeck's own files."""
    guarded = [Path.home().resolve(), _tunedeck_home()]
    return [p for p in _candidates()
            if not any(g == Path(p) or g.is_relative_to(p) for g in guarded)]


@functools.cache
def _candidates() -> list[str]:
    import sysconfig

    paths = sysconfig.get_paths()
    # The base interpreter's lib/ holds libpython*.so where Python is built shared.
    prefixes = dict.fromkeys((sys.base_prefix, sys.base_exec_prefix))
    found = [paths["stdlib"], paths["platstdlib"], *site_dirs(),
             "/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/usr/local/lib64",
             *(os.path.join(p, "lib") for p in prefixes),
             "/etc/ld.so.cache", "/etc/localtime", "/usr/share/zoneinfo"]
    return [p for p in _unique(found) if os.path.exists(p)]


def _tunedeck_home() -> Path:
    from tui.core.paths import home_dir

    return home_dir().resolve()


def _unique(paths) -> list[str]:
    out: list[str] = []
    for path in paths:
        real = os.path.realpath(path)
        if real not in out:
            out.append(real)
    return out
