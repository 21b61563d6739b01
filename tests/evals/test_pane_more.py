"""Pilot tests of the evals pane's batch runs, multi-model runs, item selection, grader editor."""

from __future__ import annotations

import json

import pytest

from tests.apphelpers import SIZE, ready, rendered, sandbox_app, settle, wait_for_group
from tests.evals.test_pane import wait_runs_done, write_eval


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    from tui.panes.evals import EvalsPane

    # Quick, but not so quick that the app is never idle: Pilot's pause() waits for a lull
    # in CPU use, and 50 polls a second against a sandbox that answers in a millisecond
    # kept it waiting for seconds while the batch it watched ran to its end.
    monkeypatch.setattr(EvalsPane, "batch_poll_s", 0.2)


async def open_eval(pilot, tmp_path, n=6):
    app = pilot.app
    await ready(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = app.pane("evals")
    pane.load_file(str(write_eval(tmp_path, n)))
    await wait_for_group(pilot, "eval-load")
    [ev] = app.store.evals.list()
    pane.selected_eval = ev.id
    return pane, ev


async def wait_until(pilot, check, tries=400):
    for _ in range(tries):
        await pilot.pause(0.02)
        if check():
            return True
    return False


async def answer(pilot, text: str) -> None:
    pilot.app.screen.query_one("Input").value = text
    await pilot.press("enter")
    await settle(pilot)


def runs_column(pane, column="status"):
    table = pane.query_one("#eval-runs-table")
    return [str(table.get_cell(row, column)) for row in table.rows if row.value.startswith("r")]


async def test_b_runs_the_eval_through_the_batch_api_with_its_progress_shown(
        sandbox, monkeypatch, isolated_home, tmp_path):
    from tui.sandbox import batch_runner

    monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 50.0)  # 1 s a request: watchable
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane, ev = await open_eval(pilot, tmp_path)
        await pilot.press("b")
        await settle(pilot)
        assert "Batch API" in rendered(app.screen.query_one("Static"))
        await answer(pilot, "sandbox-small")
        [run] = app.store.evals.runs(ev.id)
        assert run.data_source["mode"] == "batch"

        def answered_some():
            state = app.store.evals.run(run.id).data_source.get("batch") or {}
            return (state.get("request_counts") or {}).get("completed", 0) >= 1

        assert await wait_until(pilot, answered_some)
        await settle(pilot)
        assert runs_column(pane)[0].startswith("batch ")
        assert runs_column(pane)[0].endswith("/6 in_progress")
        summary = rendered(pane.query_one("#eval-summary"))
        assert "batch in_progress · " in summary and "/6 answered" in summary
        assert pane.query_one("#eval-progress").display
        monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 0.1)
        await wait_runs_done(pilot, pane)
        run = app.store.evals.run(run.id)
        assert run.status == "completed"
        assert run.result_counts == {"total": 6, "passed": 3, "failed": 3, "errored": 0}
        assert "batch completed · 6/6 answered" in rendered(pane.query_one("#eval-summary"))
        assert runs_column(pane) == ["completed"]


async def test_b_explains_a_profile_without_the_batch_api(sandbox, monkeypatch, isolated_home,
                                                          tmp_path):
    from tui.core.config import Capability

    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane, ev = await open_eval(pilot, tmp_path)
        app.profile.capabilities = frozenset({Capability.CHAT})
        await pilot.press("b")
        await settle(pilot)
        assert app.screen is app.screen_stack[0]  # no prompt: nothing to run
        assert any("has no Batch API" in n.message for n in app._notifications)
        assert app.store.evals.runs(ev.id) == []


async def test_a_restart_with_a_batch_in_flight_resumes_polling_it(sandbox, monkeypatch,
                                                                  isolated_home, tmp_path):
    from store.store import Store
    from tests.evals.helpers import client
    from tui.core.evals import definition as defs
    from tui.core.evals import service
    from tui.core.evals.batch import BatchEvalRunner
    from tui.core.paths import home_dir

    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    # A previous session created the batch, then quit while it ran.
    with Store(home_dir() / "tunedeck.db") as store:
        eval_row = defs.save_to_store(store, defs.load(write_eval(tmp_path)))
        run = service.new_run(store, eval_row, defs.from_store(eval_row),
                              model="sandbox-small", profile="sandbox", batch=True)
        c = client(sandbox)
        await BatchEvalRunner(store, run.id, client=c)._submit()
        batch_id = store.evals.run(run.id).data_source["batch"]["id"]
        store.evals.update_run(run.id, status="in_progress")
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        pane = app.pane("evals")
        assert await wait_until(pilot, lambda: app.store.evals.run(run.id).status
                                == "completed")
        await wait_runs_done(pilot, pane)
        assert app.store.evals.count_results(run.id) == 6
    assert [b.id for b in (await c.batches.list()).data] == [batch_id]
    await c.close()


