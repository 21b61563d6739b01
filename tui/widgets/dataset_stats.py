"""A dataset version's validation report: verdict, errors, token distribution, cost."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from tui.core.eval_data import EvalItems
from tui.core.untrusted import visible

BARS = " ▁▂▃▄▅▆▇█"


def histogram_line(counts: list[int]) -> Text:
    peak = max(counts) if counts else 0
    text = Text()
    for count in counts:
        level = 0 if peak == 0 else max(1 if count else 0, round(count / peak * 8))
        text.append(BARS[level], style="cyan")
    return text


def _histogram(tokens: dict[str, Any]) -> RenderableType | None:
    hist = tokens.get("histogram") or {}
    counts = hist.get("counts") if isinstance(hist, dict) else None
    edges = hist.get("edges") if isinstance(hist, dict) else None
    if not counts:
        return None
    line = Text("tokens ")
    line.append_text(histogram_line(list(counts)))
    if edges:
        line.append(f"  {edges[0]:,.0f} … {edges[-1]:,.0f}", style="dim")
    return line


def _count(value: Any, noun: str) -> str:
    """"1 line", "2 lines"; "- lines" when the report has no count."""
    from tui.core.wording import count_of

    return f"- {noun}s" if value is None else count_of(int(value), noun)


def _n(value: Any, fmt: str = ",") -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and fmt == ",":
        return f"{value:,.1f}"
    return format(value, fmt)


def render_report(report: dict[str, Any] | None, title: str) -> RenderableType:
    # The title is the dataset's name and note: data, shown as text.
    if not report:
        return Text(f"{visible(title)}: importing…", style="italic")
    verdict = Text(f"{visible(title)}  ", style="bold")
    if report.get("trainable"):
        verdict.append("✓ ready to train", style="bold green")
    else:
        verdict.append("✗ cannot be trained on as is", style="bold red")
    verdict.append(visible(
        f"   format {report.get('format', '?')} · model {report.get('model', '?')} "
        f"({report.get('encoding', '?')})"),
        style="dim",
    )
    counts = Text(
        f"{_count(report.get('lines'), 'line')} · {_count(report.get('examples'), 'example')} · "
        f"{_n(report.get('invalid'))} invalid · {_n(report.get('over_limit'))} over the "
        f"{_n(report.get('token_limit'))}-token limit (truncated)"
    )
    tokens = report.get("tokens") or {}
    token_line = Text(
        f"tokens total {_n(tokens.get('total'))} · min {_n(tokens.get('min'))} · "
        f"p10 {_n(tokens.get('p10'))} · median {_n(tokens.get('median'))} · "
        f"mean {_n(tokens.get('mean'))} · p90 {_n(tokens.get('p90'))} · max {_n(tokens.get('max'))}"
    )
    cost = report.get("estimated_cost_usd")
    cost_line = Text(
        f"epochs {_n(report.get('epochs'))} · billed ≈ {_n(report.get('billed_tokens'))} tokens · "
        f"est. ${cost:,.2f}"
        if isinstance(cost, int | float)
        else f"epochs {_n(report.get('epochs'))} · billed ≈ {_n(report.get('billed_tokens'))} tokens · "
        "no price known for this model (config [prices.training])"
    )
    parts: list[RenderableType] = [verdict, counts]
    errors = report.get("errors") or {}
    if errors:
        # Right under the counts: at 80×24 the panel's last lines are the ones cut.
        line = Text("errors: ", style="bold red", no_wrap=True, overflow="ellipsis")
        ranked = sorted(errors.items(), key=lambda kv: -kv[1])
        line.append(visible("  ".join(f"{cat} ×{n:,}" for cat, n in ranked)), style="red")
        parts.append(line)
    parts.append(token_line)
    hist = _histogram(tokens)
    if hist is not None:
        parts.append(hist)
    parts.append(cost_line)
    return Group(*parts)


def render_eval_items(summary: EvalItems, title: str, version_id: int) -> RenderableType:
    """A version of eval items: judged as eval data, not against the fine-tuning rules."""
    verdict = Text(f"{visible(title)}  ", style="bold")
    if summary.valid:
        verdict.append("✓ eval items", style="bold green")
    else:
        verdict.append(f"✗ line {summary.first_bad_line} is not an eval item", style="bold red")
    verdict.append("   data for an eval, not for fine-tuning", style="dim")
    counts = Text(f"{summary.items:,} of {summary.lines:,} lines are "
                  '{"item": {...}} objects · fields: ')
    counts.append(visible(", ".join(summary.fields[:12]) or "none"))
    use = Text("An eval reads it as its data source: "
               f'{{"type": "dataset_version", "id": {version_id}}}', style="dim")
    return Group(verdict, counts, use)
