"""esc in the grader editor asks before throwing edits away; untouched, it just closes."""

from __future__ import annotations

from textual.widgets import TextArea

from tests.apphelpers import SIZE, make_app, ready, settle
from tui.screens.grader_editor import GraderEditorScreen
from tui.screens.version_choice import ConfirmChange

CRITERIA = [{"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
             "reference": "{{item.reference}}", "operation": "eq"}]


async def test_esc_with_edits_asks_and_n_keeps_them(isolated_home):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        answers: list = []
        editor_screen = GraderEditorScreen("qa", CRITERIA)
        app.push_screen(editor_screen, answers.append)
        await settle(pilot)
        # Untouched: esc closes at once, nothing asked.
        await pilot.press("escape")
        await settle(pilot)
        assert answers == [None] and not isinstance(app.screen, ConfirmChange)
        editor_screen = GraderEditorScreen("qa", CRITERIA)
        app.push_screen(editor_screen, answers.append)
        await settle(pilot)
        editor = editor_screen.query_one("#grader-editor-text", TextArea)
        editor.move_cursor((0, 0))
        await pilot.press("space")
        await settle(pilot)
        edited = editor.text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmChange)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is editor_screen and editor.text == edited and answers == [None]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is not editor_screen and answers == [None, None]
