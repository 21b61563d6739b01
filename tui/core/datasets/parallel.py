"""Scanning a file in byte-range chunks, in worker processes, in bounded memory.

The file is cut at line starts into chunks of about `CHUNK_BYTES`; each worker
process opens the file itself, reads only its ranges a line at a time and
sends back an `Accumulator` (counts and the first findings, never lines).
The caller merges them in file order, so line numbers and "first errors" are
the same as a single pass. Workers are spawned (not forked: the TUI calls
this from a thread) and each loads its tokenizer once.
"""

from __future__ import annotations

import math
import os
import resource
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from tui.core.datasets.lines import line_starts, read_range
from tui.core.datasets.scan import LineScanner
from tui.core.datasets.stats import Accumulator

CHUNK_BYTES = 16 * 1024 * 1024
MIN_PARALLEL_BYTES = 8 * 1024 * 1024  # smaller files are scanned in the calling process
PROGRESS_BYTES = 1024 * 1024

Progress = Callable[[int, int], None]


@dataclass
class ScanInfo:
    workers: int = 0  # 0: scanned in the calling process
    chunks: int = 1
    worker_peak_rss_kb: dict[int, int] = field(default_factory=dict)  # pid -> ru_maxrss


_scanner: LineScanner | None = None


def _init_worker(model: str, method: str, method_source: str, hash_examples: bool) -> None:
    global _scanner
    _scanner = LineScanner(model, method, method_source=method_source, hash_examples=hash_examples)


def _scan_chunk(path: str, start: int, end: int) -> tuple[Accumulator, int, int]:
    assert _scanner is not None
    acc = Accumulator(_scanner.token_limit)
    acc.feed(read_range(path, start, end), _scanner)
    return acc, os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def scan_sequential(path: str, scanner: LineScanner, progress: Progress | None = None) -> Accumulator:
    total = os.path.getsize(path)
    acc = Accumulator(scanner.token_limit)
    lines = read_range(path)
    if progress is not None:
        lines = _reporting(lines, total, progress)
    acc.feed(lines, scanner)
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


def scan_file(path: str, scanner: LineScanner, *, workers: int = 2,
              progress: Progress | None = None) -> tuple[Accumulator, ScanInfo]:
    """Totals for a whole file, in `workers` processes when it is big enough to pay off."""
    total = os.path.getsize(path)
    workers = max(1, min(workers, os.cpu_count() or 1))
    if workers < 2 or total < MIN_PARALLEL_BYTES:
        return scan_sequential(path, scanner, progress), ScanInfo()
    parts = max(workers, math.ceil(total / CHUNK_BYTES))
    cuts = line_starts(path, parts)
    ranges = list(zip(cuts, cuts[1:], strict=False))
    info = ScanInfo(workers=workers, chunks=len(ranges))
    results: list[Accumulator | None] = [None] * len(ranges)
    try:
        import multiprocessing

        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(scanner.model, scanner.method, scanner.method_source, scanner.hash_examples),
        ) as pool:
            pending = {pool.submit(_scan_chunk, path, start, end): i
                       for i, (start, end) in enumerate(ranges)}
            done_bytes = 0
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    i = pending.pop(future)
                    acc, pid, rss = future.result()
                    results[i] = acc
                    info.worker_peak_rss_kb[pid] = max(rss, info.worker_peak_rss_kb.get(pid, 0))
                    done_bytes += ranges[i][1] - ranges[i][0]
                    if progress is not None:
                        progress(done_bytes, total)
    except (OSError, RuntimeError, ImportError):
        # No processes to be had here (a sandboxed or frozen interpreter): one pass instead.
        return scan_sequential(path, scanner, progress), ScanInfo()
    merged = Accumulator(scanner.token_limit)
    for acc in results:
        merged.merge(acc)  # type: ignore[arg-type]
    return merged, info
