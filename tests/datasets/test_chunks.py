"""The chunk scheduler: line-aligned ranges, and every chunk delivered once, in order."""

from __future__ import annotations

import random

import pytest

from tests.datasets.helpers import slow_range
from tui.core.datasets.chunks import plan, run_chunks


def test_plan_covers_the_file_in_shrinking_line_aligned_ranges(tmp_path):
    rng = random.Random(2)
    lines = [b"x" * rng.randint(0, 3000) for _ in range(2000)]
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    data = path.read_bytes()
    ranges = plan(str(path), len(data), 2, max_chunk=200_000, min_chunk=10_000)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    assert all(data[start - 1:start] == b"\n" for start, _ in ranges[1:])
    sizes = [end - start for start, end in ranges]
    assert sizes[0] > 5 * sizes[-2]  # big first, small last: the processes finish together


def test_plan_of_one_long_line_is_one_range(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"y" * 100_000)  # no newline at all
    assert plan(str(path), 100_000, 2, max_chunk=1000, min_chunk=100) == [(0, 100_000)]


@pytest.mark.parametrize(("spawn", "here", "window"), [(1, True, 100), (2, False, 3), (1, False, 1)])
def test_every_chunk_is_delivered_once_in_order(tmp_path, spawn, here, window):
    ranges = [(i, i + 1) for i in range(40)]
    delivered: list[int] = []
    finished: list[int] = []

    def deliver(i: int, result: tuple[int, int]) -> None:
        assert result == ranges[i]
        delivered.append(i)

    peaks = run_chunks(str(tmp_path), ranges, spawn=spawn, initializer=None, initargs=(),
                       task=slow_range, deliver=deliver,
                       here=(lambda start, end: (start, end)) if here else None,
                       on_chunk=finished.append, window=window, fork_ok=True)
    assert delivered == list(range(40))
    assert sorted(finished) == delivered
    assert 1 <= len(peaks) <= spawn


def test_a_worker_is_given_its_next_chunk_before_this_process_scans_one(tmp_path):
    """While this process scans a chunk of its own, the worker has one running and one queued.

    The scheduler used to refill the worker's queue only before collecting what came back, so
    a worker that finished both of its chunks waited idle through this process's whole next
    chunk (~0.5 s of a 100k-line validation): the two shared the chunks half and half even
    when the worker was much faster. Here the worker is ~10x faster than this process: it
    should scan at least twice the chunks this one does.
    """
    import time

    ranges = [(i, i + 1) for i in range(30)]
    here_chunks: list[int] = []

    def here(start: int, end: int) -> tuple[int, int]:
        here_chunks.append(start)
        time.sleep(0.08)
        return start, end

    run_chunks(str(tmp_path), ranges, spawn=1, initializer=None, initargs=(), task=slow_range,
               deliver=lambda _i, _r: None, here=here, window=100, fork_ok=True)
    worker_chunks = len(ranges) - len(here_chunks)
    assert worker_chunks >= 2 * len(here_chunks) - 1, (worker_chunks, len(here_chunks))
