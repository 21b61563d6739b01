"""Evals (3): a hostile eval (its name, grader, items and the model's echoed answers), an
item's drill-down, two runs compared, the grader editor and the model card."""

from __future__ import annotations

from tests.apphelpers import make_app, ready, settle, summed, until
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


async def open_evals(pilot):
    app = pilot.app
    await ready(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = app.pane("evals")
    pane.selected_run = app.store.evals.runs(app.store.evals.list()[0].id)[0].id
    pane.show_run()
    await summed(pilot, pane)
    return pane


async def test_a_hostile_eval_name_does_not_stop_the_app_starting(seeded, shots):
    """An eval named `support QA [/draft]` crashed every start (the summary's markup)."""
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        await ready(pilot)
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        assert app.return_code is None
        assert_shown(app, "support QA [/draft]", within=app.pane("evals").query_one(
            "#eval-summary"))
    assert_terminal_clean(app)


async def test_evals_pane_runs_summary_and_items_are_text(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        pane = await open_evals(pilot)
        summary = pane.query_one("#eval-summary")
        assert_shown(app, corpus.EVAL_NAME, within=summary)
        assert_shown(app, corpus.GRADER_NAME, within=summary)
        assert_shown(app, corpus.EVAL_NAME, within=pane.query_one("#eval-runs-table"),
                     prefix=12)
        items = pane.query_one("#eval-items")
        assert_shown(app, corpus.QUESTION, within=items, prefix=40)  # the echoed answer
        assert_shown(app, corpus.GRADER_NAME[:8], within=items)
        await click_everything_hostile(pilot, [corpus.EVAL_NAME, corpus.GRADER_NAME,
                                               corpus.QUESTION], shots)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_item_drill_down_and_comparison_are_text(seeded, shots):
    from tui.screens.eval_item import EvalItemScreen

    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        pane = await open_evals(pilot)
        run_id = pane.selected_run
        app.push_screen(EvalItemScreen(app.store.evals.result(run_id, 0)))
        await settle(pilot)
        detail = app.screen.query_one("#eval-item-detail")
        assert_shown(app, corpus.QUESTION, corpus.GRADER_NAME, within=detail)
        await click_everything_hostile(pilot, [corpus.QUESTION, corpus.GRADER_NAME], shots)
        app.pop_screen()
        await settle(pilot)
        runs = app.store.evals.runs(app.store.evals.list()[0].id)
        app.open_comparison(runs[0].id, runs[1].id)
        await settle(pilot)
        compare = app.screen.query_one("#eval-compare-detail")
        assert_shown(app, "sandbox-small", "sandbox-large", within=compare)
        assert app.return_code is None
    assert_terminal_clean(app)


async def test_grader_editor_and_reopened_eval_file_are_text(seeded, shots):
    app = recording(make_app())
    async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
        pane = await open_evals(pilot)
        pane.query_one("#eval-items").focus()
        await pilot.press("e")
        await settle(pilot)
        title = app.screen.query_one("#grader-editor-title")
        assert_shown(app, "Graders of " + corpus.EVAL_NAME, within=title, prefix=60)
        assert_shown(app, corpus.GRADER_NAME, within=app.screen.query_one(
            "#grader-editor-check"))
        await pilot.press("ctrl+t")  # try the graders on the selected (hostile) item
        await until(pilot, lambda: shows(app, "#grader-editor-trial", "Tried on"))
        trial = app.screen.query_one("#grader-editor-trial")
        assert_shown(app, corpus.QUESTION[:60], corpus.GRADER_NAME, within=trial)
        await click_everything_hostile(pilot, [corpus.GRADER_NAME, corpus.QUESTION], shots)
        await pilot.press("escape")
        await settle(pilot)
        # The eval file opened again: the toast quotes its hostile name.
        pane.load_file(str(seeded.eval_file))
        await until(pilot, lambda: any("ready: press r" in n.message
                                       for n in app._notifications))
        await settle(pilot)
        assert_toast(app, f"eval {corpus.EVAL_NAME!r} ready", prefix=40)
        assert app.return_code is None
    assert_terminal_clean(app)
