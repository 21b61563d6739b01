"""Scanning a file in byte-range chunks, in worker processes, in bounded memory.

The file is cut at line starts into chunks (chunks.plan); each worker process
opens the file itself, reads only its ranges a line at a time and sends back an
`Accumulator` (counts and the first findings, never lines) — or, for the
store's import, the chunk's pre-serialised rows beside it. The caller merges
them in file order, so line numbers and "first errors" are the same as a
single pass. Workers are spawned (the TUI calls this from a thread) and each
loads its tokenizer once; with no other thread alive (the CLI, a headless
import) they are forked instead (chunks.start_method). Called from the main
thread, validation scans chunks in this process too, so `workers=2` is two
processes, not three. A worker whose parent dies ends itself.

The file's size is read once, from the descriptor of a regular file
(source.open_regular), and every reader stops there, workers included: each
opens the file later, and a file that grew meanwhile is still scanned as it
was, with the same lines as a one-process pass (and, for an import, the same
bytes as its hash).
"""

from __future__ import annotations

import os
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.core.datasets.chunks import PoolUnavailable, plan, run_chunks, start_method
from tui.core.datasets.lines import read_range
from tui.core.datasets.scan import LineResult, LineScanner
from tui.core.datasets.source import open_regular, size_at_open
from tui.core.datasets.stats import Accumulator
from tui.core.datasets.tokens import count_function

CHUNK_BYTES = 16 * 1024 * 1024  # the largest chunk (chunks shrink toward the end of a file)
MIN_CHUNK_BYTES = 1024 * 1024
MIN_PARALLEL_BYTES = 8 * 1024 * 1024  # smaller files are scanned in the calling process
PROGRESS_BYTES = 1024 * 1024
ROW_BATCH = 2_000  # rows handed over at a time by a one-process import
# An import's chunk carries its rows (~half its size, compressed) to this process: smaller
# chunks keep what is in flight, and held for file order, to a few MB.
ROWS_CHUNK_BYTES = 4 * 1024 * 1024

Progress = Callable[[int, int], None]
Rows = list  # of store.datasets.ExampleRow, numbered from 1 within their chunk


@dataclass
class ScanInfo:
    workers: int = 0  # processes that scanned (this one included); 0: one pass here
    chunks: int = 1
    worker_peak_rss_kb: dict[int, int] = field(default_factory=dict)  # pid -> ru_maxrss


_scanner: LineScanner | None = None
_PARENT_POLL_S = 0.5


