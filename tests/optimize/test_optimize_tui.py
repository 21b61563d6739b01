"""Optimize from the TUI: Playground → f10 → the pre-flight form → Start → the search and
the proof in a background worker → a new prompt version → the held-out comparison.

The real gepa.optimize loop with tunedeck's adapter, over real HTTP to the sandbox,
into the app's real SQLite file; tiny budgets so it ends in seconds.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Input, Select, TextArea

from store import Store
from tests.apphelpers import SIZE, make_app, ready, rendered, settle, until
from tests.optimize.helpers import MODEL, SEED_SYSTEM, capitals_eval, configure
from tui.core.paths import home_dir
from tui.engines.directives import LAST_WORD, UPPER
from tui.optimize_flow import OWNER_FILE
from tui.screens.eval_compare import EvalCompareScreen
from tui.screens.optimizations import OptimizationsScreen
from tui.screens.optimize_start import OptimizeForm


def _app_with_eval(isolated_home, sandbox, monkeypatch):
    configure(isolated_home, sandbox, monkeypatch)
    with Store(home_dir() / "tunedeck.db") as store:
        capitals_eval(store)
    return make_app()


async def _save_in_playground(pilot, name: str = "capitals") -> None:
    await ready(pilot)
    await pilot.press("2")
    await settle(pilot)
    pane = pilot.app.pane("playground")
    pane.query_one("#pg-models", Input).value = MODEL
    pane.query_one("#pg-system", TextArea).text = SEED_SYSTEM
    pane.query_one("#pg-user", TextArea).text = "{{item.question}}"
    await pilot.press("ctrl+s")
    await settle(pilot)
    pilot.app.screen.query_one(Input).value = name
    await pilot.press("enter")
    await settle(pilot)
    assert [v.version for v in pilot.app.store.prompts.versions(name)] == [1]


def _set(form: OptimizeForm, widget_id: str, value: str) -> None:
    form.query_one(f"#{widget_id}", Input).value = value


def _planned(form: OptimizeForm) -> bool:
    """The estimate on screen is the one for the values in the form now."""
    try:
        return form.plan is not None and form.plan_for == form.values()
    except ValueError:
        return False


async def test_from_the_playground_to_a_proved_new_version_and_its_comparison(
        isolated_home, sandbox, monkeypatch):
    app = _app_with_eval(isolated_home, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await _save_in_playground(pilot)
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, OptimizeForm))
        form = app.screen
        # The saved version, the only eval and the prompt's model are chosen already.
        assert form.query_one("#optf-model", Input).value == MODEL
        _set(form, "optf-budget", "24")
        _set(form, "optf-seed", "1")
        await until(pilot, lambda: _planned(form))
        plan_text = rendered(form.query_one("#optf-plan"))
        assert "8 train · 6 validation · 6 held-out test (split seed 1)" in plan_text
        assert "search: 24 metric calls" in plan_text and "held-out proof: 12 calls" in plan_text
        assert "the last one can end a few calls past it" in plan_text
        assert app.store.optimizations.list() == []  # nothing before Start
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, OptimizationsScreen))
        opt = app.store.optimizations.list()[0]
        assert (Path(opt.run_dir) / OWNER_FILE).read_text() != ""
        # It runs in the background: the user may go back to the panes meanwhile.
        await until(pilot, lambda: app.store.optimizations.get(opt.id).status == "done",
                    timeout=60)
        await until(pilot, lambda: any("done: capitals@2" in n.message
                                       for n in app._notifications))
        best = app.store.prompts.versions("capitals")[0]
        assert best.version == 2
        assert best.note.startswith("optimized from v1 by eval 'capitals-upper' "
                                    f"(optimization #{opt.id})")
        assert LAST_WORD in best.messages[0]["content"] and UPPER in best.messages[0]["content"]
        screen = app.screen
        await until(pilot, lambda: "saved as capitals@2" in rendered(
            screen.query_one("#opt-detail")))
        detail = rendered(screen.query_one("#opt-detail"))
        assert "Pareto front over validation items" in detail
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, EvalCompareScreen))


async def test_the_form_shows_what_is_wrong_and_keeps_every_value(
        isolated_home, sandbox, monkeypatch):
    app = _app_with_eval(isolated_home, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await _save_in_playground(pilot)
        with_examples = app.store.prompts.save("capitals", [
            {"role": "system", "content": SEED_SYSTEM},
            {"role": "user", "content": "say lima"}, {"role": "assistant", "content": "lima"},
            {"role": "user", "content": "{{item.question}}"}], model=MODEL)
        await pilot.press("f10")  # on the prompt's latest version
        await until(pilot, lambda: isinstance(app.screen, OptimizeForm))
        form = app.screen
        error = form.query_one("#optf-error")

        _set(form, "optf-budget", "many")
        await until(pilot, lambda: "a whole number" in rendered(error))
        _set(form, "optf-budget", "0")
        await until(pilot, lambda: "at least 1" in rendered(error))
        _set(form, "optf-budget", "12")
        _set(form, "optf-usd", "half")
        await until(pilot, lambda: "a number of dollars" in rendered(error))
        _set(form, "optf-usd", "-1")
        await until(pilot, lambda: "must be above 0" in rendered(error))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form and app.store.optimizations.list() == []
        _set(form, "optf-usd", "")
        form.query_one("#optf-part-system", Checkbox).value = False
        await until(pilot, lambda: "at least one part" in rendered(error))
        form.query_one("#optf-part-system", Checkbox).value = True
        await until(pilot, lambda: _planned(form) and not rendered(error).strip())
        # Every value survived the errors.
        assert form.query_one("#optf-budget", Input).value == "12"
        assert form.query_one("#optf-model", Input).value == MODEL
        # The parts offered are the seed's own: this version's example turns, to tick.
        def offered() -> list[str]:
            return [str(box.label) for box in form.query_one("#optf-parts").query(Checkbox)]

        assert offered() == ["system prompt", "few-shot examples (1)", "user template message"]
        form.query_one("#optf-part-few_shot", Checkbox).value = True
        await until(pilot, lambda: _planned(form))
        assert form.plan.parts == ["system", "few_shot"]
        assert form.plan.version.id == with_examples.id
        # Another seed, other parts: the ticks that still apply stay.
        first = app.store.prompts.versions("capitals")[-1]
        form.query_one("#optf-version", Select).value = first.id
        await until(pilot, lambda: "few-shot examples (none yet)" in offered())
        await until(pilot, lambda: _planned(form))
        assert form.plan.parts == ["system", "few_shot"] and form.plan.version.id == first.id
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, OptimizeForm)
        assert app.store.optimizations.list() == []


async def test_an_optimization_the_tui_left_unfinished_resumes_at_the_next_start(
        isolated_home, sandbox, monkeypatch):
    from tui.core.config import load_settings
    from tui.core.optimize import optimize_driver as driver
    from tui.core.optimize.ownership import orphaned

    configure(isolated_home, sandbox, monkeypatch)
    db = home_dir() / "tunedeck.db"
    with Store(db) as store:
        capitals_eval(store)
        store.prompts.save("capitals", [{"role": "system", "content": SEED_SYSTEM},
                                        {"role": "user", "content": "{{item.question}}"}])
        chosen = driver.plan(store, load_settings(), prompt="capitals",
                             eval_ref="capitals-upper", model=MODEL, profile="sandbox",
                             reflection_model=MODEL, reflection_profile="sandbox",
                             max_metric_calls=12, max_usd=None, seed=1)
        opt = driver.create(store, chosen)
    Path(opt.run_dir).mkdir(parents=True)
    # The CLI's (no owner file) and a live process's are left alone; a dead TUI's resumes.
    assert not orphaned(opt.run_dir)
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    (Path(opt.run_dir) / OWNER_FILE).write_text(str(gone.pid))
    assert orphaned(opt.run_dir)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await until(pilot, lambda: app.store.optimizations.get(opt.id).status == "done",
                    timeout=60)
        assert any("resumed" in n.message for n in app._notifications)
        assert app.store.prompts.versions("capitals")[0].version == 2


@pytest.fixture
def stalled_sandbox():
    """A sandbox that takes 30 s to answer: a quit always lands mid-call."""
    from tui.sandbox.server import SandboxServer

    server = SandboxServer(api_key="sk-sandbox-test", speed=50.0, faults="latency=30")
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_quitting_mid_call_pauses_at_once_and_the_next_start_finishes_it(
        isolated_home, stalled_sandbox, sandbox, monkeypatch):
    import threading

    from tui import optimize_flow
    from tui.core.config import load_settings
    from tui.core.optimize import optimize_driver as driver

    ended = threading.Event()
    original = optimize_flow._drive

    def drive_and_tell(app, opt_id):  # the real driver; the test only learns when it ends
        try:
            original(app, opt_id)
        finally:
            ended.set()

    monkeypatch.setattr(optimize_flow, "_drive", drive_and_tell)
    app = _app_with_eval(isolated_home, stalled_sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.store.prompts.save("capitals", [{"role": "system", "content": SEED_SYSTEM},
                                            {"role": "user", "content": "{{item.question}}"}])
        chosen = driver.plan(app.store, load_settings(), prompt="capitals",
                             eval_ref="capitals-upper", model=MODEL, profile="sandbox",
                             reflection_model=MODEL, reflection_profile="sandbox",
                             max_metric_calls=24, max_usd=None, seed=1)
        optimize_flow.begin(app, chosen)
        opt = app.store.optimizations.list()[0]

        def in_flight() -> list:
            return [r for r in app.store.optimizations.run_ids(opt.id)
                    if app.store.evals.run(r).status == "in_progress"]

        # The seed's validation run is sampling (each answer 30 s away): quit now.
        await until(pilot, in_flight, timeout=60)
        stalled = in_flight()[0]
    # The quit did not wait for the evaluate: its calls were cancelled, nothing answered.
    assert await asyncio.to_thread(ended.wait, 60)
    with Store(home_dir() / "tunedeck.db") as store:
        paused = store.optimizations.get(opt.id)
        assert paused.status == "searching" and paused.best_version_id is None
        run = store.evals.run(stalled)
        assert run.status == "canceled" and store.evals.count_results(stalled) == 0
    configure(isolated_home, sandbox, monkeypatch)  # answers at once from here on
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await until(pilot, lambda: app.store.optimizations.get(opt.id).status == "done",
                    timeout=90)
        assert app.store.prompts.versions("capitals")[0].version == 2
        # The interrupted run was resumed, not made again.
        assert app.store.evals.run(stalled).status == "completed"
        assert app.store.optimizations.run_ids(opt.id)[0] == stalled
