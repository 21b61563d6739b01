"""A run's scores as the lines the Evals pane shows under its heading.

Built from `summary.summarize`'s dict, headless, so the wording of counts, per-grader
pass rates, tokens, cost and latency is tested without a screen. The lines hold no
data (names are shown by the caller, as parts): only numbers and grader names.
"""

from __future__ import annotations

from typing import Any


def score_lines(summary: dict[str, Any], *, filter_label: str, order: str) -> list[str]:
    """Passed/failed/errored, one line per grader, then tokens · cost · p50 · filter · sort."""
    counts = summary["result_counts"]
    rows = [f"{counts['passed']}/{counts['total']} passed ({100 * summary['pass_rate']:.1f}%) · "
            f"{counts['failed']} failed · {counts['errored']} errored"]
    for c in summary["per_testing_criteria_results"]:
        rows.append(f"  {c['testing_criteria']}: {100 * c['pass_rate']:.1f}% pass · "
                    f"mean {c['mean_score']:.3f}")
    tokens = sum(u["total_tokens"] for u in summary["per_model_usage"])
    p50 = summary["latency_ms"]["p50"]
    rows.append(f"tokens {tokens} · ${summary['cost_usd']:.4f}"
                + (f" · p50 {p50:.0f} ms" if p50 else "")
                + f" · filter {filter_label} · sort {order}")
    return rows
