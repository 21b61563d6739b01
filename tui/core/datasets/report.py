"""The validation report: plain dataclasses, exactly what `tunedeck validate --json` prints.

Dataclasses rather than pydantic models: every field is built here from values the
scanner computed, so there is nothing to validate, and pydantic's import and the
five model classes cost ~70 ms of a `tunedeck validate` that takes ~0.9 s on a
20k-line file. `model_dump()` keeps the name and the output the callers had.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from tui.core.datasets.billing import default_epochs, estimated_cost
from tui.core.datasets.categories import ERRORS, WARNINGS
from tui.core.datasets.formats import model_method_problem
from tui.core.datasets.stats import Accumulator, summarize
from tui.core.wording import count_of

MIN_EXAMPLES = 10


def _float(value: float | None) -> float | None:
    """A float field holds a float even when the arithmetic gave an int (JSON 3.0, not 3)."""
    return None if value is None else float(value)


class _Dumpable:
    __slots__ = ()

    def model_dump(self, mode: str = "python") -> dict[str, Any]:
        """The report as a dict of plain values; `mode` is accepted for the callers' sake
        (every value is already JSON-ready)."""
        return asdict(self)  # type: ignore[call-overload]


@dataclass(slots=True)
class LineError(_Dumpable):
    line: int  # 1-based; 0 for a finding about the whole file
    category: str
    message: str


@dataclass(slots=True)
class Histogram(_Dumpable):
    edges: list[int] = field(default_factory=list)  # len(counts) + 1 edges; bucket i is [edges[i], edges[i+1])
    counts: list[int] = field(default_factory=list)


@dataclass(slots=True)
class TokenStats(_Dumpable):
    """A distribution over valid examples (tokens, assistant tokens, or messages)."""

    count: int = 0
    total: int = 0
    min: int | None = None
    max: int | None = None
    mean: float | None = None
    median: float | None = None
    p10: float | None = None
    p90: float | None = None
    histogram: Histogram = field(default_factory=Histogram)

    @classmethod
    def of(cls, summary: dict[str, Any]) -> TokenStats:
        """From `stats.summarize`'s dict."""
        hist = summary["histogram"]
        return cls(count=summary["count"], total=summary["total"], min=summary["min"],
                   max=summary["max"], mean=_float(summary["mean"]),
                   median=_float(summary["median"]), p10=_float(summary["p10"]),
                   p90=_float(summary["p90"]),
                   histogram=Histogram(edges=list(hist["edges"]), counts=list(hist["counts"])))


@dataclass(slots=True)
class ValidationSummary(_Dumpable):
    """The validation file's own verdict, when one was given."""

    path: str
    examples: int
    invalid: int
    errors: dict[str, int]
    first_errors: list[LineError]


@dataclass(slots=True)
class ValidationReport(_Dumpable):
    path: str | None
    format: str  # sft, sft_tools, vision, dpo, rft, unknown
    method: str  # supervised, dpo, reinforcement
    method_detected: bool
    model: str
    encoding: str
    bytes: int
    lines: int  # physical lines, blank ones included
    examples: int  # non-blank lines
    valid: int
    invalid: int
    formats: dict[str, int]  # lines per format
    errors: dict[str, int]  # category -> lines with that error (file-level findings count 1)
    warnings: dict[str, int]
    first_errors: list[LineError]
    first_warnings: list[LineError]
    tokens: TokenStats
    assistant_tokens: TokenStats
    messages_per_example: TokenStats
    token_limit: int
    over_limit: int
    epochs: int
    epochs_default: bool
    billed_tokens: int
    price_per_1m: float | None
    estimated_cost_usd: float | None
    trainable: bool
    validation: ValidationSummary | None = None
    notes: list[str] = field(default_factory=list)


def _ordered(counts: dict[str, int], known: dict[str, str]) -> dict[str, int]:
    order = {name: i for i, name in enumerate(known)}
    return {k: counts[k] for k in sorted(counts, key=lambda k: (order.get(k, len(order)), k))
            if counts[k]}


