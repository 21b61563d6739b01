"""A run's totals read lean rows, and agree with the typed records on every kind of result."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from store.store import Store
from tui.core.evals.summary import summarize

GRADED = {"name": "judge", "passed": True, "score": 1.0,
          "sample": {"model": "gpt-4.1", "usage": {"prompt_tokens": 30, "completion_tokens": 2,
                                                   "total_tokens": 32}}}


def _totals_from_records(store: Store, run_id: int) -> tuple[dict, list[float], float]:
    """What the totals are made of, read through EvalResult records (the typed path)."""
    counts: dict[str, int] = {}
    latencies, cost = [], 0.0
    for r in store.evals.iter_results(run_id):
        counts[r.status] = counts.get(r.status, 0) + 1
        if r.latency_ms is not None:
            latencies.append(r.latency_ms)
        cost += r.cost_usd or 0.0
    return counts, sorted(latencies), cost


def test_totals_count_every_kind_of_result_and_survive_nan_scores(tmp_path):
    with Store(tmp_path / "t.db") as store:
        ev = store.evals.create("e", testing_criteria=[])
        run = store.evals.create_run(ev.id, name="r", model="sandbox-small")
        rows = [
            # a pass with the model's usage in the sample and a graded model grader
            dict(item_index=0, item={"q": 1}, status="pass", results=[GRADED],
                 sample={"model": "sandbox-small", "usage": {"prompt_tokens": 10,
                                                             "completion_tokens": 3,
                                                             "total_tokens": 13}},
                 input_tokens=10, output_tokens=3, latency_ms=101, cost_usd=0.5),
            # a fail whose python grader scored NaN (json.dumps writes it; orjson refuses it)
            dict(item_index=1, item={"q": 2}, status="fail", sample={"model": "sandbox-small"},
                 results=[{"name": "py", "passed": False, "score": math.nan}],
                 input_tokens=7, output_tokens=1, latency_ms=99.5),
            # an error with no sample at all
            dict(item_index=2, item={"q": 3}, status="error", error="boom",
                 results=[{"name": "py", "error": "Timeout"}]),
            # an empty sample: no model, no usage
            dict(item_index=3, item={"q": 4}, status="pass", sample={},
                 results=[{"name": "judge", "passed": True, "score": 1}], latency_ms=120),
        ]
        store.evals.record_results(run.id, rows)
        summary = summarize(store, run.id)
        counts, latencies, cost = _totals_from_records(store, run.id)

    assert summary["result_counts"] == {"total": 4, "errored": 1, "failed": 1, "passed": 2}
    assert counts == {"pass": 2, "fail": 1, "error": 1}
    assert summary["cost_usd"] == cost == 0.5
    assert summary["latency_ms"]["p50"] == latencies[1] == 101.0
    assert isinstance(summary["latency_ms"]["p50"], float)  # REAL column: 101 reads as 101.0
    by_name = {c["testing_criteria"]: c for c in summary["per_testing_criteria_results"]}
    assert by_name["judge"] == {"testing_criteria": "judge", "passed": 2, "failed": 0,
                                "errored": 0, "pass_rate": 1.0, "mean_score": 1.0}
    assert by_name["py"]["failed"] == 1 and by_name["py"]["errored"] == 1
    assert math.isnan(by_name["py"]["mean_score"])
    usage = {u["model_name"]: u for u in summary["per_model_usage"]}
    assert usage["sandbox-small"]["prompt_tokens"] == 17
    assert usage["sandbox-small"]["completion_tokens"] == 4
    assert usage["sandbox-small"]["invocation_count"] == 2
    assert usage["gpt-4.1"]["prompt_tokens"] == 30
    json.dumps(summary)  # the CLI prints it


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=30),
       st.randoms(use_true_random=False))
def test_totals_sum_floats_exactly_in_any_order(values, rng):
    """A runner adds results as they finish, summarize in item order: the same sum."""
    from tui.core.evals.summary import _ExactSum

    forward, shuffled = _ExactSum(), _ExactSum()
    for v in values:
        forward.add(v)
    for v in rng.sample(values, len(values)):
        shuffled.add(v)
    assert forward.value() == shuffled.value() == math.fsum(values)


def test_totals_with_nan_and_infinity_do_not_depend_on_the_order():
    from tui.core.evals.summary import _ExactSum

    for values in ([1.0, math.inf, 2.0], [math.nan, 1.0], [math.inf, -math.inf, 3.0]):
        a, b = _ExactSum(), _ExactSum()
        for v in values:
            a.add(v)
        for v in reversed(values):
            b.add(v)
        assert str(a.value()) == str(b.value())
