"""Validating or importing something that is not a regular file stops at once, saying so.

`tunedeck validate /dev/zero` never ended, a FIFO made the check block for a
writer, an import hashed a device for ever, and an eval file could name either
as its data. Commands run in a subprocess with a timeout, so a hang fails the
test instead of the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_REGULAR = "not a regular file"


def tunedeck(*argv: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tui.cli.main", *argv], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=timeout)


def python(code: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.jsonl"
    os.mkfifo(path)
    return path


def test_validate_refuses_dev_zero(tmp_path):
    done = tunedeck("validate", "/dev/zero", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == ("tunedeck validate: /dev/zero: not a regular file but a "
                                   "character device; tunedeck reads JSONL files, not devices, "
                                   "pipes or sockets")


def test_validate_refuses_a_fifo_without_waiting_for_a_writer(tmp_path, fifo):
    done = tunedeck("validate", str(fifo), cwd=tmp_path)
    assert done.returncode == 2 and NOT_REGULAR in done.stderr and "FIFO" in done.stderr
    training = tmp_path / "train.jsonl"
    training.write_text("")
    done = tunedeck("validate", str(training), "--validation", str(fifo), cwd=tmp_path)
    assert done.returncode == 2 and "FIFO" in done.stderr


def test_validate_refuses_a_directory(tmp_path):
    done = tunedeck("validate", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and "is a directory, not a JSONL file" in done.stderr


def test_one_100_mb_line_is_one_clear_error_and_the_next_line_is_still_read(tmp_path):
    path = tmp_path / "long.jsonl"
    good = json.dumps({"messages": [{"role": "user", "content": "hi"},
                                    {"role": "assistant", "content": "hello"}]})
    with path.open("wb") as f:
        f.write(b'{"messages": [{"role": "user", "content": "')
        block = b"a" * (1 << 20)
        for _ in range(100):
            f.write(block)
        f.write(b'"}]}\n' + (good + "\n").encode() * 11)
    done = tunedeck("validate", str(path), "--json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert (report["lines"], report["invalid"]) == (12, 1)
    assert report["errors"] == {"line_too_long": 1}
    [first] = report["first_errors"]
    assert first["line"] == 1
    assert first["message"].startswith("line: 100 MiB is too long to check (limit 64 MiB)")


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_import_refuses_what_is_not_a_regular_file(tmp_path, fifo, target):
    path = str(fifo) if target == "fifo" else target
    code = (
        "from store import Store\n"
        "from tui.core.dataset_versions import DatasetImportError, check_path, import_file\n"
        f"store = Store({str(tmp_path / 'i.db')!r})\n"
        "for attempt in (check_path, lambda p: import_file(store, p)):\n"
        "    try:\n"
        f"        attempt({path!r})\n"
        "    except DatasetImportError as exc:\n"
        "        print(exc)\n"
    )
    done = python(code, tmp_path)
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"{path}: {NOT_REGULAR} but ") for line in lines)


def test_an_eval_file_naming_a_fifo_as_its_data_is_refused(tmp_path, fifo):
    eval_file = tmp_path / "x.eval.json"
    eval_file.write_text(json.dumps({
        "name": "x", "data": str(fifo), "model": "m", "testing_criteria": [
            {"type": "string_check", "name": "eq", "input": "{{sample.output_text}}",
             "reference": "{{item.q}}", "operation": "eq"}]}))
    done = tunedeck("--db", str(tmp_path / "e.db"), "eval", "run", str(eval_file),
                    cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"data file {str(fifo)!r} is not a regular file" in done.stderr
    done = tunedeck("--db", str(tmp_path / "e.db"), "eval", "run", str(fifo), cwd=tmp_path)
    assert done.returncode == 2 and NOT_REGULAR in done.stderr


def test_a_file_that_grows_while_it_is_read_is_read_to_its_size_when_opened(tmp_path):
    from tui.core.datasets.lines import read_range

    path = tmp_path / "growing.jsonl"
    path.write_bytes(b"{}\n" * 3)
    lines = read_range(path)
    first = next(lines)  # the file is open now
    with path.open("ab") as f:
        f.write(b"{}\n" * 1000)
    assert [first, *lines] == [(0, b"{}", 3), (3, b"{}", 3), (6, b"{}", 3)]


@pytest.mark.parametrize(
    ("raw", "words"),
    [("~nosuchuser-tunedeck/a.jsonl", "no such user 'nosuchuser-tunedeck'"),
     ("a\0b.jsonl", "does not exist"),
     ("x" * 5000 + ".jsonl", "cannot be read")],
)
def test_a_path_that_cannot_even_be_looked_up_is_an_import_error(raw, words):
    # Path.expanduser raises RuntimeError for an unknown user and a name over NAME_MAX makes
    # stat raise OSError: the import form shows a DatasetImportError, nothing else.
    from tui.core.dataset_versions import DatasetImportError, check_path

    with pytest.raises(DatasetImportError, match=words):
        check_path(raw)
