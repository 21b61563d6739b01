"""The model chooser: every completed run of an eval on pass rate against cost, from the store."""

from __future__ import annotations

import json

import pytest

from store import Store
from tests.evals.helpers import EXACT, TEMPLATE
from tests.jobs.helpers import SANDBOX_KEY_ENV
from tui.cli.main import main
from tui.core.evals.chooser import build_chooser, wilson
from tui.core.evals.definition import parse, save_to_store

N = 20


def stored_eval(store: Store):
    return save_to_store(store, parse({
        "name": "support", "items": [{"item": {"question": f"q{i}", "reference": f"q{i}"}}
                                     for i in range(N)],
        "input_messages": TEMPLATE, "testing_criteria": [EXACT]}))


def stored_run(store: Store, eval_id: int, model: str, passing: set[int], cost_per_item: float | None,
               *, status: str = "completed", latency: float = 100.0, grader_cost: bool = False):
    run = store.evals.create_run(eval_id, model=model, profile="prod")
    grader = [{"name": "judge", "passed": True, "score": 1.0,
               "sample": {"model": "gpt-4o-mini", "usage": {"prompt_tokens": 1_000_000,
                                                            "completion_tokens": 0}}}]
    store.evals.record_results(run.id, [{
        "item_index": i, "item": {"question": f"q{i}"}, "sample": {"output_text": "x"},
        "status": "pass" if i in passing else "fail",
        "results": grader if grader_cost else [],
        "latency_ms": latency + i,
        "cost_usd": None if cost_per_item is None else
        cost_per_item + (0.15 if grader_cost else 0.0)} for i in range(N)])
    store.evals.update_run(run.id, status=status)
    return run.id


def test_wilson_interval_matches_the_textbook():
    low, high = wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.49, 0.943)
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert wilson(0, 0) == (0.0, 1.0)


def test_front_pick_and_paired_test_on_stored_runs(tmp_path):
    store = Store(tmp_path / "c.db")
    ev = stored_eval(store)
    everything = set(range(N))
    big = stored_run(store, ev.id, "gpt-4.1", everything, 0.010)                 # 100%, dear
    tuned = stored_run(store, ev.id, "ft:gpt-4o-mini:org::retired", everything - {0, 1},
                       0.001, grader_cost=True)                                 # 90%, cheap
    small = stored_run(store, ev.id, "gpt-4o-mini", set(range(10)), 0.0005)       # 50%, cheapest
    worse = stored_run(store, ev.id, "gpt-4o", set(range(12)), 0.005)             # dominated
    unpriced = stored_run(store, ev.id, "my-own-gpu", everything, None)
    stored_run(store, ev.id, "gpt-4.1-nano", everything, 0.0001, status="failed")  # left out

    result = build_chooser(store, ev.id, target=0.9)
    by_run = {c.run_id: c for c in result.candidates}
    assert set(by_run) == {big, tuned, small, worse, unpriced}
    assert {c.run_id for c in result.candidates if c.on_front} == {big, tuned, small}
    # Sorted by cost, unpriced last; the grader's $0.15 an item is not the model's cost.
    assert [c.run_id for c in result.candidates] == [small, tuned, worse, big, unpriced]
    assert by_run[tuned].cost_per_1k == pytest.approx(1.0)
    assert by_run[big].cost_per_1k == pytest.approx(10.0)
    assert by_run[unpriced].cost_per_1k is None and not by_run[unpriced].on_front
    assert by_run[small].p50_latency_ms == pytest.approx(109.5)  # median of 100..119
    assert (by_run[tuned].ci_low, by_run[tuned].ci_high) == pytest.approx(wilson(18, 20))
    pick = result.pick
    assert pick.run_id == tuned and pick.best_run_id == big
    assert (pick.worse_on, pick.better_on, pick.paired) == (2, 0, N)
    assert pick.mcnemar_p == pytest.approx(0.5)
    assert "not significantly worse" in pick.verdict

    # Past what any priced run reaches: said so, with the best.
    assert build_chooser(store, ev.id, target=1.0).pick.run_id == big
    store.evals.update_run(big, status="failed")
    high = build_chooser(store, ev.id, target=0.95).pick
    assert high.run_id is None and "no priced run reaches 95%" in high.verdict


