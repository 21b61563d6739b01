"""The pre-flight: calls and cost from tunedeck's pricing, before anything is sent."""

from __future__ import annotations

from store import Store
from tests.optimize.helpers import EXACT, capitals_eval, capitals_items, configure, seed_prompt
from tui.cli.main import main
from tui.core.config import load_settings
from tui.core.evals.definition import parse, save_to_store
from tui.core.optimize.optimize_preflight import estimate

MESSAGES = [{"role": "system", "content": "Answer."},
            {"role": "user", "content": "{{item.question}}"}]


def test_calls_and_cost_follow_the_budget_and_the_pricing_table():
    est = estimate(items=capitals_items(10), messages=MESSAGES, criteria=[EXACT],
                   model="gpt-4.1-mini", reflection_model="gpt-4.1", max_metric_calls=60,
                   n_test=6)
    assert (est.search_calls, est.proof_calls, est.reflection_calls) == (60, 12, 10)
    assert est.unpriced == [] and est.search_usd > 0 and est.reflection_usd > est.search_usd / 60
    assert est.total_usd == est.search_usd + est.proof_usd + est.reflection_usd
    # gpt-4.1 costs 5x gpt-4.1-mini per token: the same reflection on it costs 5x.
    mini = estimate(items=capitals_items(10), messages=MESSAGES, criteria=[EXACT],
                    model="gpt-4.1-mini", reflection_model="gpt-4.1-mini", max_metric_calls=60,
                    n_test=6)
    assert abs(est.reflection_usd - 5 * mini.reflection_usd) < 1e-12


def test_an_unknown_price_makes_the_cost_unknown_and_a_dollar_cap_is_refused(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    est = estimate(items=capitals_items(5), messages=MESSAGES, criteria=[EXACT],
                   model="my-own-model", reflection_model="gpt-4.1", max_metric_calls=10,
                   n_test=2, settings=load_settings())
    assert est.total_usd is None and est.unpriced == ["my-own-model"]
    assert any("unknown" in line for line in est.lines())

    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "t.db"
    with Store(db) as store:
        seed_prompt(store)
        capitals_eval(store)
    assert main(["--db", str(db), "prompt", "optimize", "--prompt", "capitals", "--eval",
                 "capitals-upper", "--model", "my-own-model", "--reflection-model",
                 "sandbox-small", "--max-usd", "1", "--yes"]) == 2
    assert "a dollar cap needs prices: none known for my-own-model" in capsys.readouterr().err
    with Store(db) as store:
        assert store.optimizations.list() == []


def test_bad_requests_are_clear_messages_and_start_nothing(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "t.db"
    with Store(db) as store:
        seed_prompt(store)
        capitals_eval(store)
        save_to_store(store, parse({"name": "tiny", "items": capitals_items(2),
                                    "testing_criteria": [EXACT]}))
    base = ["--db", str(db), "prompt", "optimize", "--model", "sandbox-small",
            "--reflection-model", "sandbox-small", "--yes", "--eval"]
    cases = [
        (["capitals-upper", "--prompt", "nope"], "no prompt named 'nope' (prompts: capitals)"),
        (["capitals-upper", "--prompt", "capitals@7"], "prompt 'capitals' has no version 7"),
        (["nosuch", "--prompt", "capitals"], "no eval named 'nosuch'"),
        (["tiny", "--prompt", "capitals"], "optimizing needs at least 3 items"),
        (["capitals-upper", "--prompt", "capitals", "--parts", "tools"],
         "parts to optimize: system, user"),
        (["capitals-upper", "--prompt", "capitals", "--max-metric-calls", "0"], "at least 1"),
    ]
    for extra, message in cases:
        assert main([*base, *extra]) == 2, extra
        assert message in capsys.readouterr().err
    assert main(["--db", str(db), "prompt", "optimize", "--status", "9"]) == 2
    assert "no optimization 9" in capsys.readouterr().err
    with Store(db) as store:
        assert store.optimizations.list() == []
