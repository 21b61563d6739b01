"""The live job view (issue 21, items 9 and 13): the Events log follows new events, and a
poll that brings nothing new changes nothing on screen, so z's confirmation is not queued
behind relayouts while a job runs."""

from __future__ import annotations

from textual.widgets import Log, Static

from store import Store
from tests.apphelpers import make_app, ready
from tests.jobs.helpers import stored_version
from tests.jobs.seed import NOW, seed
from tui.core.paths import home_dir
from tui.panes.jobs import JobsPane
from tui.screens.job_confirm import JobConfirm
from tui.screens.job_detail import JobDetail

SIZE = (120, 35)


def _seeded(monkeypatch) -> dict[str, int]:
    monkeypatch.setattr(JobsPane, "clock", staticmethod(lambda: NOW))
    with Store(home_dir() / "tunedeck.db") as store:
        return seed(store, version_id=stored_version(store, n=12))


def _more_events(job_id: int, first: int, n: int) -> None:
    with Store(home_dir() / "tunedeck.db") as store:
        store.jobs.add_events(job_id, [
            {"id": f"ev-new-{i:03d}", "created_at": NOW + i, "level": "info",
             "type": "message", "message": f"later event {i}"}
            for i in reversed(range(first, first + n))])


async def _detail(pilot) -> JobDetail:
    await ready(pilot)
    await pilot.press("4")
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    await pilot.pause()
    assert isinstance(pilot.app.screen, JobDetail)
    return pilot.app.screen


async def test_events_log_follows_new_events_unless_scrolled_up(monkeypatch):
    ids = _seeded(monkeypatch)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        detail = await _detail(pilot)
        log = detail.query_one("#job-events", Log)
        assert log.max_scroll_y > 0  # more events than the log's height
        assert log.scroll_y == log.max_scroll_y  # opened at the newest, not the first page
        _more_events(ids["running"], 0, 5)
        detail.reload()
        await pilot.pause()
        await pilot.pause()
        assert log.lines[-1].endswith("later event 4")
        assert log.scroll_y == log.max_scroll_y  # followed
        log.scroll_home(animate=False, immediate=True)
        await pilot.pause()
        _more_events(ids["running"], 5, 5)
        detail.reload()
        await pilot.pause()
        await pilot.pause()
        assert log.lines[-1].endswith("later event 9")
        assert log.scroll_y == 0  # the reader is reading older events: left there


async def test_a_poll_with_nothing_new_changes_nothing_and_z_confirms_at_once(monkeypatch):
    _seeded(monkeypatch)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        detail = await _detail(pilot)
        updates: list[str] = []
        original = Static.update

        def counted(self, *args, **kwargs):
            updates.append(self.id or "?")
            return original(self, *args, **kwargs)

        monkeypatch.setattr(Static, "update", counted)
        for _ in range(3):  # what the poller's Changed does while nothing moved
            detail.reload()
        await pilot.pause()
        assert updates == []
        await pilot.press("z")  # the running job
        assert isinstance(app.screen, JobConfirm)
        assert "keeps its progress" in str(app.screen.query_one("#job-confirm-question")
                                           .render())


async def test_a_poll_between_push_and_mount_does_not_crash(monkeypatch):
    """The poller's Changed reloads every JobDetail in the stack, a just-pushed one too."""
    ids = _seeded(monkeypatch)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        pane = app.query_one(JobsPane)
        detail = JobDetail(pane, ids["running"])
        app.push_screen(detail)
        pane.post_message(JobsPane.Changed([]))  # arrives before the detail's on_mount
        detail.reload()
        await pilot.pause()
        await pilot.pause()
        assert app.screen is detail and detail.query_one("#job-checkpoints").row_count == 1