def test_cli_chooser_on_runs_made_against_the_sandbox(isolated_home, sandbox, monkeypatch,
                                                      capsys, tmp_path):
    monkeypatch.setenv(SANDBOX_KEY_ENV, sandbox.api_key)
    (isolated_home / "config.toml").write_text(
        f'default_profile = "sandbox"\n[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{sandbox.base_url}"\napi_key_env = "{SANDBOX_KEY_ENV}"\n'
        '[prices.input]\n"sandbox-small" = 1.0\n"sandbox-large" = 20.0\n'
        '[prices.output]\n"sandbox-small" = 2.0\n"sandbox-large" = 40.0\n')
    eval_file = tmp_path / "words.eval.json"
    # sandbox-small echoes the question; sandbox-large reverses its words.
    eval_file.write_text(json.dumps({
        "name": "words", "input_messages": TEMPLATE, "testing_criteria": [EXACT],
        "items": [{"item": {"question": f"word{i}" if i < 8 else f"two words{i}",
                            "reference": f"word{i}" if i < 8 else f"two words{i}"}}
                  for i in range(10)]}))
    db = str(tmp_path / "c.db")
    for model in ("sandbox-small", "sandbox-large"):
        assert main(["--db", db, "eval", "run", str(eval_file), "--model", model, "--yes"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "eval", "chooser", "words", "--target", "90", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    small, large = sorted(data["candidates"], key=lambda c: c["model"] != "sandbox-small")
    assert (small["pass_rate"], large["pass_rate"]) == (1.0, 0.8)
    assert 0 < small["cost_per_1k"] < large["cost_per_1k"]
    assert data["front"] == [small["run_id"]]
    assert data["pick"]["run_id"] == small["run_id"] == data["pick"]["best_run_id"]
    assert main(["--db", db, "eval", "chooser", "words", "--target", "90"]) == 0
    text = capsys.readouterr().out
    assert "★" in text and "sandbox-large" in text and "both the best and the cheapest" in text
    assert main(["--db", db, "eval", "chooser", "nope"]) == 2
    assert "no eval 'nope'" in capsys.readouterr().err


async def test_the_chooser_screen_charts_the_runs_and_moves_the_target(isolated_home, tmp_path):
    from tests.apphelpers import SIZE, make_app, ready, rendered, until
    from tui.screens.model_chooser import ModelChooserScreen

    db = tmp_path / "c.db"
    with Store(db) as store:
        ev = stored_eval(store)
        everything = set(range(N))
        big = stored_run(store, ev.id, "gpt-4.1", everything, 0.010)
        # A model name that holds markup and a control character is shown as data.
        tuned = stored_run(store, ev.id, "ft:[b]mini[/b]\x1b]2;x\x07", everything - {0, 1},
                           0.001)
    app = make_app(db_path=db)

    def shown() -> str:
        if not isinstance(app.screen, ModelChooserScreen):
            return ""
        found = app.screen.query("#model-chooser-detail")
        return rendered(found.first()) if found else ""

    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.push_screen(ModelChooserScreen(db, ev.id))
        await until(pilot, lambda: "completed runs" in shown())
        text = shown()
        assert "target 90%" in text and f"run {tuned} (" in text
        assert "ft:[b]mini[/b]␛]2;x␇" in text  # controls shown, markup not obeyed
        assert "★" in text and "per 1,000 requests (linear)" in text
        await pilot.press("plus", "plus")
        await until(pilot, lambda: "target 100%" in shown())
        text = shown()
        assert f"run {big} (gpt-4.1 · prod) is both the best and the cheapest" in text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ModelChooserScreen))


async def test_C_in_the_evals_pane_opens_the_chooser_for_the_selected_eval(isolated_home):
    from tests.apphelpers import SIZE, make_app, ready, rendered, settle, until
    from tui.core.paths import default_db_path
    from tui.screens.model_chooser import ModelChooserScreen

    with Store(default_db_path()) as store:
        ev = stored_eval(store)
        stored_run(store, ev.id, "gpt-4.1", set(range(N)), 0.010)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        app.pane("evals").selected_eval = ev.id
        await pilot.press("C")
        await until(pilot, lambda: isinstance(app.screen, ModelChooserScreen) and "1 completed"
                    in rendered(app.screen.query_one("#model-chooser-detail")))
