"""The one place fine-tuning job creation calls the project's dataset validator.

`tui.core.datasets.validate.validate_bytes` is the same code the datasets pane
runs, so a file the pane calls trainable is one the sandbox trains on. Until
that module is importable, a minimal stand-in checks what the engine itself needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import orjson

MIN_EXAMPLES = 10


@dataclass(frozen=True)
class FileVerdict:
    ok: bool
    code: str | None = None  # invalid_training_file | invalid_n_examples | invalid_file_format
    message: str | None = None
    examples: int = 0


# Sandbox models stand in for these when the validator applies a real model's rules.
_VALIDATOR_MODEL = {"reinforcement": "o4-mini"}
_COUNT_CATEGORIES = ("too_few_examples", "empty_file")


def check_file(data: bytes, *, method: str, which: str = "Training") -> FileVerdict:
    """Validate a training or validation file for `method`; `which` names it in messages."""
    try:
        from tui.core.datasets.validate import validate_bytes
    except ImportError:
        return _minimal(data, method=method, which=which)
    report = validate_bytes(data, model=_VALIDATOR_MODEL.get(method, "gpt-4o-mini"), method=method)
    if report.trainable:
        return FileVerdict(True, examples=report.examples)
    line_errors = [e for e in report.first_errors if e.line > 0]
    file_errors = [e for e in report.first_errors if e.line == 0]
    if line_errors:
        first = line_errors[0]
        more = f" ({report.invalid} invalid example(s) in all)" if report.invalid > 1 else ""
        return FileVerdict(
            False, "invalid_training_file",
            f"{which} file is invalid: line {first.line}: {first.message} [{first.category}]{more}",
            report.examples,
        )
    other = [e for e in file_errors if e.category not in _COUNT_CATEGORIES]
    if other:
        return FileVerdict(False, "invalid_training_file",
                           f"{which} file is invalid: {other[0].message} [{other[0].category}]",
                           report.examples)
    if which != "Training":
        # The 10-example minimum is for training files; a small validation file is fine.
        return FileVerdict(True, examples=report.examples)
    return FileVerdict(
        False, "invalid_n_examples",
        f"{which} file has {report.valid} example(s), but must have at least {MIN_EXAMPLES} examples",
        report.examples,
    )


def _minimal(data: bytes, *, method: str, which: str) -> FileVerdict:
    required = {"supervised": "messages", "dpo": "input", "reinforcement": "messages"}[method]
    count = 0
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            return FileVerdict(False, "invalid_training_file",
                               f"{which} file is invalid: line {number}: cannot be parsed as JSON")
        if not isinstance(row, dict) or required not in row:
            return FileVerdict(False, "invalid_training_file",
                               f"{which} file is invalid: line {number}: missing key '{required}'")
        count += 1
    if count < MIN_EXAMPLES:
        return FileVerdict(False, "invalid_n_examples",
                           f"{which} file has {count} example(s), but must have at least "
                           f"{MIN_EXAMPLES} examples", count)
    return FileVerdict(True, examples=count)
