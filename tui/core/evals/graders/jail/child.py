"""The grader jail's child process: lock itself in, then run one grader.

Started as `python -I -S -B child.py CONFIG` with the payload (source, sample,
item) on stdin. Stdlib only, and nothing of tunedeck's is imported: the
interpreter has not read a line of the grader yet, and what it loads before
the jail is this file and its two siblings. In order:

1. resource limits (lowering them needs no privilege): address space, CPU
   seconds, file size, open files, no core dumps;
2. PR_SET_NO_NEW_PRIVS, then every capability dropped (root in a VM or a
   container is still root: without this it could raise its own limits);
3. Landlock: read-only access to the interpreter's stdlib, the grader
   libraries' site-packages and the shared libraries they load; everything
   but exec beneath its own temp directory; nothing else, no TCP, and
   signals / abstract unix sockets only within the jail;
4. the seccomp filter (seccomp.py): no processes, no sockets, no signals to
   others, no ptrace, io_uring, mounts, limit changes or file metadata.

Only then is the grader compiled and run. Any step that fails stops the
child with a `jail_error` and the grader never runs. The last line on stdout
is the result as JSON.
"""

import json
import os
import sys

_HINT = (" (the grader jail allows no network, no processes, no signals to other processes,"
         " and files only in the grader's temp directory)")


def main() -> int:
    config = json.loads(sys.argv[1])
    _limits(config["limits"])
    os.umask(0o077)
    payload = json.loads(sys.stdin.buffer.read())
    if config["jail"]:
        try:
            _lock_in(config)
        except Exception as exc:  # noqa: BLE001 - the grader must not run half-jailed
            return _emit({"jail_error": f"{type(exc).__name__}: {exc}"}, 3)
    sys.path.extend(config["site"])
    namespace = {"__name__": "grader"}
    try:
        exec(compile(payload["source"], "<grader>", "exec"), namespace)
        value = namespace["grade"](payload["sample"], payload["item"])
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"grade() must return a number, not {type(value).__name__}")
        out = {"score": float(value)}
    except BaseException as exc:  # noqa: BLE001 - OpenAI's rule: an exception scores 0
        out = {"exception": _describe(exc, jailed=config["jail"])}
    return _emit(out, 0)


def _limits(limits: dict) -> None:
    import resource

    def lower(which: int, soft: int, hard: int) -> None:
        # Never above what this process already has: only lowering needs no privilege.
        current = resource.getrlimit(which)[1]
        if current != resource.RLIM_INFINITY:
            soft, hard = min(soft, current), min(hard, current)
        resource.setrlimit(which, (soft, hard))

    mib = 1024 * 1024
    for which, value in ((resource.RLIMIT_AS, limits["memory_mb"] * mib),
                         (resource.RLIMIT_FSIZE, limits["file_mb"] * mib),
                         (resource.RLIMIT_NOFILE, limits["open_files"]),
                         (resource.RLIMIT_CORE, 0)):
        lower(which, value, value)
    # SIGXCPU at the soft limit ends it; the hard limit is the kernel's SIGKILL after that.
    lower(resource.RLIMIT_CPU, limits["cpu_s"], limits["cpu_s"] + 1)


def _lock_in(config: dict) -> None:
    import ctypes

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    try:
        import landlock
        import seccomp
    finally:
        sys.path.remove(here)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    _drop_capabilities(ctypes, libc)
    landlock.restrict(config["read"], config["write"], abi=landlock.abi_version())
    seccomp.install(os.getpid())


def _drop_capabilities(ctypes, libc) -> None:
    libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL (EINVAL before 4.3)
    for cap in range(64):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            # EINVAL: past the last capability; EPERM: no CAP_SETPCAP, so none to drop.
            break

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    header = Header(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two data words
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: all empty
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset: could not drop capabilities")


def _describe(exc: BaseException, *, jailed: bool) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:  # noqa: BLE001 - a hostile __str__ still gives a reason
        text = type(exc).__name__
    if len(text) > 2000:
        text = text[:2000] + "…"
    if jailed and isinstance(exc, PermissionError):
        text += _HINT
    return text


def _emit(out: dict, code: int) -> int:
    data = ("\n" + json.dumps(out) + "\n").encode()
    try:
        sys.stdout.flush()
    except Exception:  # noqa: BLE001, S110 - the grader may have closed or replaced stdout
        pass
    while data:
        data = data[os.write(1, data):]
    return code


if __name__ == "__main__":
    # os._exit: threads the grader left running must not keep it alive past its answer.
    os._exit(main())