async def test_several_models_at_once_one_run_each(sandbox, monkeypatch, isolated_home,
                                                   tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane, ev = await open_eval(pilot, tmp_path)
        await pilot.press("r")
        await settle(pilot)
        await answer(pilot, "sandbox-small, sandbox-large")
        runs = app.store.evals.runs(ev.id)
        assert [r.model for r in runs] == ["sandbox-small", "sandbox-large"]
        await wait_runs_done(pilot, pane)
        runs = app.store.evals.runs(ev.id)
        assert [r.status for r in runs] == ["completed", "completed"]
        assert [r.result_counts["total"] for r in runs] == [6, 6]
        assert runs[0].result_counts["passed"] == 3 and runs[1].result_counts["passed"] == 0
        assert runs_column(pane, "model") == ["sandbox-small", "sandbox-large"]
        assert runs_column(pane) == ["completed", "completed"]


def test_live_status_shows_the_batch_then_the_items():
    from types import SimpleNamespace

    from tui.widgets.eval_runs import live_status

    waiting = SimpleNamespace(done=0, total=6, batch={
        "status": "in_progress", "request_counts": {"total": 6, "completed": 2, "failed": 0}})
    assert live_status(waiting) == "batch 2/6 in_progress"
    assert live_status(SimpleNamespace(done=0, total=6, batch={"status": "validating"})) \
        == "batch validating"
    grading = SimpleNamespace(done=4, total=6, batch={"status": "completed"})
    assert live_status(grading) == "running 4/6"
    assert live_status(SimpleNamespace(done=1, total=None, batch=None)) == "running 1/?"


async def test_space_selects_items_and_t_turns_only_those_into_data(sandbox, monkeypatch,
                                                                   isolated_home, tmp_path):
    from tui.core.dataset_versions import latest_version, version_lines

    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane, ev = await open_eval(pilot, tmp_path)
        pane.start_run(ev.id, "sandbox-small")
        await wait_runs_done(pilot, pane)
        [run] = app.store.evals.runs(ev.id)
        pane.selected_run = run.id
        pane.action_cycle_filter()
        pane.action_cycle_filter()  # fail: items 0, 2, 4
        await settle(pilot)
        items = pane.query_one("#eval-items")
        items.focus()
        await pilot.press("space", "down", "space")  # 0, then (2 skipped) 4
        await settle(pilot)
        assert pane.selected_items[run.id] == {0, 4}
        assert "● 0" in rendered(items) and "● 4" in rendered(items)
        assert "2 items selected" in rendered(pane.query_one("#eval-summary"))
        await pilot.press("up", "space", "up", "space")  # 2 selected, then unselected again
        await settle(pilot)
        assert pane.selected_items[run.id] == {0, 4}
        await pilot.press("t")
        await settle(pilot)
        assert "2 selected" in rendered(app.screen.query_one("Static"))
        await answer(pilot, "fixes")
        lines = [json.loads(x) for x in version_lines(app.store,
                                                      latest_version(app.store, "fixes").id)]
        asked = [line["messages"][-2]["content"] for line in lines]
        assert asked == ["question 0", "question 4"]
        assert all(line["messages"][-1] == {"role": "assistant", "content": "other"}
                   for line in lines)
        assert run.id not in pane.selected_items  # used up
        # Nothing selected: t takes every failure, as before.
        # The form: a name is needed (said inline), the kind is picked, not typed.
        await pilot.press("t")
        await settle(pilot)
        await answer(pilot, " ")
        assert "dataset: a name is needed" in rendered(app.screen.query_one("#form-error"))
        app.screen.query_one("#to-data-name").value = "fixes"
        await settle(pilot)
        assert "adds a new version of fixes after v1" in " ".join(
            rendered(app.screen.query_one("#form-hint")).split())
        await pilot.click("#to-data-dpo")
        app.screen.query_one("#to-data-name").value = "all-fails"
        await pilot.press("ctrl+s")  # (enter on the kinds would pick one)
        await settle(pilot)
        lines = [json.loads(x) for x in version_lines(
            app.store, latest_version(app.store, "all-fails").id)]
        assert [line["input"]["messages"][-1]["content"] for line in lines] == [
            "question 0", "question 2", "question 4"]


GOOD = {"type": "string_check", "name": "loose", "input": "{{sample.output_text}}",
        "reference": "{{item.reference}}", "operation": "ilike"}


async def open_editor(pilot, pane):
    from textual.widgets import TextArea

    await pilot.press("e")
    await settle(pilot)
    return pilot.app.screen, pilot.app.screen.query_one("#grader-editor-text", TextArea)


async def test_grader_editor_validates_as_you_type_and_saves(sandbox, monkeypatch,
                                                             isolated_home, tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane, ev = await open_eval(pilot, tmp_path)
        screen, editor = await open_editor(pilot, pane)
        check = screen.query_one("#grader-editor-check")
        assert json.loads(editor.text) == ev.testing_criteria
        assert "✓ 1 grader ok: exact" in rendered(check)
        editor.text = json.dumps([{**GOOD, "operation": "similar"}], indent=2)
        await settle(pilot)
        assert "testing_criteria[0].operation" in rendered(check)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # refused
        assert app.store.evals.get(ev.id).testing_criteria == ev.testing_criteria
        editor.text = '[{"type": "string_check",'
        await settle(pilot)
        assert "line 1, column" in rendered(check)
        editor.text = json.dumps([{"type": "multi", "name": "m", "graders": {
            "f": {**GOOD, "type": "text_similarity", "evaluation_metric": "nope",
                  "pass_threshold": 0.5}}, "calculate_output": "f"}])
        await settle(pilot)
        assert "testing_criteria[0].graders.f.evaluation_metric" in rendered(check)
        # Typing, key by key, into a valid text keeps the check current.
        editor.text = json.dumps([GOOD], indent=2)
        await settle(pilot)
        assert "✓ 1 grader ok: loose" in rendered(check)
        editor.move_cursor((0, 0))
        await pilot.press("x")
        await settle(pilot)
        assert "line 1, column 1" in rendered(check)
        await pilot.press("backspace")
        await settle(pilot)
        assert "✓ 1 grader ok" in rendered(check)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not screen
        assert app.store.evals.get(ev.id).testing_criteria == [GOOD]
        # The next run grades with the saved criteria.
        pane.start_run(ev.id, "sandbox-small")
        await wait_runs_done(pilot, pane)
        [run] = app.store.evals.runs(ev.id)
        assert run.result_counts["passed"] == 3
        assert app.store.evals.result(run.id, 1).results[0]["name"] == "loose"


async def test_grader_editor_tries_the_graders_on_one_item(sandbox, monkeypatch,
                                                           isolated_home, tmp_path):
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane, ev = await open_eval(pilot, tmp_path)
        # No run yet: the first item is sampled from the eval's model, then graded.
        screen, editor = await open_editor(pilot, pane)
        await pilot.press("ctrl+t")
        await wait_for_group(pilot, "grader-try")
        trial = rendered(screen.query_one("#grader-editor-trial"))
        assert "Tried on item 0 (sampled now" in trial
        assert "output question 0" in trial
        assert "exact (string_check): fail · score 0.000" in trial
        assert app.store.evals.runs(ev.id) == []  # a try records nothing
        await pilot.press("escape")  # closes the editor, even from inside the text
        await settle(pilot)
        assert app.screen is not screen
        # With a run: the selected item's own sample, and a model grader's reasoning.
        pane.start_run(ev.id, "sandbox-small")
        await wait_runs_done(pilot, pane)
        items = pane.query_one("#eval-items")
        items.focus()
        await pilot.press("down")
        await settle(pilot)
        screen, editor = await open_editor(pilot, pane)
        editor.text = json.dumps([GOOD, {
            "type": "score_model", "name": "judge", "model": "sandbox-small",
            "input": [{"role": "user", "content": "0.75"}], "pass_threshold": 0.5}])
        await settle(pilot)
        await pilot.press("ctrl+t")
        await wait_for_group(pilot, "grader-try")
        trial = rendered(screen.query_one("#grader-editor-trial"))
        assert "Tried on item 1 of run" in trial and "sampled now" not in trial
        assert "loose (string_check): pass · score 1.000" in trial
        assert "judge (score_model): pass · score 0.750" in trial
        # A grader that cannot run says why, in the editor.
        editor.text = json.dumps([{**GOOD, "type": "python", "source": "def grade(s, i):\n"
                                   "    return 1 / 0"}])
        await settle(pilot)
        await pilot.press("ctrl+t")
        await wait_for_group(pilot, "grader-try")
        trial = rendered(screen.query_one("#grader-editor-trial"))
        assert "loose (python):" in trial and "ZeroDivisionError" in trial


async def test_quitting_with_a_batch_in_flight_leaves_it_running_to_resume(
        sandbox, monkeypatch, isolated_home, tmp_path):
    from store.store import Store
    from tests.evals.helpers import client
    from tui.core.paths import home_dir
    from tui.sandbox import batch_runner

    monkeypatch.setattr(batch_runner, "REQUEST_SECONDS", 1e6)
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        pane, ev = await open_eval(pilot, tmp_path)
        [run_id] = pane.start_runs(ev.id, "sandbox-small", batch=True)
        assert await wait_until(pilot, lambda: (app.store.evals.run(run_id).data_source.get(
            "batch") or {}).get("status") == "in_progress")
    # The app closed without waiting for the batch, and without cancelling it: the run's
    # thread let go at once.
    import asyncio

    for _ in range(100):
        if not pane.running:
            break
        await asyncio.sleep(0.05)
    assert not pane.running
    with Store(home_dir() / "tunedeck.db") as store:
        run = store.evals.run(run_id)
        assert run.status == "in_progress" and store.evals.count_results(run_id) == 0
    c = client(sandbox)
    [batch] = (await c.batches.list()).data
    await c.close()
    assert batch.status == "in_progress"
