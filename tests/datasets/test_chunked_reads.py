"""The chunked scan and the import's workers read what a one-process pass reads.

Robust reads (issue 20, finding 4f) hold in the parallel paths too: only a
regular file is planned or scanned (a FIFO never blocks the plan), every worker
stops at the size the file had when the scan began (each opens it later, after
it may have grown), and the per-line cap holds in the workers that build the
import's rows.
"""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from store import Store
from tests.datasets.helpers import GOOD
from tests.datasets.test_not_a_file import NOT_REGULAR, python
from tui.core.dataset_versions import import_file
from tui.core.datasets import parallel
from tui.core.datasets.lines import TOO_LONG_PREFIX
from tui.core.datasets.validate import validate_bytes, validate_file


@pytest.fixture
def chunked(monkeypatch):
    """A few hundred kB go to two processes, in dozens of chunks."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 16 * 1024)
    monkeypatch.setattr(parallel, "MIN_CHUNK_BYTES", 2 * 1024)


def _original(path) -> bytes:
    """~200 kB of lines; the last has no newline, so bytes appended later would join it."""
    other = json.dumps({"messages": [{"role": "user", "content": "Q" * 40},
                                     {"role": "assistant", "content": "A" * 40}]})
    data = "\n".join([GOOD, other, "not json"] * 900).encode() + b"\n" + GOOD.encode()
    path.write_bytes(data)
    return data


def _grow_after_planning(monkeypatch, path) -> list[int]:
    """The file gains bytes once the scan has planned its chunks, before any worker opens it."""
    planned: list[int] = []
    real_plan = parallel.plan

    def plan_then_grow(*args, **kwargs):
        ranges = real_plan(*args, **kwargs)
        planned.append(len(ranges))
        with path.open("ab") as f:
            f.write(b', "tail": 1}\n' + (GOOD.encode() + b"\n") * 500)
        return ranges

    monkeypatch.setattr(parallel, "plan", plan_then_grow)
    return planned


def test_a_file_growing_under_the_chunked_scan_is_scanned_as_it_began(tmp_path, monkeypatch,
                                                                      chunked):
    path = tmp_path / "growing.jsonl"
    data = _original(path)
    planned = _grow_after_planning(monkeypatch, path)
    report = validate_file(path, workers=2).model_dump(mode="json")
    assert planned and planned[0] > 10  # it did go to chunks and workers
    assert report == validate_bytes(data).model_dump(mode="json") | {"path": str(path)}
    assert report["lines"] == 2701 and report["invalid"] == 900


def test_a_file_growing_under_an_import_is_stored_as_it_was_hashed(tmp_path, monkeypatch,
                                                                   chunked):
    path = tmp_path / "growing.jsonl"
    data = _original(path)
    planned = _grow_after_planning(monkeypatch, path)
    with Store(tmp_path / "t.db") as store:
        version = import_file(store, path, name="g", workers=2).version
        stored = [e.data for e in store.datasets.page_examples(version.id, limit=10**6)]
    assert planned and planned[0] > 10
    assert version.content_hash == hashlib.sha256(data).hexdigest()
    assert version.bytes == len(data) and version.n_lines == 2701
    assert stored == data.decode().split("\n")
    assert path.stat().st_size > len(data)  # it grew, and what grew is not in the version


def test_the_chunked_scan_refuses_a_fifo_and_a_device_without_blocking(tmp_path):
    """Called directly (as if the path were swapped after validate's check): the size is
    read from the opened descriptor, which is refused at once for what is not a file."""
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    code = (
        "from tui.core.datasets import chunks, parallel\n"
        "from tui.core.datasets.scan import LineScanner\n"
        "from tui.core.datasets.source import NotRegularFile\n"
        "scanner = LineScanner('gpt-4o-mini', 'supervised')\n"
        f"for path in ({str(fifo)!r}, '/dev/zero'):\n"
        "    for attempt in (lambda: chunks.plan(path, 1 << 30, 2, 1 << 20, 1 << 10),\n"
        "                    lambda: parallel.scan_file(path, scanner, workers=2),\n"
        "                    lambda: parallel.scan_file_rows(path, scanner, print, workers=2)):\n"
        "        try:\n"
        "            attempt()\n"
        "        except NotRegularFile as exc:\n"
        "            print(exc)\n"
    )
    done = python(code, tmp_path, timeout=60)
    lines = done.stdout.splitlines()
    assert len(lines) == 6, (done.stdout, done.stderr)
    assert all(line.startswith(f"{NOT_REGULAR} but ") for line in lines)
    assert sum("FIFO" in line for line in lines) == 3
    assert sum("character device" in line for line in lines) == 3


def test_a_100_mb_line_imported_by_workers_is_one_bounded_row(tmp_path):
    """The import's workers hold the per-line cap: the long line is stored as its first
    bytes with a line_too_long error, and the lines after it are read and stored."""
    path = tmp_path / "long.jsonl"
    with path.open("wb") as f:
        f.write(b'{"messages": [{"role": "user", "content": "')
        block = b"a" * (1 << 20)
        for _ in range(100):
            f.write(block)
        f.write(b'"}]}\n' + (GOOD + "\n").encode() * 11)
    with Store(tmp_path / "t.db") as store:
        version = import_file(store, path, name="long", workers=2).version
        rows = store.datasets.page_examples(version.id, limit=100)
    assert (version.n_lines, version.n_invalid) == (12, 1)
    assert version.report["errors"] == {"line_too_long": 1}
    first = rows[0]
    assert (first.line, first.status, first.category) == (1, "invalid", "line_too_long")
    assert len(first.data) <= TOO_LONG_PREFIX
    assert [r.data for r in rows[1:]] == [GOOD] * 11
