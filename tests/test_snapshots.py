"""Snapshots pin each pane's key states (pytest --snapshot-update to accept changes)."""

from __future__ import annotations

import pytest

from tests.apphelpers import SIZE, make_app, ready, settle


def keys_then_settle(*keys: str):
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("key", ["1", "2", "3", "4"])
def test_empty_pane(snap_compare, key):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=keys_then_settle(key))


def test_help_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE,
                        run_before=keys_then_settle("question_mark"))
