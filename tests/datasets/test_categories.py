"""Every error category, with exact counts, through validate_file, validate_bytes and the CLI."""

from __future__ import annotations

import json

from tests.datasets.helpers import (
    GOOD,
    SFT_ERROR_LINES,
    assistant,
    chat,
    dumps,
    run_validate,
    sft_error_file,
    user,
    write_lines,
)
from tui.core.datasets.categories import ERRORS, WARNINGS
from tui.core.datasets.validate import iter_line_results, validate_bytes, validate_file

EXPECTED_SFT = dict.fromkeys(SFT_ERROR_LINES, 1)


def test_every_supervised_category_counted_exactly(tmp_path):
    path = sft_error_file(tmp_path / "train.jsonl")
    report = validate_file(path)
    assert report.method == "supervised" and report.method_detected
    assert report.errors == EXPECTED_SFT
    assert report.lines == 12 + 1 + len(SFT_ERROR_LINES)
    assert report.examples == 12 + len(SFT_ERROR_LINES)
    assert (report.valid, report.invalid) == (12, len(SFT_ERROR_LINES))
    assert report.warnings == {"blank_line": 1}
    assert not report.trainable
    # First errors come in file order, with 1-based line numbers and the field named.
    first = [(e.line, e.category) for e in report.first_errors]
    assert first == [(14 + i, c) for i, c in enumerate(SFT_ERROR_LINES)]
    messages = {e.category: e.message for e in report.first_errors}
    assert messages["unrecognized_role"] == "messages[0].role: unrecognized role 'bot'"
    assert messages["invalid_weight"] == "messages[1].weight: must be 0 or 1, got 2"
    assert messages["message_unrecognized_key"] == "messages[0].foo: not allowed in a message"
    assert messages["special_token"].startswith("messages[0].content: contains the special token")
    assert report.model_dump(mode="json") == validate_bytes(path.read_bytes()).model_dump(
        mode="json") | {"path": str(path)}


def test_cli_json_prints_the_same_counts(tmp_path, capsys):
    path = sft_error_file(tmp_path / "train.jsonl")
    assert run_validate([str(path), "--json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["errors"] == EXPECTED_SFT
    assert printed == validate_file(path).model_dump(mode="json")
    for key in ("path", "format", "model", "encoding", "lines", "examples", "invalid", "errors",
                "first_errors", "tokens", "token_limit", "over_limit", "epochs", "billed_tokens",
                "estimated_cost_usd", "trainable"):
        assert key in printed
    assert set(printed["tokens"]) >= {"total", "min", "max", "mean", "median", "p10", "p90",
                                      "histogram"}


def test_cli_text_report_and_exit_codes(tmp_path, capsys):
    good = write_lines(tmp_path / "good.jsonl", [GOOD] * 10)
    assert run_validate([str(good)]) == 0
    out = capsys.readouterr().out
    assert "OK: 10 examples can be trained on." in out and "epochs          10" in out
    bad = sft_error_file(tmp_path / "bad.jsonl")
    assert run_validate([str(bad)]) == 1
    out = capsys.readouterr().out
    assert "unrecognized_role" in out and "line 20" in out and "NOT TRAINABLE" in out
    assert run_validate([str(tmp_path / "missing.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert run_validate([str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def test_line_results_name_fields_and_formats(tmp_path):
    path = sft_error_file(tmp_path / "train.jsonl")
    results = list(iter_line_results(path, model="gpt-4o-mini"))
    assert [r.line for r in results] == [*range(1, 13), *range(14, 14 + len(SFT_ERROR_LINES))]
    by_category = {r.category: r for r in results if r.status == "invalid"}
    assert set(by_category) == set(SFT_ERROR_LINES)
    assert by_category["invalid_image"].format == "vision"
    assert by_category["invalid_tools"].format == "sft_tools"
    assert by_category["method_mismatch"].format == "dpo"
    assert by_category["invalid_json"].format == "unknown"
    good = results[0]
    assert (good.status, good.format, good.tokens, good.assistant_tokens, good.n_messages) == (
        "valid", "sft", 13, 1, 2)
    assert good.raw == GOOD.encode() and good.byte_offset == 0
    assert results[1].byte_offset == len(GOOD) + 1


def test_catalogue_names_every_category_used(tmp_path):
    assert set(SFT_ERROR_LINES) <= set(ERRORS)
    assert {"over_token_limit", "blank_line"} <= set(WARNINGS)


def test_today_api_roles_and_keys_are_valid():
    lines = [dumps(chat({"role": "developer", "content": "Be brief."}, user(name="ann"),
                        assistant(None, tool_calls=[{"id": "c1", "type": "function",
                                                     "function": {"name": "lookup",
                                                                  "arguments": "{}"}}]),
                        {"role": "tool", "tool_call_id": "c1", "content": "[]"},
                        assistant("Nothing found.", weight=1),
                        user("Thanks"), assistant("Bye", weight=0),
                        tools=[{"type": "function", "function": {"name": "lookup"}}],
                        parallel_tool_calls=False))] * 10
    report = validate_bytes("\n".join(lines).encode())
    assert report.errors == {} and report.trainable and report.format == "sft_tools"
