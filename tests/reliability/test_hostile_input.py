"""Hostile input: templates that try to run code, graders that misbehave, random bytes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core import templates
from tui.core.evals.context import render
from tui.core.evals.graders.calc import parse
from tui.core.evals.graders.python_grader import run_grade

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(template=st.text(max_size=200), item=json_values, sample=json_values)
def test_templates_never_raise_on_anything(template, item, sample):
    context = {"item": item, "sample": sample}
    assert isinstance(render(template, context), str)
    assert isinstance(templates.fill(template, context), str)


@pytest.mark.parametrize("attempt", [
    "{{ __import__('os').system('touch pwned') }}",
    "{{item.__class__.__mro__}}",
    "{{ open('/etc/passwd').read() }}",
    "{{item.__dict__}}",
    "{{sample.output_text.__len__}}",
])
def test_a_template_cannot_run_code_or_read_files(tmp_path, monkeypatch, attempt):
    monkeypatch.chdir(tmp_path)
    out = render(attempt, {"item": {"a": 1}, "sample": {"output_text": "x"}})
    assert "root:" not in out and "class" not in out
    assert not (tmp_path / "pwned").exists()


@settings(max_examples=200)
@given(expression=st.text(max_size=60))
def test_calculate_output_parses_or_refuses(expression):
    try:
        parse(expression)
    except (ValueError, SyntaxError):
        pass


@pytest.mark.parametrize("expression", [
    "__import__('os').system('echo hi')", "a.__class__", "(lambda: 1)()", "[x for x in a]",
    "open('f')",
])
def test_calculate_output_refuses_code(expression):
    with pytest.raises((ValueError, SyntaxError)):
        parse(expression)


def grade_with(source: str, **kw) -> tuple[float | None, str | None]:
    return asyncio.run(run_grade(source, {"output_text": "x"}, {}, **kw))


def test_python_grader_that_loops_forever_is_stopped():
    score, why = grade_with("def grade(sample, item):\n    while True:\n        pass\n",
                            timeout_s=1.5)
    assert score is None and ("timed out" in why or "signal" in why)


def test_python_grader_that_allocates_gigabytes_is_stopped():
    score, why = grade_with("def grade(sample, item):\n    x = bytearray(4 * 1024**3)\n"
                            "    return 1.0\n", memory_mb=256)
    assert score is None and ("MemoryError" in why or "signal" in why)


def test_python_grader_cannot_write_outside_its_temp_dir(tmp_path):
    target = tmp_path / "outside.txt"
    score, why = grade_with(
        f"def grade(sample, item):\n    open({str(target)!r}, 'w').write('x')\n    return 1.0\n")
    assert score is None and "PermissionError" in why  # the jail (Landlock) refuses it
    assert not target.exists()
    # Its own temp directory is fine.
    score, why = grade_with("def grade(sample, item):\n    open('scratch', 'w').write('x')\n"
                            "    return 0.5\n")
    assert (score, why) == (0.5, None)


@pytest.mark.parametrize("code", [
    "import subprocess\n    subprocess.run(['true'])",
    "import os\n    assert os.system('true') == 0, 'no shell'",
    "import socket\n    socket.create_connection(('127.0.0.1', 9))",
])
def test_python_grader_cannot_start_processes_or_connect(code):
    # The jail's seccomp filter; tests/evals/test_grader_jail.py tries the harder ways.
    score, why = grade_with(f"def grade(sample, item):\n    {code}\n    return 1.0\n")
    assert score is None and ("PermissionError" in why or "no shell" in why)


def test_python_grader_sees_no_keys(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-be-visible-123456")
    score, why = grade_with(
        "import os\ndef grade(sample, item):\n"
        "    return 1.0 if any('sk-' in v for v in os.environ.values()) else 0.0\n")
    assert (score, why) == (0.0, None)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_bytes_never_crash_the_validator_and_every_error_has_a_line(data):
    from tui.core.datasets.validate import validate_bytes

    report = validate_bytes(data)
    assert report.lines >= 0
    for error in report.first_errors:
        assert error.line >= 0 and error.category and error.message


def test_dataset_import_of_garbage_keeps_good_lines(tmp_path: Path):
    from store import Store
    from tui.core.dataset_versions import import_file

    good = json.dumps({"messages": [{"role": "user", "content": "q"},
                                    {"role": "assistant", "content": "a"}]})
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join([good.encode(), b"\xff\xfe\x00garbage", good.encode(),
                                 b"[1, 2", good.encode()]) + b"\n")
    with Store(tmp_path / "t.db") as store:
        version = import_file(store, path, name="mixed").version
        assert (version.n_examples, version.n_invalid) == (5, 2)
        assert store.datasets.count_examples(version.id, status="valid") == 3
        bad = store.datasets.page_examples(version.id, status="invalid")
        assert [(e.line, e.category) for e in bad] == [(2, "invalid_utf8"), (4, "invalid_json")]
