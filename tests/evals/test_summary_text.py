"""The score lines under a run's heading, straight from a summary dict (no screen)."""

from tui.core.evals.summary_text import score_lines


def summary(p50: float | None) -> dict:
    return {"result_counts": {"passed": 3, "total": 4, "failed": 1, "errored": 0},
            "pass_rate": 0.75,
            "per_testing_criteria_results": [
                {"testing_criteria": "exact", "pass_rate": 0.5, "mean_score": 0.5}],
            "per_model_usage": [{"total_tokens": 100}, {"total_tokens": 20}],
            "latency_ms": {"p50": p50}, "cost_usd": 0.01234}


def test_counts_each_grader_then_tokens_cost_latency_filter_and_sort():
    assert score_lines(summary(41.6), filter_label="fail", order="-score") == [
        "3/4 passed (75.0%) · 1 failed · 0 errored",
        "  exact: 50.0% pass · mean 0.500",
        "tokens 120 · $0.0123 · p50 42 ms · filter fail · sort -score",
    ]


def test_no_latency_says_nothing_about_it():
    assert score_lines(summary(None), filter_label="all", order="item")[-1] == \
        "tokens 120 · $0.0123 · filter all · sort item"
