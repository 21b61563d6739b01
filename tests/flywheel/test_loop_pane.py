"""The guided loop from the app: dataset pane `l` -> form -> pre-flight -> progress -> card."""

from __future__ import annotations

from textual.widgets import Input

from store import Store
from tests.apphelpers import rendered, settle
from tests.flywheel.helpers import N_ITEMS, capitals_eval, new_loop
from tests.jobs.helpers import MODEL, stored_version
from tests.jobs.test_pane_live import SIZE, make, until
from tui.screens.eval_compare import EvalCompareScreen
from tui.screens.job_preflight import JobPreflight
from tui.screens.loop_start import LoopStart
from tui.screens.loops import LoopsScreen
from tui.screens.model_card import ModelCardScreen


async def test_start_a_loop_from_the_datasets_pane_and_follow_it(tmp_path, sandbox,
                                                                 monkeypatch):
    with Store(tmp_path / "t.db") as store:
        stored_version(store, n=12)
        capitals_eval(store, tmp_path)
    app = make(tmp_path, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, LoopStart))
        form = app.screen
        assert form.query_one("#loop-form-model", Input).value == MODEL
        form.query_one("#loop-form-epochs", Input).value = "99"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Epochs: auto, or an integer from 1 to 50" in rendered(
            form.query_one("#loop-form-errors"))
        form.query_one("#loop-form-epochs", Input).value = "2"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, JobPreflight))
        pre = app.screen
        await until(pilot, lambda: pre.preflight is not None)
        assert "Guided loop" in rendered(pre.query_one("#job-preflight-title"))
        with Store(tmp_path / "t.db") as store:
            assert store.loops.list() == []  # nothing starts before the confirmation
        await pilot.press("y")
        await until(pilot, lambda: isinstance(app.screen, LoopsScreen))
        screen = app.screen
        await until(pilot, lambda: app.store.loops.list()[0].stage == "done", timeout=60)
        await until(pilot, lambda: not app.loops.running)
        screen.refresh_loops()
        await pilot.pause()
        text = rendered(screen.query_one("#loop-detail"))
        assert text.count("✓") == 4
        assert "pass rate 0.0%" in text and "pass rate 100.0%" in text
        assert f"fail→pass {N_ITEMS}" in text

        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ModelCardScreen))
        card = app.screen
        await until(pilot, lambda: "Reading" not in rendered(card.query_one(
            "#model-card-detail")))
        card_text = rendered(card.query_one("#model-card-detail"))
        assert f"base model   {MODEL}" in card_text and "capitals v1" in card_text
        assert "Δ +100.0 pp" in card_text
        await pilot.press("escape")
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, EvalCompareScreen))
        assert f"fail → pass {N_ITEMS}" in rendered(app.screen.query_one(
            "#eval-compare-detail"))


