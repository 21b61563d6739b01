"""Pilot and snapshot tests of the evals pane against the sandbox."""

from __future__ import annotations

import json

import pytest
from textual.widgets import Input

from tests.apphelpers import SIZE, ready, rendered, sandbox_app, settle, summed
from tests.evals.helpers import EXACT, TEMPLATE, items


def write_eval(tmp_path, n=6):
    data = tmp_path / "echo.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in items(n)))
    path = tmp_path / "echo.eval.json"
    path.write_text(json.dumps({"name": "echo", "data": "echo.jsonl", "model": "sandbox-small",
                                "input_messages": TEMPLATE, "testing_criteria": [EXACT]}))
    return path


async def wait_runs_done(pilot, pane):
    for _ in range(400):
        await pilot.pause(0.02)
        if not pane.running and all(
                r.status not in ("queued", "in_progress")
                for e in pane.tunedeck.store.evals.list()
                for r in pane.tunedeck.store.evals.runs(e.id)):
            break
    await settle(pilot)


async def open_eval_file(pilot, path):
    """Evals pane, `o`, the file's path: the pane, once the eval is stored."""
    app = pilot.app
    await ready(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = app.pane("evals")
    await pilot.press("o")
    await pilot.pause()
    # Set, not typed: Pilot takes 60-80 ms a key, six of a test's nine seconds for a tmp
    # path (the dialog keeps up with typing: a 10 ms timer's p95 lag was 1 ms).
    pilot.app.screen.query_one("#ask-input", Input).value = str(path)
    await pilot.press("enter")
    for _ in range(100):
        await pilot.pause(0.02)
        if app.store.evals.list():
            break
    await settle(pilot)
    return pane


async def run_twice(pilot, tmp_path):
    app = pilot.app
    pane = await open_eval_file(pilot, write_eval(tmp_path))
    await pilot.press("r")
    await pilot.pause()
    await pilot.press("enter")  # the file's model, sandbox-small
    await wait_runs_done(pilot, pane)
    # A second run: sandbox-large reverses the words, so the passing items now fail.
    eval_id = app.store.evals.list()[0].id
    pane.start_run(eval_id, "sandbox-large")
    await wait_runs_done(pilot, pane)
    # Latency is the one measure that differs between runs of the test: pin it.
    app.store.db.execute("UPDATE eval_results SET latency_ms = 100")
    # A write the app never makes to finished runs: the summaries made before it go.
    pane._summaries.clear()
    app.clear_notifications()
    return pane


async def test_open_run_filter_drill_and_compare(sandbox, monkeypatch, isolated_home, tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await run_twice(pilot, tmp_path)
        store = app.store
        [ev] = store.evals.list()
        first, second = store.evals.runs(ev.id)
        assert first.status == second.status == "completed"
        assert first.result_counts == {"total": 6, "passed": 3, "failed": 3, "errored": 0}
        pane.selected_run = first.id
        pane.show_run()
        await summed(pilot, pane)
        summary = rendered(pane.query_one("#eval-summary"))
        assert "3/6 passed (50.0%)" in summary and "exact: 50.0% pass" in summary
        pane.action_cycle_filter()  # pass
        pane.action_cycle_filter()  # fail
        await settle(pilot)
        table = pane.query_one("#eval-items")
        assert table.row_count == 3
        table.focus()
        await pilot.press("enter")
        await settle(pilot)
        detail = rendered(app.screen.query_one("#eval-item-detail"))
        assert "Item 0" in detail and "question 0" in detail and "exact (string_check): fail" \
            in detail
        await pilot.press("escape")
        pane.marked_run = first.id
        pane.selected_run = second.id
        pane.action_compare()
        await settle(pilot)
        text = rendered(app.screen.query_one("#eval-compare-detail"))
        assert "pass → fail" in text and "McNemar" in text


def test_snapshot_compare_two_runs(snap_compare, sandbox, monkeypatch, isolated_home, tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)

    async def run_before(pilot) -> None:
        await pilot.pause()
        pane = await run_twice(pilot, tmp_path)
        runs = pane.tunedeck.store.evals.runs(pane.tunedeck.store.evals.list()[0].id)
        pane.marked_run, pane.selected_run = runs[0].id, runs[1].id
        pane.reload()
        pane.action_compare()
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize("filter_presses", [0, 2])
def test_snapshot_results(snap_compare, sandbox, monkeypatch, isolated_home, tmp_path,
                          filter_presses):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)

    async def run_before(pilot) -> None:
        await pilot.pause()
        pane = await run_twice(pilot, tmp_path)
        runs = pane.tunedeck.store.evals.runs(pane.tunedeck.store.evals.list()[0].id)
        pane.selected_run = runs[0].id
        for _ in range(filter_presses):
            pane.action_cycle_filter()
        pane.reload()
        await summed(pilot, pane)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_a_saved_playground_prompt_becomes_the_evals_prompt(sandbox, monkeypatch,
                                                                 isolated_home, tmp_path):
    from tests.apphelpers import wait_for_group

    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        app.store.prompts.save("quiz", [{"role": "system", "content": "Be terse."},
                                        {"role": "user", "content": "Quiz: {{question}}"}])
        version = app.store.prompts.save("quiz", [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": "Quiz time: {{question}}"}])
        await pilot.press("3")
        await settle(pilot)
        pane = app.pane("evals")
        pane.load_file(str(write_eval(tmp_path)))
        await wait_for_group(pilot, "eval-load")
        [ev] = app.store.evals.list()
        pane.selected_eval = ev.id
        await pilot.press("p")  # p switches the profile here as in every other pane
        await settle(pilot)
        from tui.screens.profiles import ProfileScreen

        assert isinstance(app.screen, ProfileScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("P")  # P: a saved prompt, picked, then its version (the latest)
        await settle(pilot)
        versions = app.screen.query_one("#prompt-pick-versions")
        assert [str(versions.get_option_at_index(i).prompt).split()[:2]
                for i in range(versions.option_count)] == [["v2", "(latest)"], ["v1", "Be"]]
        await pilot.press("enter", "enter")
        await settle(pilot)
        ev = app.store.evals.get(ev.id)
        assert ev.prompt_version_id == version.id
        assert ev.input_messages["template"][-1] == {"role": "user",
                                                     "content": "Quiz time: {{question}}"}
        pane.start_run(ev.id, "sandbox-small")
        await wait_runs_done(pilot, pane)
        [run] = app.store.evals.runs(ev.id)
        first = app.store.evals.page_results(run.id, limit=1)[0]
        assert "Quiz time: question 0" in json.dumps(first.sample)


async def test_an_empty_model_answer_runs_on_the_items_own_samples(sandbox, monkeypatch,
                                                                    isolated_home, tmp_path):
    # The prompt offers "empty: the items' own samples", but an empty enter was ignored.
    from textual.widgets import Input

    rows = [{"item": {"question": f"q{i}", "reference": "yes"},
             "sample": {"output_text": "yes" if i % 2 else "no"}} for i in range(4)]
    data = tmp_path / "samples.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    path = tmp_path / "samples.eval.json"
    path.write_text(json.dumps({"name": "samples", "data": "samples.jsonl",
                                "testing_criteria": [EXACT]}))
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await open_eval_file(pilot, path)
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one(Input).value = ""
        await pilot.press("enter")
        await wait_runs_done(pilot, pane)
        [ev] = app.store.evals.list()
        [run] = app.store.evals.runs(ev.id)
        assert run.model is None and run.status == "completed"
        assert run.result_counts["passed"] == 2


async def test_the_run_list_shows_each_runs_pass_rate_at_the_default_size(
        sandbox, monkeypatch, isolated_home, tmp_path):
    # A run is named after its model by default; shown twice (run and model
    # columns), the names pushed the pass rate out of the list at 120 columns.
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane = await run_twice(pilot, tmp_path)
        [ev] = app.store.evals.list()
        first, second = app.store.evals.runs(ev.id)
        pane.reload()
        await settle(pilot)
        text = rendered(pane.query_one("#eval-runs-table"))
        assert "50.0%" in text and "0.0%" in text
        assert f"#{first.id}" in text and f"#{second.id}" in text


def test_run_labels_and_long_model_ids_are_short():
    from tui.widgets.eval_runs import run_label, short_model

    assert run_label("sandbox-small", "sandbox-small", 3) == "#3"
    assert run_label("samples", None, 4) == "#4"
    assert run_label("baseline", "sandbox-small", 5) == "baseline"
    fine_tuned = "ft:sandbox-small:tunedeck:support:0123abcd"
    assert len(short_model(fine_tuned)) == 24 and short_model(fine_tuned).endswith("0123abcd")
    assert short_model("sandbox-small") == "sandbox-small" and short_model(None) == "-"


async def test_i_focuses_the_items_table_in_one_key(isolated_home):
    """From the freshly opened pane with a run, one key reaches the items (issue 21,
    item 20): tabbing there took two to four presses."""
    from tests.apphelpers import make_app
    from tests.evals.helpers import make_run

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        make_run(app.store, 3)
        await pilot.press("3")
        await settle(pilot)
        pane = app.pane("evals")
        assert pane.selected_run is not None
        assert app.focused is not pane.query_one("#eval-items")
        await pilot.press("i")
        await settle(pilot)
        assert app.focused is pane.query_one("#eval-items")
