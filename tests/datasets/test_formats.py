"""DPO, RFT and vision files; method detection and mismatches; train/validation overlap."""

from __future__ import annotations

import pytest

from tests.datasets.helpers import (
    GIF_URL,
    GOOD,
    PNG_URL,
    assistant,
    chat,
    dpo,
    dumps,
    rft,
    run_validate,
    user,
    write_lines,
)
from tui.core.datasets.validate import iter_line_results, validate_bytes, validate_file


def data(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_dpo_file_and_its_errors():
    lines = [dpo()] * 10 + [
        dumps({"input": {"messages": [user()]}, "preferred_output": [assistant()]}),
        dumps({"input": "Hi", "preferred_output": [assistant()],
               "non_preferred_output": [assistant("x")]}),
        dumps({"input": {"messages": [user()]}, "preferred_output": [assistant(), assistant()],
               "non_preferred_output": [assistant("x")]}),
        dumps({"input": {"messages": [user()]}, "preferred_output": [user()],
               "non_preferred_output": [assistant("x")]}),
        GOOD,
        dpo(preferred_completion="old"),
        dpo(bad="Hello!"),
    ]
    report = validate_bytes(data(lines))
    assert (report.method, report.format, report.method_detected) == ("dpo", "dpo", True)
    assert report.errors == {"extra_top_level_key": 1, "dpo_missing_key": 1,
                             "dpo_invalid_input": 1, "dpo_invalid_output": 2,
                             "method_mismatch": 1}
    assert report.warnings == {"dpo_identical_outputs": 1}
    assert report.valid == 11
    messages = [e.message for e in report.first_errors]
    assert "non_preferred_output: missing" in messages
    assert "preferred_output: expected a list of one assistant message, got 2 messages" in messages
    assert "preferred_output[0].role: must be 'assistant', got 'user'" in messages
    assert "preferred_completion: obsolete name; use preferred_output" in messages


def test_dpo_tokens_cover_input_and_both_outputs():
    result = next(iter_line_results([dpo("Hi", "Hello", "No")], method="dpo"))
    # 3 + (3 + user + Hi) + (3 + assistant + Hello) + (3 + assistant + No)
    assert (result.format, result.tokens, result.assistant_tokens, result.n_messages) == (
        "dpo", 3 + 5 + 5 + 5, 2, 3)


def test_rft_file_detected_and_checked():
    lines = [rft()] * 10 + [
        dumps(chat({"role": "system", "content": "x"}, user("q"), answer="1")),
        dumps(chat({"role": "developer", "content": "x"}, answer="1")),
        dumps(chat(user("q"), assistant("a", weight=1), user("q2"), answer="1")),
    ]
    report = validate_bytes(data(lines), model="o4-mini")
    assert (report.method, report.format, report.method_detected) == (
        "reinforcement", "rft", True)
    assert report.errors == {"message_unrecognized_key": 1, "rft_system_role": 1,
                             "rft_missing_user_message": 1}
    assert report.estimated_cost_usd is None and report.trainable is False
    # The default model cannot do RFT: a warning when detected, an error when asked for.
    assert validate_bytes(data([rft()] * 10)).warnings == {"model_method": 1}
    explicit = validate_bytes(data([rft()] * 10), method="reinforcement")
    assert explicit.errors == {"method_mismatch": 1} and not explicit.trainable
    assert validate_bytes(data([rft()] * 10), model="o4-mini", method="rft").trainable


def test_method_mismatch_when_method_given(tmp_path):
    path = write_lines(tmp_path / "chat.jsonl", [GOOD] * 10)
    report = validate_file(path, method="dpo")
    assert report.errors == {"method_mismatch": 10, "too_few_examples": 1}
    assert "in a file for method dpo (--method dpo)" in report.first_errors[1].message
    with pytest.raises(ValueError):
        validate_file(path, method="unsupervised")
    assert validate_file(path, model="o4-mini", method="supervised").errors == {
        "method_mismatch": 1}
    assert validate_file(path, model="o4-mini").warnings == {"model_method": 1}


def test_vision_file():
    image = {"type": "image_url", "image_url": {"url": PNG_URL, "detail": "low"}}
    good = dumps(chat(user([{"type": "text", "text": "What is this?"}, image]), assistant("A dot.")))
    lines = [good] * 10 + [
        dumps(chat(user([{"type": "image_url", "image_url": {"url": GIF_URL}}]), assistant("x"))),
        dumps(chat(user([{"type": "image_url", "image_url": {"url": "https://example.com/a.jpg"}}]),
                   assistant("x"))),
        dumps(chat(user([{"type": "image_url", "image_url": {"url": PNG_URL, "detail": "max"}}]),
                   assistant("x"))),
        dumps(chat({"role": "system", "content": [image]}, user("hi"), assistant("x"))),
    ]
    report = validate_bytes(data(lines))
    assert report.format == "vision" and report.formats == {"vision": 14}
    assert report.errors == {"invalid_image": 2}
    assert report.warnings == {"image_format": 1}
    assert report.valid == 12


def test_train_validation_overlap(tmp_path, capsys):
    train = write_lines(tmp_path / "train.jsonl",
                        [dumps(chat(user(f"q{i}"), assistant("a"))) for i in range(12)])
    valid = write_lines(tmp_path / "valid.jsonl",
                        ['{"messages": [{"content": "q3", "role": "user"}, '
                         '{"role": "assistant", "content": "a"}]}',
                         dumps(chat(user("q5"), assistant("a"))),
                         dumps(chat(user("new"), assistant("a")))])
    report = validate_file(train, validation_path=valid)
    assert report.errors == {"train_validation_overlap": 2}
    assert report.validation is not None and report.validation.examples == 3
    assert run_validate([str(train), "--validation", str(valid), "--json"]) == 1
    assert '"train_validation_overlap": 2' in capsys.readouterr().out
