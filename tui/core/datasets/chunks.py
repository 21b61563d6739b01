"""Cutting a file into line-aligned chunks, and scanning them in worker processes (and here), in order.

`plan` sizes chunks "guided": large first (little overhead per chunk), then
shrinking as the file runs out, so every process finishes at about the same
time instead of one scanning a last big chunk alone.

`run_chunks` hands chunks to a pool of spawned workers and, when given `here`,
scans chunks in the calling process as well: the caller has its modules
imported already, so it starts at once while the workers are still starting,
and two processes share two cores with no idle parent. Results come back to
`deliver` in file order, so line numbers and "first errors" are those of one
pass; at most `window` chunks are held waiting for an earlier one (memory stays
bounded when results are large, as the import's rows are).

Only a regular file is cut (source.open_regular: a FIFO never blocks the plan),
and no worker reads past the end of the last range: the file's size when the
caller opened it, however much it has grown since (robust reads, issue 20).
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from tui.core.datasets.source import open_regular

_BLOCK = 1 << 20


class PoolUnavailable(Exception):
    """No worker processes to be had here (a sandboxed or frozen interpreter, a broken pool)."""


def plan(path: str, total: int, procs: int, max_chunk: int, min_chunk: int) -> list[tuple[int, int]]:
    """Byte ranges covering the file's first `total` bytes, each starting at a line start."""
    min_chunk = max(1, min(min_chunk, max_chunk))
    targets = []
    pos = 0
    while pos < total:
        pos += max(min_chunk, min(max_chunk, (total - pos) // (4 * procs)))
        targets.append(min(pos, total))
    cuts = [0]
    with open_regular(path) as f:
        for target in targets:
            if target <= cuts[-1]:
                continue
            start = total if target >= total else _next_line_start(f, target, total)
            if start > cuts[-1]:
                cuts.append(start)
    if cuts[-1] < total:
        cuts.append(total)
    return list(zip(cuts, cuts[1:], strict=False))


def _next_line_start(f, target: int, total: int) -> int:
    """The first line start at or after `target` (the byte before it may be a newline),
    looking no further than `total` (bytes the file gained since are not the scan's)."""
    pos = target - 1
    f.seek(pos)
    while pos < total:
        block = f.read(min(_BLOCK, total - pos))
        if not block:
            return total
        nl = block.find(b"\n")
        if nl >= 0:
            return pos + nl + 1
        pos += len(block)
    return total


def start_method(fork_ok: bool) -> str:
    """"fork" where it is safe and the caller allows it, else "spawn".

    A forked worker starts in ~10 ms with this process's modules imported; a spawned one
    starts a fresh interpreter and imports them again (~0.4 s, most of a 20k-line file's
    scan). Forking is only safe with no other thread alive (the TUI, or a server in a
    test, has some) and on Linux (macOS system libraries do not survive it).
    """
    if fork_ok and sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


def run_chunks(path: str, ranges: list[tuple[int, int]], *, spawn: int,
               initializer: Callable[..., None] | None, initargs: tuple, task: Callable[..., tuple],
               deliver: Callable[[int, Any], None], here: Callable[[int, int], Any] | None = None,
               on_chunk: Callable[[int], None] | None = None, window: int = 16,
               fork_ok: bool = False) -> dict[int, int]:
    """Scan every range; `deliver(i, result)` in range order. Returns each worker's peak RSS.

    Workers run `task(path, start, end, limit) -> (result, pid, peak_rss_kb)`, `limit` being
    the last range's end (no worker reads past it); `here(start, end)` (optional) scans a
    range in this process. `on_chunk(i)` follows each finished chunk.
    `fork_ok`: nothing this process holds breaks in a forked child that never uses it.
    Raises PoolUnavailable when worker processes cannot be started or die; what `deliver`
    raises propagates as is.
    """
    n = len(ranges)
    pending: dict[Future, int] = {}
    ready: dict[int, Any] = {}
    peaks: dict[int, int] = {}
    state = {"next": 0, "deliver": 0}
    depth = 2 * spawn  # one running and one queued per worker: none waits for the parent
    limit = ranges[-1][1] if ranges else 0

    def can_start() -> bool:
        return state["next"] < n and state["next"] < state["deliver"] + window

    def deliver_ready() -> None:
        while state["deliver"] in ready:
            i = state["deliver"]
            deliver(i, ready.pop(i))
            state["deliver"] = i + 1

    def harvest(block: bool) -> None:
        done, _ = wait(pending, timeout=None if block else 0, return_when=FIRST_COMPLETED)
        for future in done:
            i = pending.pop(future)
            try:
                result, pid, rss = future.result()
            except (OSError, RuntimeError, ImportError) as exc:
                raise PoolUnavailable(str(exc)) from exc
            peaks[pid] = max(rss, peaks.get(pid, 0))
            ready[i] = result
            if on_chunk is not None:
                on_chunk(i)

    def take_here() -> int | None:
        if here is None:
            return None
        if can_start():
            state["next"] += 1
            return state["next"] - 1
        # Nothing new to start: take back the last queued chunk no worker has begun.
        for future in sorted(pending, key=pending.__getitem__, reverse=True):
            if future.cancel():
                return pending.pop(future)
        return None

    try:
        context = multiprocessing.get_context(start_method(fork_ok))
        pool = ProcessPoolExecutor(max_workers=spawn, mp_context=context, initializer=initializer,
                                   initargs=initargs)
    except (OSError, RuntimeError, ImportError) as exc:
        raise PoolUnavailable(str(exc)) from exc

    def top_up() -> None:
        while can_start() and len(pending) < depth:
            start, end = ranges[state["next"]]
            try:
                pending[pool.submit(task, path, start, end, limit)] = state["next"]
            except (OSError, RuntimeError, ImportError) as exc:
                raise PoolUnavailable(str(exc)) from exc
            state["next"] += 1

    try:
        while state["deliver"] < n:
            top_up()
            if pending:
                harvest(block=False)
                # Refilled before this process scans a chunk of its own: a worker that just
                # finished would otherwise wait that whole chunk for its next one.
                top_up()
            deliver_ready()
            if state["deliver"] >= n:
                break
            i = take_here()
            if i is not None:
                ready[i] = here(*ranges[i])  # type: ignore[misc]
                if on_chunk is not None:
                    on_chunk(i)
                deliver_ready()
                continue
            if not pending:  # every started chunk came back just now: start more
                if can_start():
                    continue
                raise AssertionError("chunk scheduler stalled")  # never spin on a bug
            harvest(block=True)
            deliver_ready()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return peaks
