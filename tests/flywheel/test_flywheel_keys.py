"""F8 (loops) and F9 (spend) answer over any dialog, and never pile up."""

from __future__ import annotations

from tests.apphelpers import SIZE, ready, settle
from tests.flywheel.test_snapshots_flywheel import seeded_app
from tui.screens.help import HelpScreen
from tui.screens.loops import LoopsScreen
from tui.screens.spend import SpendScreen


async def test_f8_and_f9_open_over_a_dialog_once_each(tmp_path) -> None:
    app = seeded_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, SpendScreen)  # over the help dialog
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, LoopsScreen)
        await pilot.press("f9")  # the ledger is beneath: said, not stacked again
        await settle(pilot)
        assert isinstance(app.screen, LoopsScreen)
        assert any("already open beneath" in n.message for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SpendScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert [type(s) for s in app.screen_stack].count(SpendScreen) == 0