def _init_worker(model: str, method: str, method_source: str, hash_examples: bool,
                 parent: int) -> None:
    global _scanner
    _scanner = LineScanner(model, method, method_source=method_source, hash_examples=hash_examples)
    threading.Thread(target=_exit_with, args=(parent,), name="tunedeck-parent-watch",
                     daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this worker once its parent is gone (killed, say): a pool's worker holds its
    own end of the task queue, so it would otherwise wait for work forever."""
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_S)
    os._exit(1)


def _peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _scan_chunk(path: str, start: int, end: int, limit: int) -> tuple[Accumulator, int, int]:
    assert _scanner is not None
    acc = Accumulator(_scanner.token_limit)
    acc.feed(read_range(path, start, end, limit=limit), _scanner)
    return acc, os.getpid(), _peak_rss_kb()


def _scan_chunk_rows(path: str, start: int, end: int, limit: int
                     ) -> tuple[tuple[Accumulator, Rows], int, int]:
    from tui.core.datasets.rows import RowBatch

    assert _scanner is not None
    acc = Accumulator(_scanner.token_limit)
    batch = RowBatch()
    acc.feed(read_range(path, start, end, limit=limit), _scanner, sink=batch.add)
    return (acc, batch.take()), os.getpid(), _peak_rss_kb()


def scan_sequential(path: str, scanner: LineScanner, progress: Progress | None = None,
                    sink: Callable[[LineResult], None] | None = None,
                    limit: int | None = None) -> Accumulator:
    total = _size(path, limit)
    acc = Accumulator(scanner.token_limit)
    lines = read_range(path, limit=total)
    if progress is not None:
        lines = _reporting(lines, total, progress)
    acc.feed(lines, scanner, sink=sink)
    if progress is not None:
        progress(total, total)
    return acc


def _reporting(lines, total: int, progress: Progress):
    next_report = PROGRESS_BYTES
    for item in lines:
        yield item
        done = item[0] + item[2]
        if done >= next_report:
            progress(done, total)
            next_report = done + PROGRESS_BYTES


def _size(path: str, limit: int | None) -> int:
    """The bytes to scan: the regular file's size now (NotRegularFile for anything
    else), or `limit` when the caller saw it smaller (an import's hash pass did)."""
    with open_regular(path) as handle:
        size = size_at_open(handle)
    return size if limit is None else min(size, limit)


def _processes(path: str, workers: int, limit: int | None) -> tuple[int, int]:
    """(bytes to scan, processes to scan them with): 1 when too few to pay off."""
    total = _size(path, limit)
    workers = max(1, min(workers, os.cpu_count() or 1))
    return total, 1 if total < MIN_PARALLEL_BYTES else workers


def _ranges(path: str, total: int, procs: int, max_chunk: int | None = None
            ) -> list[tuple[int, int]]:
    return plan(path, total, procs, min(CHUNK_BYTES, max_chunk or CHUNK_BYTES), MIN_CHUNK_BYTES)


def _initargs(scanner: LineScanner) -> tuple:
    return (scanner.model, scanner.method, scanner.method_source, scanner.hash_examples,
            os.getpid())


class _Progress:
    """Bytes done as chunks finish, in whatever order they finish."""

    def __init__(self, ranges: list[tuple[int, int]], total: int, progress: Progress | None):
        self.ranges, self.total, self.progress, self.done = ranges, total, progress, 0

    def __call__(self, i: int) -> None:
        self.done += self.ranges[i][1] - self.ranges[i][0]
        if self.progress is not None:
            self.progress(self.done, self.total)


def scan_file(path: str, scanner: LineScanner, *, workers: int = 2,
              progress: Progress | None = None, limit: int | None = None
              ) -> tuple[Accumulator, ScanInfo]:
    """Totals for a whole file (its first `limit` bytes, when given), in `workers`
    processes when it is big enough to pay off."""
    total, procs = _processes(path, workers, limit)
    if procs < 2:
        return scan_sequential(path, scanner, progress, limit=total), ScanInfo()
    # In the main thread this process scans too; in a thread of the TUI it only waits, so the
    # scan never competes with the screen for the interpreter.
    inline = threading.current_thread() is threading.main_thread()
    ranges = _ranges(path, total, procs)
    results: list[Accumulator] = []

    def here(start: int, end: int) -> Accumulator:
        acc = Accumulator(scanner.token_limit)
        acc.feed(read_range(path, start, end, limit=total), scanner)
        return acc

    if inline and start_method(True) == "fork":
        # Loaded before the fork, the tokenizer (~0.15 s) is loaded once, not once a process.
        count_function(scanner.encoding)
    try:
        peaks = run_chunks(path, ranges, spawn=procs - 1 if inline else procs,
                           initializer=_init_worker, initargs=_initargs(scanner), task=_scan_chunk,
                           deliver=lambda _i, acc: results.append(acc),
                           here=here if inline else None,
                           on_chunk=_Progress(ranges, total, progress), window=len(ranges),
                           fork_ok=inline)
    except PoolUnavailable:
        return scan_sequential(path, scanner, progress, limit=total), ScanInfo()
    merged = Accumulator(scanner.token_limit)
    for acc in results:
        merged.merge(acc)
    return merged, ScanInfo(workers=procs, chunks=len(ranges), worker_peak_rss_kb=peaks)


def scan_file_rows(path: str, scanner: LineScanner, deliver: Callable[[int, Rows], None], *,
                   workers: int = 2, progress: Progress | None = None,
                   limit: int | None = None) -> tuple[Accumulator, ScanInfo]:
    """Totals for a whole file (or its first `limit` bytes), and its rows for the store:
    `deliver(first_line, rows)` in order.

    Each row's line counts from 1 within its batch; `first_line - 1` shifts it into the
    file's numbering. Workers build and compress the rows, so this process only writes;
    should the workers fail midway, the file is scanned again here and rows already
    delivered come again (the store's insert replaces them).
    """
    total, procs = _processes(path, workers, limit)
    if procs >= 2:
        ranges = _ranges(path, total, procs, ROWS_CHUNK_BYTES)
        merged = Accumulator(scanner.token_limit)

        def take(_i: int, result: tuple[Accumulator, Rows]) -> None:
            acc, rows = result
            first = merged.lines + 1
            merged.merge(acc)
            deliver(first, rows)

        try:
            # Forking is fine with the store open here: the workers never touch the
            # connection they inherit and leave with os._exit (no finalizer closes it),
            # and SQLite's POSIX locks are not inherited.
            peaks = run_chunks(path, ranges, spawn=procs, initializer=_init_worker,
                               initargs=_initargs(scanner), task=_scan_chunk_rows, deliver=take,
                               on_chunk=_Progress(ranges, total, progress), window=4 * procs,
                               fork_ok=True)
            return merged, ScanInfo(workers=procs, chunks=len(ranges), worker_peak_rss_kb=peaks)
        except PoolUnavailable:
            pass
    from tui.core.datasets.rows import RowBatch

    batch = RowBatch()

    def sink(r: LineResult) -> None:
        batch.add(r)
        if len(batch) >= ROW_BATCH:
            deliver(1, batch.take())

    acc = scan_sequential(path, scanner, progress, sink=sink, limit=total)
    if len(batch):
        deliver(1, batch.take())
    return acc, ScanInfo()
