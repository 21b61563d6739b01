"""q in the F8 loops view quits the app, as everywhere; esc closes the view."""

from __future__ import annotations

from tests.apphelpers import SIZE, ready, settle
from tests.flywheel.test_snapshots_flywheel import seeded_app
from tui.screens.loops import LoopsScreen


async def test_q_in_the_loops_view_quits(tmp_path) -> None:
    app = seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, LoopsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, LoopsScreen)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0  # the app is exiting, not back on a pane


async def test_q_in_the_optimizations_view_quits_too(tmp_path) -> None:
    from tui.screens.optimizations import OptimizationsScreen

    app = seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.push_screen(OptimizationsScreen())
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, OptimizationsScreen)
        app.push_screen(OptimizationsScreen())
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
