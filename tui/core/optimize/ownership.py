"""Who drives an unfinished optimization, so each place offers the resume that works.

A TUI writes its process id in the run_dir (OWNER_FILE) when it drives one; the
CLI writes none. So an optimization is driven here (a worker of this app), by
another live process, left by a TUI that is gone (this TUI may resume it, and so
may `--resume`), or started by the CLI (only its `--resume`, once that process
is gone: nothing here can tell whether it still runs).
"""

from __future__ import annotations

import os
from pathlib import Path

OWNER_FILE = "tui.pid"


def worker_group(opt_id: int) -> str:
    """The worker group of an app's thread that drives optimization `opt_id`."""
    return f"optimize-{opt_id}"


def owner_pid(run_dir: str) -> int | None:
    """The TUI process that last drove it; None when no TUI did (the CLI's)."""
    try:
        return int((Path(run_dir) / OWNER_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def owner_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def orphaned(run_dir: str, *, here_running: bool = False) -> bool:
    """Left by a TUI whose process is gone (or by this one, no longer driving it)."""
    pid = owner_pid(run_dir)
    if pid is None:
        return False  # not started by a TUI: the CLI's --resume is for it
    if pid == os.getpid():
        return not here_running
    return not owner_alive(pid)


def resume_hint(opt_id: int, run_dir: str, *, here_running: bool) -> str:
    """What continues an unfinished optimization, as the live view says it."""
    pid = owner_pid(run_dir)
    if here_running:
        return "running in this TUI; quitting pauses it and the next start goes on"
    if pid is None:
        return f"started by the CLI: tunedeck prompt optimize --resume {opt_id} continues it " \
               "if its process is gone"
    if pid != os.getpid() and owner_alive(pid):
        return f"driven by another tunedeck (process {pid})"
    return f"paused: r resumes it here (or tunedeck prompt optimize --resume {opt_id})"
