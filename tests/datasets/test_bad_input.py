"""Bad input: clear messages, no exceptions, good lines still counted; arbitrary bytes never raise."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.datasets.helpers import GOOD, run_validate, sft_error_file, write_lines
from tui.core.datasets import parallel
from tui.core.datasets.lines import read_range
from tui.core.datasets.scan import LineScanner, scan_lines
from tui.core.datasets.validate import (
    UsageError,
    iter_line_results,
    validate_bytes,
    validate_file,
)


def test_empty_file(tmp_path, capsys):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    report = validate_file(path)
    assert report.errors == {"empty_file": 1} and report.lines == 0 and not report.trainable
    assert report.first_errors[0].message == "file: no examples (the file is empty)"
    assert run_validate([str(path)]) == 1
    blank = write_lines(tmp_path / "blank.jsonl", ["", "  ", ""])
    assert validate_file(blank).errors == {"empty_file": 1}


def test_too_few_examples():
    report = validate_bytes((GOOD + "\n").encode() * 7)
    assert report.errors == {"too_few_examples": 1}
    assert report.first_errors[0].message == (
        "file: 7 valid examples; fine-tuning needs at least 10")


def test_binary_file(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(bytes(range(256)) * 64 + b"\n\x00\x01\x02" * 10)
    report = validate_file(path)
    assert report.valid == 0 and report.invalid == report.examples > 0
    assert "This looks like a binary file, not JSONL text." in report.notes


def test_invalid_utf8_and_good_lines_still_counted(tmp_path):
    lines = [GOOD] * 10 + [b'{"messages": [{"role": "user", "content": "caf\xe9"}]}'] + [GOOD]
    report = validate_file(write_lines(tmp_path / "latin1.jsonl", lines))
    assert report.errors == {"invalid_utf8": 1} and report.valid == 11
    assert report.first_errors[0].message == "line: not UTF-8 (byte 0xe9 at column 47)"


def test_csv_and_json_array(tmp_path):
    csv = write_lines(tmp_path / "data.csv", ["prompt,completion", "hi,hello", "bye,goodbye"])
    report = validate_file(csv)
    assert report.errors == {"invalid_json": 3, "too_few_examples": 1}
    assert any("CSV" in note for note in report.notes)
    array = tmp_path / "data.json"
    array.write_text(json.dumps([json.loads(GOOD)] * 3, indent=2))
    assert any("JSON array" in note for note in validate_file(array).notes)


def test_fifty_megabyte_single_line(tmp_path):
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as f:
        f.write((GOOD + "\n").encode() * 10)
        f.write(b'{"messages": "' + b"x" * (50 * 1024 * 1024) + b"\n")
        f.write((GOOD + "\n").encode())
    report = validate_file(path, workers=1)
    assert report.errors == {"invalid_json": 1} and report.valid == 11
    assert report.first_errors[0].line == 11


def test_line_over_the_parse_limit_is_never_held(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [GOOD, "x" * 5000, GOOD])
    scanner = LineScanner("gpt-4o-mini", "supervised")
    results = list(scan_lines(read_range(path, max_line=1000), scanner))
    assert [(r.line, r.category) for r in results] == [(1, None), (2, "line_too_long"), (3, None)]
    assert len(results[1].raw) <= 4096 and results[2].byte_offset == len(GOOD) + 5002
    assert results[1].message.startswith("line: 5,001 bytes is too long to check")


def test_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        validate_file(tmp_path / "nope.jsonl")
    with pytest.raises(UsageError, match="is a directory"):
        iter_line_results(tmp_path)
    if os.geteuid() != 0:
        locked = write_lines(tmp_path / "locked.jsonl", [GOOD])
        locked.chmod(0)
        assert run_validate([str(locked)]) == 2


def test_crlf_bom_and_no_final_newline():
    data = b"\xef\xbb\xbf" + b"\r\n".join([GOOD.encode()] * 10)
    report = validate_bytes(data)
    assert report.trainable and report.valid == 10 and report.warnings == {"utf8_bom": 1}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data):
    results = list(iter_line_results(data))
    numbers = [r.line for r in results]
    assert numbers == sorted(set(numbers)) and all(n >= 1 for n in numbers)
    assert all(r.status == "valid" or (r.category and r.message) for r in results)
    report = validate_bytes(data)
    assert report.examples == len(results) and report.lines >= len(results)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["messages", "role", "content", "weight", "tool_calls",
                                       "tools", "input", "preferred_output", "type", "text",
                                       "image_url", "url", "name", "function", "id"])
                      | st.text(max_size=5), children, max_size=5),
    max_leaves=25,
)
ROLES = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function", "bot"])
MESSAGE = st.fixed_dictionaries({"role": ROLES}, optional={"content": JSON, "weight": JSON,
                                                           "tool_calls": JSON, "name": JSON,
                                                           "tool_call_id": JSON})


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(JSON | st.fixed_dictionaries({"messages": st.lists(MESSAGE, max_size=4)},
                                             optional={"tools": JSON, "extra": JSON}),
                min_size=1, max_size=6),
       st.sampled_from([None, "supervised", "dpo", "reinforcement"]))
def test_arbitrary_json_lines_never_raise(objects, method):
    lines = [json.dumps(obj) for obj in objects]
    results = list(iter_line_results(lines, method=method))
    assert [r.line for r in results] == list(range(1, len(lines) + 1))
    for r in results:
        assert r.status in ("valid", "invalid")
        assert (r.tokens is not None) == (r.status == "valid")
        if r.status == "invalid":
            assert r.category and r.message
    validate_bytes("\n".join(lines).encode(), method=method)


def test_parallel_scan_matches_one_pass(tmp_path, monkeypatch):
    path = sft_error_file(tmp_path / "train.jsonl")
    with open(path, "ab") as f:
        for _ in range(30):
            f.write(path.read_bytes()[:2000])
    one_pass = validate_file(path, workers=1)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 4096)
    seen: list[tuple[int, int]] = []
    two = validate_file(path, workers=2, progress=lambda done, total: seen.append((done, total)))
    assert two.model_dump() == one_pass.model_dump()
    assert seen[-1] == (path.stat().st_size,) * 2
    assert len(seen) > 3


def test_parallel_scan_really_uses_worker_processes(tmp_path, monkeypatch):
    path = sft_error_file(tmp_path / "train.jsonl")
    monkeypatch.setattr(parallel, "MIN_PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "CHUNK_BYTES", 1024)
    acc, info = parallel.scan_file(str(path), LineScanner("gpt-4o-mini", "supervised"), workers=2)
    assert info.workers == 2 and info.chunks > 2 and len(info.worker_peak_rss_kb) >= 1
    assert acc.invalid == 20 and acc.lines == 33
