"""The title line: the profile's title and sub-title, repainted when they change, the
icon opening the command palette, and other people's names shown as text."""

from __future__ import annotations

from textual.command import CommandPalette

from tests.apphelpers import SIZE, make_app, ready, rendered, settle
from tui.widgets.title_bar import TitleBar


async def test_the_title_line_follows_the_app_title_and_sub_title():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        bar = app.query_one(TitleBar)
        line = rendered(bar)
        assert line.startswith(" ◆")
        assert "tunedeck — profile" in line
        assert len(line) == SIZE[0]
        app.title, app.sub_title = "renamed", "profile [b]x[/b] (azure)"
        await settle(pilot)
        line = rendered(bar)
        assert "renamed — profile [b]x[/b] (azure)" in line  # markup in a name stays text
        assert "tunedeck" not in line


async def test_a_title_too_long_for_the_line_is_cut_with_an_ellipsis():
    app = make_app()
    async with app.run_test(size=(40, 20)) as pilot:
        await ready(pilot)
        app.sub_title = "profile " + "a-very-long-profile-name" * 3
        await settle(pilot)
        line = rendered(app.query_one(TitleBar))
        assert len(line) == 40
        assert line.startswith(" ◆")
        assert "…" in line
        assert line.endswith(" " * 10)  # the clock's space stays free


async def test_clicking_the_icon_opens_the_command_palette():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.click(TitleBar, offset=(2, 0))
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.click(TitleBar, offset=(60, 0))  # the title itself does nothing
        await settle(pilot)
        assert not isinstance(app.screen, CommandPalette)
