"""From a finished job, one key runs an eval on the tuned model and its base and compares."""

from __future__ import annotations

from store import Store
from tests.apphelpers import SIZE, rendered, wait_for_group
from tests.flywheel.helpers import capitals_eval_file
from tests.jobs.helpers import sandbox_profile
from tests.jobs.test_core_sandbox import launched
from tests.jobs.test_pane_live import make, open_jobs, until
from tui.sandbox.server import SandboxServer
from tui.screens.eval_compare import EvalCompareScreen


async def test_eval_the_fine_tuned_model_against_its_base(tmp_path, monkeypatch):
    with SandboxServer(api_key="sk-sandbox-test", speed=50.0) as server:
        with Store(tmp_path / "t.db") as store:
            job = await launched(store, sandbox_profile(server, monkeypatch), epochs=2)
        definition = capitals_eval_file(tmp_path, n=4)
        app = make(tmp_path, server, monkeypatch)
        async with app.run_test(size=SIZE) as pilot:
            await open_jobs(pilot)
            await until(pilot, lambda: app.store.jobs.get(job.id).fine_tuned_model is not None)
            await pilot.press("3")
            app.pane("evals").load_file(str(definition))
            await wait_for_group(pilot, "eval-load")
            await pilot.press("4")
            await pilot.pause()
            await pilot.press("e")
            await pilot.pause()
            await pilot.press("enter")  # the offered eval: capitals
            await until(pilot, lambda: isinstance(app.screen, EvalCompareScreen), timeout=60)
            text = rendered(app.screen.query_one("#eval-compare-detail"))
            tuned = app.store.jobs.get(job.id).fine_tuned_model
            assert tuned[:20] in text and "sandbox-small" in text
            assert "fail → pass 4" in text  # the base echoes; the tuned model answers
            runs = app.store.evals.runs(app.store.evals.list()[0].id)
            assert sorted(r.model for r in runs) == sorted(["sandbox-small", tuned])
