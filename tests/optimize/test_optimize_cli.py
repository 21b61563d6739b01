"""`tunedeck prompt optimize` end to end: the real gepa.optimize loop with tunedeck's adapter,
over real HTTP to the sandbox, into a real SQLite file."""

from __future__ import annotations

import json

from store import Store
from tests.optimize.helpers import MODEL, capitals_eval, configure, seed_prompt
from tui.cli.main import main
from tui.engines.directives import LAST_WORD, UPPER


def _setup(tmp_path, n: int | None = None):
    db = tmp_path / "cli.db"
    with Store(db) as store:
        seed_prompt(store)
        capitals_eval(store) if n is None else capitals_eval(store, n)
    return db


def _args(db, *extra: str) -> list[str]:
    return ["--db", str(db), "prompt", "optimize", "--prompt", "capitals",
            "--eval", "capitals-upper", "--model", MODEL, "--reflection-model", MODEL,
            "--seed", "1", *extra]


def test_the_optimized_prompt_passes_more_held_out_items_than_the_seed(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = _setup(tmp_path)
    # Without a terminal to ask on, nothing starts without --yes.
    assert main(_args(db)) == 2
    err = capsys.readouterr().err
    assert "--yes" in err and "8 train, 6 validation, 6 held-out test" not in err
    with Store(db) as store:
        assert store.optimizations.list() == []

    assert main(_args(db, "--max-metric-calls", "30", "--yes", "--json")) == 0
    out = capsys.readouterr()
    assert "Pre-flight" in out.err and "8 train, 6 validation, 6 held-out test" in out.err
    data = json.loads(out.out)
    assert data["status"] == "done" and data["split"] == {"train": 8, "val": 6, "test": 6}
    assert data["seed"]["ref"] == "capitals@1" and data["best"]["ref"] == "capitals@2"
    assert data["seed"]["val_score"] == 0.0 and data["best"]["val_score"] == 1.0
    assert data["seed"]["test_pass_rate"] == 0.0 and data["best"]["test_pass_rate"] == 1.0
    held = data["held_out"]
    assert len(held["fail_to_pass"]) == 6 and held["pass_to_fail"] == []
    assert held["mcnemar_p"] < 0.05
    assert 0 < data["budget"]["metric_calls"] <= 30 + 3  # GEPA may finish its last minibatch
    assert data["budget"]["reflection_calls"] >= 1

    with Store(db) as store:
        best = store.prompts.version(data["best"]["id"])
        system = best.messages[0]["content"]
        assert LAST_WORD in system and UPPER in system
        assert best.note.startswith("optimized from v1 by eval 'capitals-upper' (optimization #1)")
        eval_id = store.evals.find("capitals-upper").id
        runs = store.evals.runs(eval_id)
        # Only the proof's two held-out runs are listed; the search's runs are not.
        assert [r.name for r in runs] == ["optimize #1 held-out · seed v1",
                                          "optimize #1 held-out · best v2"]
        assert [r.prompt_version_id for r in runs] == [data["seed"]["id"], data["best"]["id"]]
        assert len(store.evals.runs(eval_id, include_optimization=True)) > 2
    assert main(["--db", str(db), "eval", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed[0]["runs"]) == 2

    assert main(["--db", str(db), "prompt", "optimize", "--status", "1"]) == 0
    shown = capsys.readouterr().out
    assert "held-out 0.0%" in shown and "held-out 100.0%" in shown and "McNemar p" in shown
    # The diff of the best against the seed.
    assert "-Answer the question." in shown
    assert f"+Answer the question. {LAST_WORD} {UPPER}" in shown
    assert main(["--db", str(db), "prompt", "optimize", "--list"]) == 0
    assert "#1" in capsys.readouterr().out
    assert main(["--db", str(db), "prompt", "optimize", "--resume", "1"]) == 2
    assert "is done" in capsys.readouterr().err


def test_the_dollar_cap_stops_the_search_and_the_spend_stays_under_it(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    # Sandbox calls priced at $1000 per 1M tokens (a cent or two a call).
    configure(isolated_home, sandbox, monkeypatch, price=1000.0)
    db = _setup(tmp_path)
    cap = 3.0
    assert main(_args(db, "--max-metric-calls", "200", "--max-usd", str(cap), "--yes",
                      "--json")) == 0
    out = capsys.readouterr()
    assert "dollar cap: $3.0000" in out.err
    data = json.loads(out.out)
    assert data["status"] == "done" and data["stop_reason"] == "budget"
    assert data["budget"]["metric_calls"] < 200
    # Within the cap it still found the repair and proved it on the held-out items.
    assert data["best"]["test_pass_rate"] == 1.0 and data["seed"]["test_pass_rate"] == 0.0
    assert 0 < data["budget"]["spent_usd"] <= cap
    # Every dollar shows in the spend ledger: the search's and the proof's eval runs and
    # the reflection calls.
    from tui.core.config import load_settings
    from tui.core.spend import ledger

    with Store(db) as store:
        entries = ledger(store, load_settings())
    assert abs(sum(e.usd for e in entries) - data["budget"]["spent_usd"]) < 1e-9
    assert [e.ref for e in entries if e.source == "reflection"] == ["optimization #1"]


def test_a_graceful_stop_keeps_the_best_so_far_and_still_proves_it(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    from tui.core.config import load_settings
    from tui.core.optimize import optimize_driver as driver

    configure(isolated_home, sandbox, monkeypatch)
    db = _setup(tmp_path)
    with Store(db) as store:
        chosen = driver.plan(store, load_settings(), prompt="capitals", eval_ref="capitals-upper",
                             model=MODEL, profile="sandbox", reflection_model=MODEL,
                             reflection_profile="sandbox", max_metric_calls=50, max_usd=None)
        opt = driver.create(store, chosen)
    # The stop is asked for (as `x` or --stop would) before the search's first iteration.
    assert main(["--db", str(db), "prompt", "optimize", "--stop", str(opt.id)]) == 0
    assert "asked to stop" in capsys.readouterr().out
    assert main(["--db", str(db), "prompt", "optimize", "--resume", str(opt.id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "done" and data["stop_reason"] == "stopped"
    assert data["best"]["ref"] == "capitals@1"  # nothing better was found: the seed stays
    assert data["held_out"]["paired"] == 6 and data["budget"]["reflection_calls"] == 0


def test_an_unknown_task_or_reflection_model_fails_the_optimization_with_the_reason(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = _setup(tmp_path)
    base = ["--db", str(db), "prompt", "optimize", "--prompt", "capitals", "--eval",
            "capitals-upper", "--max-metric-calls", "12", "--yes", "--json"]
    assert main([*base, "--model", "nosuch", "--reflection-model", MODEL]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "failed" and "nosuch" in data["error"]
    # GEPA itself only logs a failed reflection and goes on: the driver stops and says why.
    assert main([*base, "--model", MODEL, "--reflection-model", "nosuch"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "failed"
    assert data["error"].startswith("the reflection model failed: Not found (404): model "
                                    "'nosuch' does not exist")
    assert data["best"].get("ref") is None  # nothing saved, nothing claimed