async def test_an_unfinished_loop_resumes_when_the_app_starts(tmp_path, sandbox, monkeypatch):
    with Store(tmp_path / "t.db") as store:
        loop = new_loop(store, tmp_path, "sandbox")  # stage "baseline", nothing run yet
    app = make(tmp_path, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await until(pilot, lambda: app.store.loops.get(loop.id).stage == "done", timeout=60)
        await until(pilot, lambda: not app.loops.running)
    with Store(tmp_path / "t.db") as store:
        finished = store.loops.get(loop.id)
        assert finished.comparison["tuned_pass_rate"] == 1.0
        assert len(store.jobs.list()) == 1


async def test_model_card_from_the_playground_and_back(tmp_path, sandbox, monkeypatch):
    from tests.flywheel.seed import BASE, TUNED, seed

    with Store(tmp_path / "t.db") as store:
        seed(store, tmp_path)
    app = make(tmp_path, sandbox, monkeypatch)
    app.loops.resume_unfinished = lambda: None  # the seeded loops belong to "openai"
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await pilot.press("2")
        await pilot.pause()
        models = app.pane("playground").query_one("#pg-models", Input)
        models.value = f"sandbox-small, {TUNED}"
        await pilot.press("f11")
        await until(pilot, lambda: isinstance(app.screen, ModelCardScreen))
        card = app.screen
        await until(pilot, lambda: "Reading" not in rendered(card.query_one(
            "#model-card-detail")))
        assert "ftjob-seed0001 (succeeded)" in rendered(card.query_one("#model-card-detail"))
        await pilot.press("g")
        # The card closes, then the playground is filled: the base model beside the tuned one.
        await until(pilot, lambda: models.value == f"{BASE}, {TUNED}")
        assert not isinstance(app.screen, ModelCardScreen)


async def test_quitting_mid_loop_stops_its_driver_and_keeps_the_loop(tmp_path, sandbox,
                                                                     monkeypatch):
    import asyncio

    with Store(tmp_path / "t.db") as store:
        loop = new_loop(store, tmp_path, "sandbox")
    app = make(tmp_path, sandbox, monkeypatch, interval=5.0)  # a slow poll: quit must not wait
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await until(pilot, lambda: app.store.loops.get(loop.id).stage == "training", timeout=60)
    deadline = asyncio.get_running_loop().time() + 5
    while app.loops.running:
        assert asyncio.get_running_loop().time() < deadline, "the loop's driver outlived the app"
        await asyncio.sleep(0.05)
    with Store(tmp_path / "t.db") as store:
        kept = store.loops.get(loop.id)
        assert kept.stage == "training" and kept.job_id is not None and kept.error is None


async def test_model_card_from_an_eval_run(tmp_path, sandbox, monkeypatch):
    from tests.flywheel.seed import TUNED, seed

    with Store(tmp_path / "t.db") as store:
        seed(store, tmp_path)
        tuned_run = next(r.id for r in store.evals.runs(store.evals.list()[0].id)
                         if r.model == TUNED)
    app = make(tmp_path, sandbox, monkeypatch)
    app.loops.resume_unfinished = lambda: None  # the seeded loops belong to "openai"
    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await pilot.press("3")
        await settle(pilot)  # the pane's first reload picks its own run: choose after it
        pane = app.pane("evals")
        pane.selected_run = tuned_run
        await pilot.press("k")
        await until(pilot, lambda: isinstance(app.screen, ModelCardScreen))
        assert app.screen.model == TUNED


async def test_an_eval_run_past_the_budget_is_asked_for_first(tmp_path, sandbox, monkeypatch):
    from tests.jobs.helpers import fast_settings, sandbox_profile
    from tui.app import TunedeckApp
    from tui.screens.job_confirm import JobConfirm
    from tui.screens.text_prompt import AskName

    with Store(tmp_path / "t.db") as store:
        eval_row = capitals_eval(store, tmp_path)
        earlier = store.evals.create_run(eval_row.id, model=MODEL, profile="sandbox")
        store.evals.update_run(earlier.id, status="completed", cost_usd=0.02)
    profile = sandbox_profile(sandbox, monkeypatch)
    profile.budget_usd = 0.03  # $0.02 spent; another run like the last would make $0.04
    app = TunedeckApp(settings=fast_settings(profile), db_path=tmp_path / "t.db",
                      profile=profile.name)

    async def ask_for_a_run(answer: str) -> None:
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, AskName))
        await pilot.press(*MODEL, "enter")
        await until(pilot, lambda: isinstance(app.screen, JobConfirm))
        assert "spent $0.02 of its $0.03 budget" in rendered(app.screen.query_one("Static"))
        await pilot.press(answer)
        await until(pilot, lambda: not isinstance(app.screen, JobConfirm))

    async with app.run_test(size=SIZE) as pilot:
        await app.store_ready.wait()
        await pilot.press("3")
        await settle(pilot)
        await ask_for_a_run("n")
        assert len(app.store.evals.runs(eval_row.id)) == 1  # nothing started
        await ask_for_a_run("y")
        await until(pilot, lambda: len(app.store.evals.runs(eval_row.id)) == 2)
