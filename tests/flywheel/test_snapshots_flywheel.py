"""Snapshots of the loops view, a model card and the spend ledger (seeded, fixed data)."""

from __future__ import annotations

from store import Store
from tests.apphelpers import SIZE, make_app, ready, settle, wait_for_group
from tests.flywheel.seed import TUNED, seed


def seeded_app(tmp_path):
    db = tmp_path / "flywheel.db"
    with Store(db) as store:
        seed(store, tmp_path)
    app = make_app(db_path=db)
    # The seeded loop "in training" belongs to a provider this test never reaches:
    # picture it as stored, without driving it.
    app.loops.resume_unfinished = lambda: None  # type: ignore[method-assign]
    return app


def test_loops_progress_view(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("f8")
        await settle(pilot)

    assert snap_compare(seeded_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_loops_view_finished_loop(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(seeded_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_model_card(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await ready(pilot)
        pilot.app.show_model_card(TUNED)
        await wait_for_group(pilot, "model-card")

    assert snap_compare(seeded_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_spend_ledger_by_source(snap_compare, tmp_path):
    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("f9")
        await wait_for_group(pilot, "spend")
        await pilot.press("g", "g", "g", "g")  # day -> provider -> profile -> model -> source
        await wait_for_group(pilot, "spend")

    assert snap_compare(seeded_app(tmp_path), terminal_size=SIZE, run_before=run_before)


def test_loops_view_at_80_columns(snap_compare, tmp_path):
    """At 80×24 the list goes above the detail, so job and model ids are not broken in
    the middle of the id (issue 21, item 10)."""

    async def run_before(pilot) -> None:
        await ready(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("down")
        await settle(pilot)

    assert snap_compare(seeded_app(tmp_path), terminal_size=(80, 24), run_before=run_before)
