"""Snapshots pin each pane's key states (pytest --snapshot-update to accept changes)."""

from __future__ import annotations

import pytest

from tests.apphelpers import SIZE, make_app, ready


async def _settle(pilot) -> None:
    await pilot.pause()
    await ready(pilot)


@pytest.mark.parametrize("key", ["1", "2", "3", "4"])
def test_empty_pane(snap_compare, key):
    assert snap_compare(make_app(), press=[key], terminal_size=SIZE, run_before=_settle)


def test_help_screen(snap_compare):
    assert snap_compare(make_app(), press=["question_mark"], terminal_size=SIZE,
                        run_before=_settle)
