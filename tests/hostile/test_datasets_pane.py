"""Datasets pane (1), an example's transcript and its edit form, with hostile data."""

from __future__ import annotations

from tests.apphelpers import make_app, ready, settle, until
from tests.hostile import corpus
from tests.hostile.terminal import (
    assert_shown,
    assert_terminal_clean,
    assert_toast,
    assert_widget_shows,
    click_everything_hostile,
    recording,
)

SIZE = (160, 45)


async def open_line(pilot, line: int):
    """The line's example screen, as enter on its row opens it; its box."""
    from tui.screens.example import ExampleScreen

    app = pilot.app
    pane = app.pane("datasets")
    example = app.store.datasets.example(pane.version_id, line)
    app.push_screen(ExampleScreen(example))
    await settle(pilot)
    return app.screen.query_one("#example-transcript")


async def test_datasets_pane_shows_hostile_names_and_lines_as_text(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await settle(pilot)
        pane = app.pane("datasets")
        assert_widget_shows(pane.query_one("#ds-versions"), corpus.DATASET_NAME, prefix=20)
        assert_widget_shows(pane.query_one("#ds-stats"), corpus.DATASET_NAME)
        assert_widget_shows(pane.query_one("#ds-examples"), corpus.USER_TEXT, prefix=60)
        await click_everything_hostile(pilot, [corpus.DATASET_NAME, corpus.USER_TEXT], shots)
        # A search and a category typed from what the data holds show as typed.
        pane.search = corpus.STRAY[0] + corpus.MARKUP
        pane.show_version()
        await settle(pilot)
        assert_widget_shows(pane.query_one("#ds-filter"), corpus.STRAY[0] + corpus.MARKUP)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_example_transcripts_show_messages_tools_keys_and_raw_lines(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await settle(pilot)
        box = await open_line(pilot, 1)
        assert_shown(app, corpus.USER_TEXT, corpus.ASSISTANT_TEXT, within=box)
        await click_everything_hostile(pilot, [corpus.USER_TEXT, corpus.ASSISTANT_TEXT], shots)
        app.pop_screen()
        box = await open_line(pilot, 2)  # tool calls: name, arguments, id; a tool's answer
        assert_shown(app, corpus.TOOL_NAME, corpus.hostile("toolout"),
                     corpus.hostile("callid", short=True), within=box)
        await click_everything_hostile(pilot, [corpus.TOOL_NAME, corpus.hostile("toolout")],
                                       shots)
        app.pop_screen()
        box = await open_line(pilot, 3)  # a hostile JSON key among the reference fields
        assert_shown(app, corpus.JSON_KEY, within=box, prefix=30)  # a table cell, cut
        app.pop_screen()
        box = await open_line(pilot, 4)  # not JSON: the raw line, and the validator's verdict
        assert_shown(app, corpus.RAW_LINE, within=box)
        await click_everything_hostile(pilot, [corpus.RAW_LINE], shots)
        await pilot.press("e")  # the edit form holds the raw line in a text area
        await settle(pilot)
        editor = app.screen.query_one("#edit-text")
        assert editor.text == corpus.RAW_LINE  # the text is kept exactly, controls and all
        # Drawn with its controls shown (Rich drops BEL from what a TextArea draws, and a
        # line widened by its escapes is cut at the edge: pieces, not the whole line).
        for piece in ("not json at all ␛]2;pwned", "[/INST]", corpus.link("rawL")):
            assert_shown(app, piece, within=editor)
        assert_shown(app, "3 control characters in this text are shown as escapes", within=app.screen.query_one("#edit-controls"))
        await pilot.press("escape")
        await settle(pilot)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_importing_through_the_form_says_the_hostile_name_and_path_as_text(seeded, shots,
                                                                               tmp_path):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        # A path that is no file: the form says so, quoting it.
        missing = str(tmp_path / ("nofile" + corpus.hostile("path", short=True)))
        form.query_one("#import-path").value = missing
        await pilot.press("ctrl+s")
        await until(pilot, lambda: form.query_one("#import-error").display)
        await settle(pilot)
        assert_shown(app, corpus.hostile("path", short=True),
                     within=form.query_one("#import-error"))
        await click_everything_hostile(pilot, [corpus.hostile("path", short=True)], shots)
        # The hostile file under a hostile name: the notice names it.
        form.query_one("#import-path").value = str(seeded.dataset_file)
        form.query_one("#import-name").value = corpus.hostile("form", short=True)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: any("Imported" in n.message for n in app._notifications))
        await settle(pilot)
        assert_toast(app, "Imported " + corpus.hostile("form", short=True), prefix=40)
        await click_everything_hostile(pilot, [corpus.hostile("form", short=True)], shots)
        assert app.return_code is None
    assert_terminal_clean(app)
