"""`t` (failures → data) takes the answer from what the eval's graders compare with
(`{{item.answer}}`), not from an item field that has to be named `reference`."""

from __future__ import annotations

import json

from tests.apphelpers import SIZE, ready, sandbox_app, settle, wait_for_group
from tests.evals.test_pane import wait_runs_done
from tests.evals.test_pane_more import answer
from tui.core.evals.failures_to_data import reference_template

TEMPLATE = {"type": "template", "template": [{"role": "user", "content": "{{item.question}}"}]}


def write_eval(tmp_path, criteria, rows):
    path = tmp_path / "answers.eval.json"
    path.write_text(json.dumps({"name": "answers", "model": "sandbox-small", "items": rows,
                                "input_messages": TEMPLATE, "testing_criteria": criteria}))
    return path


async def run_and_press_t(pilot, tmp_path, criteria, rows, name="fixes"):
    app = pilot.app
    await ready(pilot)
    await pilot.press("3")
    await settle(pilot)
    pane = app.pane("evals")
    pane.load_file(str(write_eval(tmp_path, criteria, rows)))
    await wait_for_group(pilot, "eval-load")
    [ev] = app.store.evals.list()
    pane.start_run(ev.id, "sandbox-small")
    await wait_runs_done(pilot, pane)
    pane.selected_run = app.store.evals.runs(ev.id)[0].id
    app.clear_notifications()
    await pilot.press("t")
    await settle(pilot)
    await answer(pilot, name)
    return [n.message for n in app._notifications]


ANSWER_CHECK = {"type": "string_check", "name": "exact", "operation": "eq",
                "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}
ROWS = [{"item": {"question": f"q{i}", "answer": f"a{i}"}} for i in range(3)]


async def test_t_uses_the_graders_reference_field(sandbox, monkeypatch, isolated_home, tmp_path):
    from tui.core.dataset_versions import latest_version, version_lines

    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        said = await run_and_press_t(pilot, tmp_path, [ANSWER_CHECK], ROWS)
        assert any("3 lines added" in s for s in said), said
        lines = [json.loads(x) for x in version_lines(app.store,
                                                      latest_version(app.store, "fixes").id)]
        assert [line["messages"] for line in lines] == [
            [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]
            for i in range(3)]


async def test_t_says_which_field_it_needs(sandbox, monkeypatch, isolated_home, tmp_path):
    python = {"type": "python", "name": "py", "source": "def grade(sample, item):\n  return 0\n"}
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        said = await run_and_press_t(pilot, tmp_path, [python], ROWS)
        assert any("{{item.answer}}" in s and "'reference' field" in s for s in said), said
        assert app.store.datasets.list() == []


async def test_t_names_the_field_that_is_empty(sandbox, monkeypatch, isolated_home, tmp_path):
    rows = [{"item": {"question": f"q{i}"}} for i in range(2)]
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        said = await run_and_press_t(pilot, tmp_path, [ANSWER_CHECK], rows)
        assert any("no failing item has a value for item.answer" in s for s in said), said


def test_the_reference_comes_from_comparing_graders_only():
    ne = {**ANSWER_CHECK, "operation": "ne", "reference": "{{item.wrong}}"}
    similar = {"type": "text_similarity", "name": "s", "evaluation_metric": "bleu",
               "pass_threshold": 0.5, "input": "{{sample.output_text}}",
               "reference": "{{item.gold}}"}
    assert reference_template([ne, similar]) == "{{item.gold}}"
    multi = {"type": "multi", "name": "m", "calculate_output": "a",
             "graders": {"a": {**ANSWER_CHECK, "reference": "{{item.target}}"}}}
    assert reference_template([multi]) == "{{item.target}}"
    literal = {**ANSWER_CHECK, "reference": "yes"}
    assert reference_template([literal]) is None


async def test_the_export_default_is_where_datasets_export_too(sandbox, monkeypatch,
                                                               isolated_home, tmp_path):
    # Issue 21 item 17: datasets offered ./export.jsonl, eval runs $TUNEDECK_HOME/eval-run-N.csv.
    from textual.widgets import Input

    from tui.core.paths import export_path, safe_file_name

    monkeypatch.chdir(tmp_path)
    app = sandbox_app(sandbox, monkeypatch, isolated_home)
    async with app.run_test(size=SIZE) as pilot:
        await run_and_press_t(pilot, tmp_path, [ANSWER_CHECK], ROWS)
        pane = app.pane("evals")
        pane.query_one("#eval-items").focus()
        await pilot.press("w")
        await settle(pilot)
        offered = app.screen.query_one(Input).value
        run_id = pane.selected_run
        assert offered == str(tmp_path / f"answers-run-{run_id}.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert len((tmp_path / f"answers-run-{run_id}.csv").read_text().splitlines()) == 4
    assert safe_file_name("../etc/x y") == "etc-x-y"
    assert export_path("support@2", ".jsonl") == tmp_path / "support@2.jsonl"
