"""Snapshots of the Jobs pane's key states (seeded store, pinned clock, no provider)."""

from __future__ import annotations

import pytest

from store import Store
from tests.apphelpers import make_app, ready
from tests.jobs.helpers import stored_version
from tests.jobs.seed import NOW, seed
from tui.core.paths import home_dir
from tui.panes.jobs import JobsPane

SIZE = (140, 40)


@pytest.fixture
def seeded(monkeypatch):
    monkeypatch.setattr(JobsPane, "clock", staticmethod(lambda: NOW))
    with Store(home_dir() / "tunedeck.db") as store:
        return seed(store, version_id=stored_version(store, n=12, bad=1))


async def _jobs(pilot) -> None:
    await pilot.pause()
    await ready(pilot)
    await pilot.press("4")
    await settle(pilot)


async def settle(pilot) -> None:
    await pilot.pause()  # cursors do not blink in tests (tests/conftest.py, no_cursor_blink)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_list_mixed_statuses(snap_compare, seeded):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=_jobs)


def test_list_at_80_columns(snap_compare, seeded):
    """At 80×24 the ETA, the age and the fine-tuned model id stay on screen (issue 21,
    item 10): the method and the base model had pushed them past the right edge."""
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=_jobs)


def test_detail_running_with_chart(snap_compare, seeded):
    async def run_before(pilot) -> None:
        await _jobs(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_detail_failed_with_error(snap_compare, seeded):
    async def run_before(pilot) -> None:
        await _jobs(pilot)
        await pilot.press("down", "down", "enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_create_form(snap_compare, seeded):
    async def run_before(pilot) -> None:
        await _jobs(pilot)
        await pilot.press("n")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_preflight(snap_compare, seeded):
    async def run_before(pilot) -> None:
        from textual.widgets import Select

        await _jobs(pilot)
        await pilot.press("n")
        await pilot.pause()
        select = pilot.app.screen.query_one("#job-form-training", Select)
        select.value = select._options[1][1]
        await pilot.press("ctrl+s")
        await pilot.pause()
        while getattr(pilot.app.screen, "preflight", None) is None:
            await pilot.pause(0.05)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
