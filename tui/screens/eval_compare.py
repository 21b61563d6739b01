"""Two runs of one eval side by side: flips, significance, and the pass-rate trend."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.screens.text_view import TextViewScreen
from tui.ui_text import lines, styled


def _bar(rate: float, width: int = 20) -> str:
    filled = round(rate * width)
    return "█" * filled + "░" * (width - filled)


def describe(comparison: Any, run_a: Any, run_b: Any, trend: list[dict[str, Any]]) -> Content:
    """The comparison's text; run names and models are data, so parts, not markup."""
    c = comparison
    rows: list[Content | str] = [
        styled(("A", "b"), f" run {run_a.id} {run_a.name} ({run_a.model or 'samples'})   ",
               ("B", "b"), f" run {run_b.id} {run_b.name} ({run_b.model or 'samples'})"),
        f"paired items {c.paired} · both pass {c.both_pass} · both fail {c.both_fail}"
        f" · errored {c.errored}",
        styled((f"pass → fail {len(c.pass_to_fail)}", "red"), "   ",
               (f"fail → pass {len(c.fail_to_pass)}", "green"),
               f"   McNemar exact p = {c.mcnemar_p:.4g}"),
        f"mean score Δ (B − A) {c.mean_delta:+.4f}, 95% CI [{c.ci[0]:+.4f}, {c.ci[1]:+.4f}],"
        f" bootstrap p = {c.bootstrap_p:.4g}",
        "",
        styled(("Regressions (pass → fail)", "b"), " " + (
            ", ".join(str(i) for i in c.pass_to_fail[:40]) or "none")),
        styled(("Fixes (fail → pass)", "b"), " " + (
            ", ".join(str(i) for i in c.fail_to_pass[:40]) or "none")),
        "",
        styled(("Pass rate across runs", "b")),
    ]
    for t in trend:
        rows.append(f"  run {t['run_id']:>4} {str(t['model'] or '-')[:20]:<20} "
                    f"{_bar(t['pass_rate'])} {100 * t['pass_rate']:5.1f}%")
    return lines(rows)


class EvalCompareScreen(TextViewScreen):
    """Two runs of an eval compared (text from `describe`)."""

    text_id = "eval-compare-detail"
