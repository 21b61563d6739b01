"""Two runs of one eval side by side: flips, significance, and the pass-rate trend."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui.core.untrusted import visible
from tui.screens.text_view import TextViewScreen
from tui.ui_text import lines, styled
from tui.widgets.eval_runs import short_model

TREND_MODEL = 28  # the model's room in a trend row


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
    # Models shortened in the middle: cut at 20, two fine-tunes of one base both read
    # "ft:sandbox-small:tun". 28 keeps a trend row inside an 80-column terminal.
    width = min(TREND_MODEL, max([len(visible(t["model"] or "-")) for t in trend] + [1]))
    for t in trend:
        model = short_model(visible(t["model"] or "-"), width)
        rows.append(f"  run {t['run_id']:>4} {model:<{width}} "
                    f"{_bar(t['pass_rate'])} {100 * t['pass_rate']:5.1f}%")
    return lines(rows)


class EvalCompareScreen(TextViewScreen):
    """Two runs of an eval compared (text from `describe`)."""

    text_id = "eval-compare-detail"
