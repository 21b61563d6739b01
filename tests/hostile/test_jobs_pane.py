"""Jobs (4): jobs whose provider fields are hostile (error, events, model ids, suffix,
status), a job's detail screen, its end notification and the fine-tuned model's card."""

from __future__ import annotations

from types import SimpleNamespace

from tests.apphelpers import make_app, ready, settle, until
from tests.hostile import corpus
from tests.hostile.terminal import (
    assert_shown,
    assert_terminal_clean,
    assert_toast,
    click_everything_hostile,
    recording,
    shows,
)

SIZE = (200, 50)


async def open_jobs(pilot):
    await ready(pilot)
    await pilot.press("4")
    await settle(pilot)
    return pilot.app.pane("jobs")


async def test_jobs_table_and_end_notification_are_text(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        pane = await open_jobs(pilot)
        table = pane.query_one("#jobs-table")
        assert_shown(app, corpus.MODEL_ID, within=table, prefix=30)
        assert_shown(app, corpus.hostile("status", short=True), within=table, prefix=12)
        await click_everything_hostile(pilot, [corpus.MODEL_ID, corpus.hostile(
            "status", short=True)], shots)
        # The watcher's word when a job ends: the provider's error, quoted.
        failed = app.store.jobs.get(seeded.jobs["failed"])
        pane.post_message(pane.Changed([SimpleNamespace(finished=True, job=failed)]))
        await until(pilot, lambda: any("Fine-tuning job ended" in n.title
                                       for n in app._notifications))
        await settle(pilot)
        assert_toast(app, corpus.JOB_ERROR, prefix=60)
        await click_everything_hostile(pilot, [corpus.JOB_ERROR], shots)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_job_detail_error_events_checkpoints_and_result_are_text(seeded, shots):
    from tui.screens.job_detail import JobDetail

    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        pane = await open_jobs(pilot)
        app.push_screen(JobDetail(pane, seeded.jobs["failed"]))
        await settle(pilot)
        screen = app.screen
        assert_shown(app, corpus.SUFFIX, within=screen.query_one("#job-detail-head"))
        error = screen.query_one("#job-detail-error")
        assert_shown(app, corpus.JOB_ERROR, within=error)
        # The line the provider named, quoted from the stored dataset (valid lines only).
        assert_shown(app, corpus.USER_TEXT[:40], within=error)
        assert_shown(app, corpus.EVENT_TEXT, within=screen.query_one("#job-events"),
                     prefix=80)
        await click_everything_hostile(pilot, [corpus.SUFFIX, corpus.JOB_ERROR,
                                               corpus.EVENT_TEXT], shots)
        screen.query_one("#job-detail-tabs").active = "job-tab-checkpoints"
        await settle(pilot)
        assert_shown(app, corpus.MODEL_ID, within=screen.query_one("#job-checkpoints"),
                     prefix=40)
        screen.query_one("#job-detail-tabs").active = "job-tab-result"
        await settle(pilot)
        assert_shown(app, corpus.hostile("csv"), within=screen.query_one("#job-result"))
        await click_everything_hostile(pilot, [corpus.MODEL_ID, corpus.hostile("csv")], shots)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_fine_tuned_model_card_is_text(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await open_jobs(pilot)
        app.show_model_card(corpus.MODEL_ID)
        await until(pilot, lambda: shows(app, "#model-card-detail", "Evaluations"))
        card = app.screen.query_one("#model-card-detail")
        assert_shown(app, corpus.MODEL_ID, corpus.DATASET_NAME, within=card)
        await click_everything_hostile(pilot, [corpus.MODEL_ID, corpus.DATASET_NAME], shots)
        assert app.return_code is None
    assert_terminal_clean(app)
