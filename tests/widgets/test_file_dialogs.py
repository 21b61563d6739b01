"""File dialogs keep what was typed: the import error goes once the path is edited, and a
typo in the eval-file dialog is explained in the dialog instead of closing it."""

from __future__ import annotations

from textual.widgets import Input

from tests.apphelpers import SIZE, make_app, ready, rendered, settle, until, wait_for_group
from tests.evals.test_pane import write_eval
from tui.screens.text_prompt import AskPath


async def test_the_import_error_clears_once_the_path_is_edited(tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        path = form.query_one("#import-path", Input)
        path.value = str(tmp_path / "typo.jsonl")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: form.query_one("#import-error").display)
        assert "does not exist" in " ".join(rendered(form.query_one("#import-error")).split())
        path.value = str(tmp_path / "fixed.jsonl")
        await settle(pilot)
        assert not form.query_one("#import-error").display


async def test_a_typo_in_the_eval_file_dialog_keeps_it_open_with_the_text(tmp_path):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        real = write_eval(tmp_path)
        await pilot.press("o")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, AskPath)
        typed = str(real).replace("echo.eval", "echo.evla")
        dialog.query_one(Input).value = typed
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and dialog.query_one(Input).value == typed
        error = dialog.query_one("#ask-error")
        assert error.display and "does not exist" in " ".join(rendered(error).split())
        # Fixing the typo clears the error, and enter opens the eval.
        dialog.query_one(Input).value = str(real)
        await settle(pilot)
        assert not error.display
        await pilot.press("enter")
        await wait_for_group(pilot, "eval-load")
        assert app.screen is not dialog
        assert [e.name for e in app.store.evals.list()] == ["echo"]
