"""Start one grader child and bound what it costs the parent: time, output, stragglers.

The child is a session leader (its own process group), so on a timeout, an
output flood, a cancellation, or as soon as it has exited, one killpg reaches
everything it left behind (which the jail keeps from existing: it matters when
a user runs graders without it). Its stdout and stderr share one pipe that is read
in 64 KiB chunks and kept up to OUTPUT_LIMIT; past that the group is killed:
a grader printing 300 MB costs the parent one megabyte, not 300.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.core.evals.graders.jail import OUTPUT_LIMIT

CHILD = str(Path(__file__).with_name("child.py"))
_CHUNK = 64 * 1024


@dataclass
class Outcome:
    result: dict[str, Any]  # the child's last line as JSON ({} when there was none)
    returncode: int | None
    timed_out: bool = False
    output_limited: bool = False
    tail: str = ""  # the last line before the result (a traceback's last line)


def command(config: dict[str, Any]) -> list[str]:
    # -I: no user site, no PYTHON* variables, no script dir on sys.path; -S: no site.py
    # (no .pth file runs); -B: no .pyc written anywhere.
    return [sys.executable, "-I", "-S", "-B", CHILD, json.dumps(config)]


async def run(config: dict[str, Any], payload: bytes, *, cwd: str, env: dict[str, str],
              timeout_s: float) -> Outcome:
    proc = await asyncio.create_subprocess_exec(
        *command(config), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, cwd=cwd, env=env, start_new_session=True)
    output = bytearray()
    limited = timed_out = False

    async def feed() -> None:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            proc.stdin.write(payload)
            await proc.stdin.drain()
            proc.stdin.close()

    async def collect() -> None:
        # Reads to the end even past the limit (dropping it): a pipe left unread would
        # keep asyncio from ever seeing the child finish.
        nonlocal limited
        while chunk := await proc.stdout.read(_CHUNK):
            if not limited and len(output) + len(chunk) > OUTPUT_LIMIT:
                limited = True
                kill_group(proc.pid)
            if not limited:
                output.extend(chunk)

    async def finish() -> None:
        await exited(proc)
        # The child has answered or died; whatever it started holds the pipe open, so
        # the group goes now, and the end of the output follows.
        kill_group(proc.pid)
        await asyncio.shield(reader)  # a timeout here must not cancel the reading

    feeder = asyncio.ensure_future(feed())
    reader = asyncio.ensure_future(collect())
    try:
        await asyncio.wait_for(finish(), timeout_s)
    except TimeoutError:
        timed_out = True
    finally:
        # The group, not the child alone: nothing it started survives it.
        kill_group(proc.pid)
        feeder.cancel()
        proc.stdin.close()
        try:
            await asyncio.wait_for(asyncio.shield(reader), 2.0)
        except TimeoutError:
            # Only a process that left the group (setsid, possible only without the
            # jail) can still hold the pipe: stop listening to it.
            reader.cancel()
            proc._transport.close()  # noqa: SLF001 - asyncio has no public way to drop pipes
        await proc.wait()
    return _outcome(bytes(output), proc.returncode, timed_out=timed_out, limited=limited)


async def exited(proc: asyncio.subprocess.Process) -> None:
    """Return once the child itself has exited. (asyncio's wait() also waits for the
    pipes to close, which anything the child started can keep open.)"""
    try:
        fd = os.pidfd_open(proc.pid)
    except OSError:  # already gone and reaped, or a kernel without pidfds (before 5.3)
        fd = None
    if fd is None:
        while proc.returncode is None:
            await asyncio.sleep(0.02)
        return
    loop = asyncio.get_running_loop()
    gone = loop.create_future()
    loop.add_reader(fd, lambda: gone.done() or gone.set_result(None))
    try:
        await gone
    finally:
        loop.remove_reader(fd)
        os.close(fd)


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _outcome(output: bytes, returncode: int | None, *, timed_out: bool,
             limited: bool) -> Outcome:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    result: dict[str, Any] = {}
    if lines and not (timed_out or limited):
        with contextlib.suppress(ValueError):
            parsed = json.loads(lines[-1])
            if isinstance(parsed, dict):
                result = parsed
                lines = lines[:-1]
    tail = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return Outcome(result, returncode, timed_out=timed_out, output_limited=limited,
                   tail=tail[:500])