def file_format(acc: Accumulator, method: str) -> str:
    seen = {f for f, n in acc.formats.items() if n and f != "unknown"}
    if not seen:
        return "unknown"
    if method == "dpo":
        return "dpo"
    if method == "reinforcement":
        return "rft"
    for fmt in ("vision", "sft_tools", "sft"):
        if fmt in seen:
            return fmt
    return next(iter(sorted(seen)))


def build_report(acc: Accumulator, *, path: str | None, model: str, method: str,
                 method_detected: bool, encoding: str, epochs: int | None = None,
                 prices: dict[str, float] | None = None, overlap: int | None = None,
                 validation: ValidationSummary | None = None) -> ValidationReport:
    errors = dict(acc.errors)
    warnings = dict(acc.warnings)
    file_errors: list[LineError] = []
    valid = acc.examples - acc.invalid

    def file_error(category: str, message: str, count: int = 1) -> None:
        errors[category] = errors.get(category, 0) + count
        file_errors.append(LineError(line=0, category=category, message=message))

    if acc.examples == 0:
        what = "is empty" if acc.size == 0 else "has only blank lines"
        file_error("empty_file", f"file: no examples (the file {what})")
    elif valid < MIN_EXAMPLES:
        file_error("too_few_examples",
                   f"file: {count_of(valid, 'valid example')}; fine-tuning needs at least {MIN_EXAMPLES}")
    problem = model_method_problem(model, method)
    notes: list[str] = []
    if problem:
        if method_detected:
            warnings["model_method"] = warnings.get("model_method", 0) + 1
            notes.append(f"{problem}; the method was detected from the file (pass --method).")
        else:
            file_error("method_mismatch", f"file: {problem}")
    if overlap:
        file_error("train_validation_overlap",
                   f"file: {count_of(overlap, 'training example')} also "
                   f"{'appears' if overlap == 1 else 'appear'} in the validation file",
                   overlap)
    notes.extend(_hints(acc, valid))
    if method_detected and acc.examples:
        notes.append(f"Method {method} was detected from the file's first lines.")
    n_epochs = epochs if epochs is not None else default_epochs(valid)
    billed = n_epochs * acc.billable
    price, cost = estimated_cost(model, method, billed, prices)
    first_errors = file_errors + [LineError(line=ln, category=c, message=m)
                                  for ln, c, m in acc.first_errors]
    trainable = not errors and (validation is None or not validation.errors)
    return ValidationReport(
        path=path, format=file_format(acc, method), method=method,
        method_detected=method_detected, model=model, encoding=encoding, bytes=acc.size,
        lines=acc.lines, examples=acc.examples, valid=valid, invalid=acc.invalid,
        formats=_ordered(dict(acc.formats), {f: f for f in ("sft", "sft_tools", "vision", "dpo",
                                                            "rft", "unknown")}),
        errors=_ordered(errors, ERRORS), warnings=_ordered(warnings, WARNINGS),
        first_errors=first_errors[:20],
        first_warnings=[LineError(line=ln, category=c, message=m) for ln, c, m in acc.first_warnings],
        tokens=TokenStats.of(summarize(acc.tokens)),
        assistant_tokens=TokenStats.of(summarize(acc.assistant_tokens)),
        messages_per_example=TokenStats.of(summarize(acc.messages)),
        token_limit=acc.token_limit, over_limit=acc.over_limit, epochs=n_epochs,
        epochs_default=epochs is None, billed_tokens=billed, price_per_1m=_float(price),
        estimated_cost_usd=_float(cost), trainable=trainable, validation=validation, notes=notes,
    )


def _hints(acc: Accumulator, valid: int) -> list[str]:
    notes = []
    head = acc.head.lstrip()
    if valid == 0 and acc.examples:
        if acc.nul_lines or acc.errors.get("invalid_utf8", 0) * 2 > acc.examples:
            notes.append("This looks like a binary file, not JSONL text.")
        elif head.startswith(b"["):
            notes.append("This looks like one JSON array; JSONL puts one JSON object on each line.")
        elif not head.startswith(b"{") and b"," in head:
            notes.append("This looks like CSV; a training file is JSONL: one JSON object per line.")
    if acc.over_limit:
        notes.append(f"{count_of(acc.over_limit, 'example')} {'is' if acc.over_limit == 1 else 'are'} over the {acc.token_limit:,}-token limit "
                     "and will be truncated from the end.")
    return notes
