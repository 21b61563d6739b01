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
