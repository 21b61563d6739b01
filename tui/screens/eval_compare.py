"""Two runs of one eval side by side: flips, significance, and the pass-rate trend."""

from __future__ import annotations

from typing import Any

from tui.screens.text_view import TextViewScreen


def _bar(rate: float, width: int = 20) -> str:
    filled = round(rate * width)
    return "█" * filled + "░" * (width - filled)


def describe(comparison: Any, run_a: Any, run_b: Any, trend: list[dict[str, Any]]) -> str:
    c = comparison
    lines = [
        f"[b]A[/b] run {run_a.id} {run_a.name} ({run_a.model or 'samples'})   "
        f"[b]B[/b] run {run_b.id} {run_b.name} ({run_b.model or 'samples'})",
        f"paired items {c.paired} · both pass {c.both_pass} · both fail {c.both_fail}"
        f" · errored {c.errored}",
        f"[red]pass → fail {len(c.pass_to_fail)}[/red]   "
        f"[green]fail → pass {len(c.fail_to_pass)}[/green]   McNemar exact p = {c.mcnemar_p:.4g}",
        f"mean score Δ (B − A) {c.mean_delta:+.4f}, 95% CI [{c.ci[0]:+.4f}, {c.ci[1]:+.4f}],"
        f" bootstrap p = {c.bootstrap_p:.4g}",
        "",
        "[b]Regressions (pass → fail)[/b] " + (
            ", ".join(str(i) for i in c.pass_to_fail[:40]) or "none"),
        "[b]Fixes (fail → pass)[/b] " + (", ".join(str(i) for i in c.fail_to_pass[:40]) or "none"),
        "",
        "[b]Pass rate across runs[/b]",
    ]
    for t in trend:
        lines.append(f"  run {t['run_id']:>4} {str(t['model'] or '-')[:20]:<20} "
                     f"{_bar(t['pass_rate'])} {100 * t['pass_rate']:5.1f}%")
    return "\n".join(lines)


class EvalCompareScreen(TextViewScreen):
    """Two runs of an eval compared (text from `describe`)."""

    text_id = "eval-compare-detail"
