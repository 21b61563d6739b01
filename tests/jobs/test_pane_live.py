"""The Jobs pane against the sandbox (fast clock): launch through the pre-flight, watch live."""

from __future__ import annotations

from textual.widgets import DataTable, Input, Select

from store import Store
from tests.apphelpers import until
from tests.jobs.helpers import MODEL, fast_settings, sandbox_profile, stored_version
from tui.app import TunedeckApp
from tui.screens.job_create import JobCreate
from tui.screens.job_detail import JobDetail
from tui.screens.job_preflight import JobPreflight
from tui.widgets.metric_plot import MetricPlot

SIZE = (140, 40)


def make(tmp_path, sandbox, monkeypatch, interval: float = 0.05) -> TunedeckApp:
    profile = sandbox_profile(sandbox, monkeypatch)
    return TunedeckApp(settings=fast_settings(profile, interval), db_path=tmp_path / "t.db",
                       profile=profile.name)


async def open_jobs(pilot) -> None:
    await pilot.app.store_ready.wait()
    await pilot.press("4")
    await pilot.pause()


async def test_launch_through_preflight_and_watch_to_succeeded(tmp_path, sandbox, monkeypatch):
    with Store(tmp_path / "t.db") as store:
        version_id = stored_version(store, n=12, bad=1)
    app = make(tmp_path, sandbox, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await open_jobs(pilot)
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, JobCreate))
        form = app.screen
        form.query_one("#job-form-training", Select).value = version_id
        form.query_one("#job-form-model", Input).value = MODEL
        form.query_one("#job-form-n_epochs", Input).value = "2"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, JobPreflight))
        pre = app.screen
        await until(pilot, lambda: pre.preflight is not None)
        text = str(pre.query_one("#job-preflight-text").render())
        assert "12 examples, 1 invalid line left out" in text
        assert "upload" in text and "billed tokens" in text
        with Store(tmp_path / "t.db") as store:  # nothing sent before the confirmation
            assert store.jobs.list() == [] and store.files.list("sandbox") == []
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(app.screen, JobPreflight))
        table = app.query_one("#jobs-table", DataTable)
        await until(pilot, lambda: table.row_count == 1)
        # The list updates live until the job succeeds.
        await until(pilot, lambda: "succeeded" in str(table.get_row_at(0)[1]))
        job = app.store.jobs.list("sandbox")[0]
        assert job.fine_tuned_model and job.trained_tokens
        row = table.get_row_at(0)
        assert str(row[5]) == job.fine_tuned_model  # a Text cell: the provider's text
        metrics = app.store.jobs.metrics(job.id)
        total = metrics[-1].total_steps
        assert [m.step for m in metrics] == list(range(1, total + 1))
        assert app.store.jobs.checkpoints(job.id)
        assert app.store.jobs.result_file(job.id).startswith("step,train_loss")
        # The detail shows a chart with every metrics step.
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, JobDetail))
        await pilot.pause()
        chart = app.screen.query_one("#chart-loss", MetricPlot)
        assert chart.steps == set(range(1, total + 1))
        # Only valid lines were uploaded, once.
        files = app.store.files.list("sandbox")
        assert len(files) == 1 and files[0].dataset_version_id == version_id


async def test_restart_resumes_watching_and_notifies_on_another_pane(tmp_path, monkeypatch):
    from tests.jobs.test_core_sandbox import launched
    from tui.sandbox.server import SandboxServer

    # The job must outlive the first session and the restart: at speed 2 it trains for
    # ~13 s, where opening the Jobs pane twice took ~4 s each on a loaded CI machine (at
    # speed 10 the job's 2.6 s were over before the first session's first poll).
    with SandboxServer(api_key="sk-sandbox-test", speed=2.0) as server:
        with Store(tmp_path / "t.db") as store:
            job = await launched(store, sandbox_profile(server, monkeypatch), epochs=4)
        app = make(tmp_path, server, monkeypatch)
        async with app.run_test(size=SIZE) as pilot:
            await open_jobs(pilot)
            await until(pilot, lambda: len(app.store.jobs.metrics(job.id)) >= 10)
        # Restarted: the stored state shows at once, watching resumes, the end is announced
        # even though the user is on the Datasets pane.
        app = make(tmp_path, server, monkeypatch)
        async with app.run_test(size=SIZE) as pilot:
            await open_jobs(pilot)
            table = app.query_one("#jobs-table", DataTable)
            assert table.row_count == 1
            await pilot.press("1")
            await until(pilot, lambda: app.store.jobs.get(job.id).status == "succeeded")
            # The watcher writes the store, then tells the pane: wait for the notice itself.
            await until(pilot, lambda: any("succeeded" in n.message
                                           for n in app._notifications))
            steps = [m.step for m in app.store.jobs.metrics(job.id)]
            assert steps == list(range(1, 49))
