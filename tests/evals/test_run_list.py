"""The Evals run list at 120×35 and 80×24: each eval a heading with its runs beneath,
fixed column widths fitted to the list, the selected run kept when the list is re-read."""

from __future__ import annotations

import pytest

from store import Store
from tests.apphelpers import make_app, ready, rendered, settle, until
from tui.core.paths import default_db_path

FINE_TUNED = "ft:gpt-4.1-mini-2025-04-14:acme:support:BxYz12"
CRITERIA = [{"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
             "reference": "{{item.answer}}", "operation": "eq"}]


def seed() -> None:
    """Two evals, five finished runs: names, base models and long fine-tuned ids."""
    with Store(default_db_path()) as store:
        for name, runs in (
                ("capitals", [("baseline", "sandbox-small"),
                              ("", "ft:sandbox-small:tunedeck:capitals:7f3a9c"),
                              ("", "sandbox-large")]),
                ("support-qa-from-dataset@3", [("", "gpt-4.1-mini-2025-04-14"),
                                               ("after fine-tune", FINE_TUNED)])):
            ev = store.evals.create(name, testing_criteria=CRITERIA,
                                    data_source_config={"type": "custom"}, source="local")
            for run_name, model in runs:
                run = store.evals.create_run(ev.id, model=model, name=run_name,
                                             status="completed")
                for i in range(8):
                    passed = i % 4 != 0
                    store.evals.record_result(
                        run.id, i, item={"question": f"q{i}", "answer": f"a{i}"},
                        status="pass" if passed else "fail", score=float(passed),
                        sample={"output_text": f"a{i}" if passed else "no idea"}, results=[])
                store.evals.update_run(run.id, result_counts={
                    "total": 8, "passed": 6, "failed": 2, "errored": 0})


async def open_on_run(pilot, key: str = "r4"):
    from tui.widgets.eval_runs import column_widths

    await ready(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = pilot.app.pane("evals")
    table = pane.query_one("#eval-runs-table")
    # The first fill may come before the list has its size; it refits once laid out.
    await until(pilot, lambda: table.size.width > 0 and table.widths == column_widths(
        table.size.width, table.rows_shown))
    table.focus()
    table.move_cursor(row=table.get_row_index(key))
    await settle(pilot)
    return pane, table


@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
async def test_models_and_names_stay_readable_and_the_run_stays_selected(isolated_home, size):
    seed()
    app = make_app()
    async with app.run_test(size=size) as pilot:
        pane, table = await open_on_run(pilot)
        assert pane.selected_run == 4
        widths = [c.width for c in table.columns.values()]
        pane.reload()  # what every finished run, import or sync does
        await settle(pilot)
        assert pane.selected_run == 4 and table.cursor_row == table.get_row_index("r4")
        assert "run 4" in rendered(pane.query_one("#eval-summary"))
        assert [c.width for c in table.columns.values()] == widths
        shown = rendered(table)
        assert "gpt-4.1-mini-2025-04-14" in shown and "75.0%" in shown
        table.move_cursor(row=table.get_row_index("r5"))  # the list scrolls to it at 80×24
        await settle(pilot)
        shown = rendered(table)
        if size[0] >= 120:
            assert "capitals" in shown and "sandbox-small" in shown
            assert FINE_TUNED in shown and "support-qa-from-dataset@3" in shown
        else:  # shortened in the middle: the fine-tune's own suffix stays
            assert "ft:gpt-4.1-min" in shown and ":support:BxYz12" in shown


async def test_a_live_status_does_not_rewiden_the_list(isolated_home):
    from types import SimpleNamespace

    seed()
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        pane, table = await open_on_run(pilot, "r2")
        widths = [c.width for c in table.columns.values()]
        pane.running[2] = (None, None)
        pane._show_live_status(SimpleNamespace(run_id=2, done=3, total=1000, batch={
            "status": "in_progress", "request_counts": {"total": 1000, "completed": 3}}))
        await settle(pilot)
        assert [c.width for c in table.columns.values()] == widths
        assert pane.selected_run == 2
        pane.running.clear()


@pytest.mark.parametrize("size", [(120, 35), (80, 24)])
def test_snapshot_run_list(snap_compare, isolated_home, size):
    seed()

    async def run_before(pilot) -> None:
        await pilot.pause()
        pane, _ = await open_on_run(pilot)
        pane.reload()
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)
