"""Compare (known flips, a known McNemar p-value), export, and failures into training data."""

from __future__ import annotations

import csv
import json

import pytest

from store.store import Store
from tests.evals.helpers import make_run
from tui.core.evals.compare import compare_results, compare_runs, mcnemar_exact, paired_bootstrap
from tui.core.evals.compare import trend as pass_trend
from tui.core.evals.failures_to_data import failures_to_dataset, training_lines
from tui.core.evals.results_export import export_csv, export_jsonl


def test_mcnemar_exact_known_values():
    # b=2, c=8: 2 * (C(10,0)+C(10,1)+C(10,2)) / 2^10 = 2 * 56 / 1024
    assert mcnemar_exact(2, 8) == pytest.approx(0.109375)
    assert mcnemar_exact(0, 6) == pytest.approx(2 / 64)
    assert mcnemar_exact(3, 3) == 1.0 and mcnemar_exact(0, 0) == 1.0


def test_paired_bootstrap():
    mean, (low, high), p = paired_bootstrap([0.5] * 20 + [0.4] * 20, samples=500)
    assert mean == pytest.approx(0.45) and 0.4 <= low <= high <= 0.5 and p == 0.0
    assert paired_bootstrap([0.0] * 10)[2] == 1.0


def test_compare_known_flips():
    a = {i: ("pass" if i < 10 else "fail", 1.0 if i < 10 else 0.0) for i in range(20)}
    b = dict(a)
    for i in (0, 1):  # pass -> fail
        b[i] = ("fail", 0.0)
    for i in range(10, 18):  # fail -> pass
        b[i] = ("pass", 1.0)
    b[19] = ("error", None)
    out = compare_results(a, b, samples=300)
    assert out.pass_to_fail == [0, 1] and out.fail_to_pass == list(range(10, 18))
    assert (out.both_pass, out.both_fail, out.errored) == (8, 1, 1)
    assert out.mcnemar_p == pytest.approx(0.109375)
    assert out.mean_delta == pytest.approx(6 / 19)


def _record(store, run, statuses):
    for i, status in enumerate(statuses):
        passed = status == "pass"
        store.evals.record_result(
            run.id, i, item={"question": f"q{i}", "reference": f"ref {i}"}, status=status,
            sample={"input": [{"role": "user", "content": f"q{i}"}], "output_text": f"out {i}"},
            score=1.0 if passed else 0.0,
            results=[{"name": "exact", "score": 1.0 if passed else 0.0, "passed": passed}])
    store.evals.update_run(run.id, status="completed",
                           result_counts={"total": len(statuses),
                                          "passed": statuses.count("pass")})


@pytest.fixture
def two_runs(tmp_path):
    with Store(tmp_path / "c.db") as store:
        a = make_run(store, 4)
        b = store.evals.create_run(a.eval_id, model="other", data_source=a.data_source)
        _record(store, a, ["pass", "pass", "fail", "fail"])
        _record(store, b, ["fail", "pass", "pass", "pass"])
        yield store, a, b


def test_compare_stored_runs_and_trend(two_runs):
    store, a, b = two_runs
    out = compare_runs(store, a.id, b.id, samples=200)
    assert out.pass_to_fail == [0] and out.fail_to_pass == [2, 3]
    assert [t["pass_rate"] for t in pass_trend(store, a.eval_id)] == [0.5, 0.75]


def test_export_csv_and_jsonl(two_runs, tmp_path):
    store, a, _ = two_runs
    assert export_jsonl(store, a.id, tmp_path / "r.jsonl") == 4
    first = json.loads((tmp_path / "r.jsonl").read_text().splitlines()[0])
    assert first["status"] == "pass" and first["results"][0]["name"] == "exact"
    assert export_csv(store, a.id, tmp_path / "r.csv") == 4
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert rows[2]["status"] == "fail" and rows[2]["exact.passed"] == "False"
    assert rows[2]["output_text"] == "out 2"


def test_failures_become_sft_or_dpo_lines(two_runs):
    store, a, _ = two_runs
    sft = training_lines(store, a.id, kind="sft")
    assert sft == [{"messages": [{"role": "user", "content": "q2"},
                                 {"role": "assistant", "content": "ref 2"}]},
                   {"messages": [{"role": "user", "content": "q3"},
                                 {"role": "assistant", "content": "ref 3"}]}]
    dpo = training_lines(store, a.id, kind="dpo", indexes={2})
    assert dpo[0]["preferred_output"][0]["content"] == "ref 2"
    assert dpo[0]["non_preferred_output"][0]["content"] == "out 2"
    version, n = failures_to_dataset(store, a.id, "fixes")
    assert n == 2 and version.n_lines == 2


def test_the_trend_keeps_each_fine_tunes_distinct_end(two_runs):
    """Cut at 20, two fine-tunes of one base read alike in the trend (issue 21, item 10)."""
    from types import SimpleNamespace

    from tui.screens.eval_compare import describe

    store, a, b = two_runs
    out = compare_runs(store, a.id, b.id, samples=50)
    trend = [{"run_id": n, "model": f"ft:sandbox-small:tunedeck::{tail}", "pass_rate": 0.5}
             for n, tail in ((1, "5096db9c"), (2, "2cb5cf1e"))]
    run = SimpleNamespace(id=1, name="x", model="m")
    text = describe(out, run, run, trend).plain
    rows = [line for line in text.splitlines() if line.startswith("  run")]
    assert rows[0].endswith("50.0%") and "::5096db9c " in rows[0] and "::2cb5cf1e " in rows[1]
    assert all(len(line) <= 76 for line in rows)  # inside an 80-column terminal's box
