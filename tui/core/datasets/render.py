"""A validation report as plain text, for `tunedeck validate` (no colours, no textual)."""

from __future__ import annotations

from tui.core.datasets.categories import ERRORS, WARNINGS
from tui.core.datasets.report import TokenStats, ValidationReport
from tui.core.wording import count_of

BAR_WIDTH = 32


def _n(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}" if isinstance(value, float) else f"{value:,}"


def _stats_line(stats: TokenStats) -> str:
    return (f"total {_n(stats.total)}  min {_n(stats.min)}  p10 {_n(stats.p10, 1)}  "
            f"median {_n(stats.median, 1)}  mean {_n(stats.mean, 1)}  p90 {_n(stats.p90, 1)}  "
            f"max {_n(stats.max)}")


def histogram_lines(stats: TokenStats, width: int = BAR_WIDTH) -> list[str]:
    edges, counts = stats.histogram.edges, stats.histogram.counts
    if not counts:
        return []
    peak = max(counts) or 1
    labels = [f"{edges[i]:,}–{edges[i + 1] - 1:,}" for i in range(len(counts))]
    pad = max(len(label) for label in labels)
    return [f"    {label:>{pad}} {'█' * max(1 if c else 0, round(c * width / peak)):<{width}} {c:,}"
            for label, c in zip(labels, counts, strict=True)]


def render_report(r: ValidationReport) -> str:
    out: list[str] = []
    add = out.append
    detected = ", detected" if r.method_detected else ""
    add(f"{r.path or '<data>'}")
    add(f"  format   {r.format}  (method {r.method}{detected})")
    add(f"  model    {r.model}  (encoding {r.encoding}, limit {r.token_limit:,} tokens an example)")
    add(f"  lines    {r.lines:,}  examples {r.examples:,}  valid {r.valid:,}  invalid {r.invalid:,}"
        f"  ({_n(r.bytes)} bytes)")
    if r.formats:
        add("  formats  " + "  ".join(f"{k} {v:,}" for k, v in r.formats.items()))
    if r.errors:
        add("")
        add("Errors (lines with each; the file is rejected while any remain)")
        width = max(len(k) for k in r.errors)
        for category, count in r.errors.items():
            add(f"  {category:<{width}}  {count:>8,}  {ERRORS.get(category, '')}")
        add("")
        add(f"First errors (of {sum(r.errors.values()):,})")
        for e in r.first_errors:
            where = "file" if e.line == 0 else f"line {e.line}"
            add(f"  {where:>10}  {e.category}: {e.message}")
    if r.warnings:
        add("")
        add("Warnings (accepted by the service)")
        width = max(len(k) for k in r.warnings)
        for category, count in r.warnings.items():
            add(f"  {category:<{width}}  {count:>8,}  {WARNINGS.get(category, '')}")
        for w in r.first_warnings[:5]:
            add(f"  {'line ' + str(w.line):>10}  {w.category}: {w.message}")
    if r.validation is not None:
        v = r.validation
        add("")
        add(f"Validation file {v.path}: {count_of(v.examples, 'example')}, {v.invalid:,} invalid")
        for category, count in v.errors.items():
            add(f"  {category}  {count:,}")
    add("")
    if r.tokens.count:
        add("Tokens per valid example")
        add("  " + _stats_line(r.tokens))
        out.extend(histogram_lines(r.tokens))
        add("Assistant (trained) tokens per example")
        add("  " + _stats_line(r.assistant_tokens))
        add("Messages per example")
        add("  " + _stats_line(r.messages_per_example))
        add("")
    add("Training estimate")
    add(f"  over limit      {r.over_limit:,} (truncated to {r.token_limit:,} tokens)")
    add(f"  epochs          {r.epochs}{' (default rule)' if r.epochs_default else ''}")
    add(f"  billed tokens   {r.billed_tokens:,}")
    if r.estimated_cost_usd is not None:
        cost = r.estimated_cost_usd
        shown = f"{cost:,.2f}" if cost >= 0.01 or cost == 0 else f"{cost:.4f}"
        add(f"  estimated cost  ${shown} at ${r.price_per_1m:g} per 1M tokens")
    elif r.method == "reinforcement":
        add("  estimated cost  - (reinforcement fine-tuning is billed per training hour)")
    else:
        add(f"  estimated cost  - (no training price for {r.model}; set one in config [prices.training])")
    for note in r.notes:
        add(f"  note: {note}")
    add("")
    if r.trainable:
        add(f"OK: {r.valid:,} examples can be trained on.")
    else:
        problems = sum(r.errors.values()) + (sum(r.validation.errors.values()) if r.validation else 0)
        add(f"NOT TRAINABLE: fix the {count_of(problems, 'error')} above first.")
    return "\n".join(out)
