"""Pilot tests of the Jobs pane on a seeded store (no provider: the profile has no key)."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Input, Select

from store import Store
from tests.apphelpers import make_app, ready
from tests.jobs.helpers import stored_version
from tests.jobs.seed import NOW, seed
from tui.core.paths import home_dir
from tui.panes.jobs import JobsPane
from tui.screens.job_create import JobCreate
from tui.screens.job_detail import JobDetail
from tui.screens.job_preflight import JobPreflight
from tui.widgets.metric_plot import MetricPlot

SIZE = (140, 40)


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setattr(JobsPane, "clock", staticmethod(lambda: NOW))
    with Store(home_dir() / "tunedeck.db") as store:
        version = stored_version(store, n=12, bad=1)
        return seed(store, version_id=version), version


async def show_jobs(pilot) -> None:
    await ready(pilot)
    await pilot.press("4")
    await pilot.pause()


async def test_list_with_mixed_statuses_shows_each_as_is(seeded):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        table = app.query_one("#jobs-table", DataTable)
        rows = [table.get_row_at(i) for i in range(table.row_count)]
        statuses = [str(r[1]) for r in rows]
        assert statuses == ["running", "succeeded", "failed", "cancelled", "paused", "queued",
                            "frobnicating"]
        running = rows[0]
        assert str(running[2]).startswith("18/30 ██████") and str(running[3]) == "12m34s"
        assert rows[1][8] == "1,234,567" and str(rows[1][5]).endswith(":seed1")
        assert str(rows[4][7]) == "dpo" and str(rows[6][4]) == "7h"
        assert "no API key" in str(app.query_one("#jobs-status").render())


async def test_detail_shows_chart_checkpoints_and_plain_error(seeded):
    ids, _ = seeded
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, JobDetail) and app.screen.job_id == ids["running"]
        chart = app.screen.query_one("#chart-loss", MetricPlot)
        assert chart.steps == set(range(1, 19))
        assert set(chart.series) == {"train", "valid"}
        # `s` smooths both charts (EMA), `+` zooms onto the latest steps, `-` back out.
        await pilot.press("s", "plus", "plus")
        await pilot.pause()
        for one in app.screen.query(MetricPlot):
            assert (one.view.smoothing, one.view.zoom) == (0.6, 2)
        shown = chart.shown["train"]
        assert [step for step, _ in shown] == list(range(14, 19))
        assert shown != [p for p in sorted(chart.series["train"]) if p[0] >= 14]
        assert "loss · EMA 0.6 ×4" in str(chart.render())
        await pilot.press("minus", "minus", "minus")
        assert chart.view.zoom == 0 and len(chart.shown["train"]) == 18
        assert app.screen.query_one("#job-checkpoints", DataTable).row_count == 1
        assert len(app.screen.query_one("#job-events").lines) == 19
        await pilot.press("escape")
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        error = str(app.screen.query_one("#job-detail-error").render())
        assert "because of the training file" in error
        assert "look at line 3" in error and "City2" in error  # the offending (valid-only) line


async def test_actions_refuse_what_the_status_does_not_allow(seeded):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        await pilot.press("down")  # succeeded
        await pilot.press("c")
        await pilot.pause()
        assert not isinstance(app.screen, JobDetail)
        assert any("nothing to cancel" in n.message for n in app._notifications)
        await pilot.press("y")  # copy the fine-tuned model id
        await pilot.pause()
        assert app.clipboard.endswith(":seed1")


async def test_form_enforces_ranges_and_nothing_is_sent(seeded):
    _, version = seeded
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, JobCreate)
        form.query_one("#job-form-training", Select).value = version
        epochs = form.query_one("#job-form-n_epochs", Input)
        epochs.value = "51"
        form.query_one("#job-form-batch_size", Input).value = "0"
        form.query_one("#job-form-suffix", Input).value = "ok"
        form.query_one("#job-form-metadata", Input).value = "team"
        await pilot.pause()
        assert epochs.has_class("-invalid")
        await pilot.press("ctrl+s")
        await pilot.pause()
        errors = str(form.query_one("#job-form-errors").render())
        assert "epochs (1–50)" in errors and "batch size" in errors and "metadata" in errors
        assert app.screen is form
        form.query_one("#job-form-method", Select).value = "dpo"
        await pilot.pause()
        assert form.query_one(".hp-beta").display and not form.query_one(".hp-grader").display
        form.query_one("#job-form-beta", Input).value = "2.5"
        await pilot.pause()
        assert form.query_one("#job-form-beta", Input).has_class("-invalid")
        for field, value in (("n_epochs", "3"), ("batch_size", "auto"), ("beta", "0.2")):
            form.query_one(f"#job-form-{field}", Input).value = value
        form.query_one("#job-form-metadata", Input).value = "team=search"
        form.query_one("#job-form-method", Select).value = "supervised"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, JobPreflight)
        pre = app.screen
        await pilot.pause(0.5)
        while pre.preflight is None:
            await pilot.pause(0.05)
        assert pre.preflight.spec.hyperparameters == {"n_epochs": 3}
        assert pre.preflight.spec.metadata == {"team": "search"}
        assert pre.preflight.billed_tokens == 3 * pre.preflight.tokens_total > 0
        assert pre.preflight.estimated_cost_usd is not None
        await pilot.press("escape")
        await pilot.pause()
        assert app.store.jobs.get  # back on the pane; nothing launched
        assert len(app.store.jobs.list("openai")) == 7


async def test_profile_without_fine_tuning_shows_why(seeded, monkeypatch):
    from tui.core.config import Capability

    app = make_app()
    app.profile.capabilities = frozenset({Capability.CHAT})
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        notice = str(app.query_one("#jobs-capability").render())
        assert "no fine-tuning capability" in notice
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, JobCreate)


async def test_try_the_fine_tuned_model_in_the_playground(seeded):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        await pilot.press("g")  # the running job has no model yet
        await pilot.pause()
        assert any("no fine-tuned model yet" in n.message for n in app._notifications)
        await pilot.press("down", "enter")  # the succeeded job's detail
        await pilot.pause()
        assert isinstance(app.screen, JobDetail)
        await pilot.press("g")
        await pilot.pause()
        await pilot.pause()
        assert not isinstance(app.screen, JobDetail)
        assert app.query_one("#panes").active == "playground"
        models = app.pane("playground").query_one("#pg-models", Input).value
        assert models == "gpt-4o-mini-2024-07-18, ft:gpt-4o-mini-2024-07-18:acme:support:seed1"


async def test_rft_grader_comes_from_an_eval_and_is_checked_as_typed(seeded):
    from textual.widgets import Static, TextArea

    from tests.apphelpers import rendered

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        criterion = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
                     "reference": "{{item.answer}}", "operation": "eq"}
        app.store.evals.create("capitals", testing_criteria=[criterion])
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        form.query_one("#job-form-method", Select).value = "reinforcement"
        await pilot.pause()
        form.query_one("#job-form-grader-pick", Select).value = 0
        await pilot.pause()
        await pilot.pause()
        assert json.loads(form.query_one("#job-form-grader", TextArea).text) == criterion
        assert "grader ok" in rendered(form.query_one("#job-form-grader-check", Static))
        form.query_one("#job-form-grader", TextArea).text = '{"type": "string_check", '
        await pilot.pause()
        assert "not JSON yet" in rendered(form.query_one("#job-form-grader-check", Static))
        form.query_one("#job-form-grader", TextArea).text = json.dumps(
            {**criterion, "operation": "neq"})
        await pilot.pause()
        assert "operation" in rendered(form.query_one("#job-form-grader-check", Static))


async def test_detail_says_auto_for_hyperparameters_the_provider_has_not_chosen_yet(monkeypatch):
    # A job just created answers null for each "auto" value until it starts:
    # the detail showed "batch_size=None, learning_rate_multiplier=None, ...".
    from tests.jobs.seed import job

    monkeypatch.setattr(JobsPane, "clock", staticmethod(lambda: NOW))
    with Store(home_dir() / "tunedeck.db") as store:
        store.jobs.upsert("openai", job(0, "validating_files", method={
            "type": "supervised", "supervised": {"hyperparameters": {
                "n_epochs": None, "batch_size": None, "learning_rate_multiplier": 2.0}}}))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        await pilot.press("enter")
        await pilot.pause()
        head = str(app.screen.query_one("#job-detail-head").render())
        assert "n_epochs=auto" in head and "batch_size=auto" in head
        assert "learning_rate_multiplier=2.0" in head and "None" not in head


async def test_job_keys_without_a_job_say_how_to_get_one():
    # Before, o, enter, c, z, u, y, g, e and k did nothing at all on an empty list.
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await show_jobs(pilot)
        for key in ("o", "c", "z", "u", "y", "g", "e", "k"):
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause()
            assert any("n starts one" in n.message for n in app._notifications), key
