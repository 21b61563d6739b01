"""Playground (2): a hostile prompt answered by the sandbox (its model echoes it), the next
turn, few-shot turns from a hostile dataset, the run history, a hostile prompt name."""

from __future__ import annotations

from tests.apphelpers import make_app, ready, settle, until
from tests.hostile import corpus
from tests.hostile.terminal import (
    assert_shown,
    assert_terminal_clean,
    assert_toast,
    click_everything_hostile,
    recording,
    shows,
)

SIZE = (160, 45)


async def answer_prompt(pilot, prompt_text: str, models: str) -> None:
    from textual.widgets import Input, TextArea

    app = pilot.app
    pane = app.pane("playground")
    pane.query_one("#pg-models", Input).value = models
    pane.query_one("#pg-user", TextArea).text = prompt_text
    await pilot.press("ctrl+r")
    await until(pilot, lambda: app.store.prompts.runs(limit=10)
                and all(r.status != "running" for r in app.store.prompts.runs(limit=10)))
    await settle(pilot)


async def show_column(pilot, table, index: int) -> None:
    """Scroll a wide DataTable so its column `index` starts at the left edge."""
    widths = [column.get_render_width(table) for column in table.columns.values()]
    table.scroll_to(x=sum(widths[:index]), animate=False)
    await settle(pilot)


async def pick_dataset(pilot, name: str, number: str) -> None:
    """f6's form: pick the dataset `name` (its latest version) and type the count."""
    from textual.widgets import Input, Select

    await pilot.press("f6")
    await settle(pilot)
    pilot.app.screen.query_one("#source-dataset", Select).value = name
    pilot.app.screen.query_one("#source-number", Input).value = number
    await settle(pilot)


async def ask(pilot, value: str) -> None:
    """Answer the AskName prompt on screen (typed keys cannot carry an ESC)."""
    pilot.app.screen.query_one("#ask-input").value = value
    await pilot.press("enter")
    await settle(pilot)


async def test_playground_answers_turns_and_names_are_text(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("2")
        await settle(pilot)
        pane = app.pane("playground")
        # sandbox-small echoes the hostile message; a hostile model id fails at the provider,
        # whose error quotes it; the second panel's title is that model id.
        await answer_prompt(pilot, corpus.USER_TEXT, f"sandbox-small, {corpus.MODEL_ID}")
        first, second = pane.query("OutputPanel")
        assert first.text == corpus.USER_TEXT  # the answer, kept exactly
        assert_shown(app, corpus.USER_TEXT, within=first.query_one(".output-text"))
        assert_shown(app, corpus.MODEL_ID, within=second, prefix=12)
        await click_everything_hostile(pilot, [corpus.USER_TEXT, corpus.MODEL_ID], shots)
        # ctrl+n: the hostile answer becomes the assistant turn shown above the message.
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert_shown(app, corpus.USER_TEXT[:60], within=pane.query_one("#pg-turns"))
        # Few-shot turns from a dataset; a version that is not stored is said plainly,
        # with the (hostile) dataset name quoted as data.
        pane.focus()  # (the message box, focused by ctrl+n, takes f6 for itself)
        await pick_dataset(pilot, "hostile-data", "1")
        await pilot.press("enter")
        await settle(pilot)
        assert_shown(app, corpus.ASSISTANT_TEXT[:60], within=pane.query_one("#pg-turns"))
        await click_everything_hostile(pilot, [corpus.ASSISTANT_TEXT], shots)
        # The hostile name (its '@' no version) is picked whole and shown as data in the
        # form; a count the form cannot take is said inline, quoting nothing as markup.
        pane.focus()
        await pick_dataset(pilot, corpus.DATASET_NAME, "0")
        assert_shown(app, corpus.DATASET_NAME, within=app.screen.query_one("#form-hint"),
                     prefix=30)
        await pilot.press("enter")
        await settle(pilot)
        assert_shown(app, "count: a whole number from 1 to",
                     within=app.screen.query_one("#form-error"))
        await pilot.press("escape")
        await settle(pilot)
        # A hostile prompt name: the status line and the toast.
        await pilot.press("ctrl+s")
        await settle(pilot)
        await ask(pilot, corpus.PROMPT_NAME)
        assert_shown(app, corpus.PROMPT_NAME, within=pane.query_one("#pg-status"), prefix=40)
        assert_toast(app, "Saved prompt " + corpus.PROMPT_NAME, prefix=30)
        await click_everything_hostile(pilot, [corpus.PROMPT_NAME], shots)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_history_and_reopened_run_show_hostile_runs(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        table = app.screen.query_one("#history-table")
        assert_shown(app, corpus.MODEL_ID, within=table, prefix=40)
        await show_column(pilot, table, 3)
        assert_shown(app, corpus.PROMPT_NAME, within=table, prefix=20)
        await show_column(pilot, table, 6)
        assert_shown(app, corpus.ASSISTANT_TEXT, within=table, prefix=30)
        await pilot.press("ctrl+d")  # the prompt version's diff: its messages are data
        await settle(pilot)
        assert_shown(app, "v1 is the first version", within=app.screen.query_one("#history-diff"))
        await click_everything_hostile(pilot, [corpus.PROMPT_NAME, corpus.ASSISTANT_TEXT], shots)
        if len(app.screen_stack) == 1:  # a click on the row re-opened the run
            await pilot.press("ctrl+o")
            await settle(pilot)
        await pilot.press("enter")  # re-open the hostile run in the playground
        await settle(pilot)
        pane = app.pane("playground")
        panel = pane.query_one("OutputPanel")
        assert_shown(app, corpus.ASSISTANT_TEXT, within=panel.query_one(".output-text"))
        assert_shown(app, corpus.hostile("runerr"), within=panel.query_one(".output-text"))
        assert_shown(app, corpus.hostile("system")[:40], within=pane.query_one("#pg-system"))
        await click_everything_hostile(pilot, [corpus.ASSISTANT_TEXT, corpus.hostile("runerr")],
                                       shots)
        pane.focus()
        await pilot.press("f11")  # the hostile model's card
        await settle(pilot)
        await until(pilot, lambda: shows(app, "#model-card-detail", "Evaluations"))
        assert_shown(app, corpus.MODEL_ID, within=app.screen.query_one("#model-card-detail"))
        await click_everything_hostile(pilot, [corpus.MODEL_ID], shots)
        assert app.return_code is None
    assert_terminal_clean(app)
