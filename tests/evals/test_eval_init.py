"""`tunedeck eval init`: a commented example that runs as written, and an eval made
from a stored dataset version (its conversations up to the last user turn)."""

from __future__ import annotations

import json

from store import Store
from tests.jobs.helpers import stored_version
from tui.cli.main import main
from tui.core.evals.definition import load
from tui.core.evals.starter import split_conversation
from tui.core.paths import default_db_path


def test_the_example_is_commented_and_runs(isolated_home, tmp_path, capsys):
    path = tmp_path / "first.eval.json"
    assert main(["--sandbox", "eval", "init", str(path)]) == 0
    assert f"tunedeck eval run {path}" in capsys.readouterr().out
    text = path.read_text()
    assert text.count("\n//") + text.count("\n  //") >= 8  # it explains itself
    definition = load(path)
    assert definition.model == "sandbox-small" and len(definition.source["content"]) == 3
    assert main(["--sandbox", "eval", "run", str(path), "--json"]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["status"] == "completed" and run["result_counts"]["total"] == 3
    assert [c["testing_criteria"] for c in run["per_testing_criteria_results"]] == [
        "names the city", "nothing but the city"]
    # Never over what is there, unless asked.
    assert main(["eval", "init", str(path)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["eval", "init", str(path), "--force", "--model", "gpt-4.1-mini"]) == 0
    assert load(path).model == "gpt-4.1-mini"


def test_an_eval_from_a_stored_dataset(isolated_home, tmp_path, capsys):
    with Store(default_db_path()) as store:
        stored_version(store, name="capitals", n=5)
    path = tmp_path / "from-data.eval.json"
    assert main(["--sandbox", "eval", "init", str(path), "--from-dataset", "capitals@1"]) == 0
    assert "5 items from capitals@1" in capsys.readouterr().out
    items = [json.loads(line) for line in
             (tmp_path / "from-data.eval.items.jsonl").read_text().splitlines()]
    assert items[2]["item"] == {
        "messages": [{"role": "user", "content": "What is the capital of country number 2?"}],
        "reference": "The capital of country 2 is City2."}
    definition = load(path)
    assert definition.name == "capitals@1" and definition.model == "sandbox-small"
    assert definition.testing_criteria[0]["reference"] == "{{item.reference}}"
    assert main(["--sandbox", "eval", "run", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["result_counts"]["total"] == 5
    assert main(["eval", "init", "--from-dataset", "nope"]) == 2
    assert "no dataset named 'nope'" in capsys.readouterr().err


def test_conversations_split_at_the_last_answer():
    chat = {"messages": [
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"}, {"role": "user", "content": "and?"},
        {"role": "assistant", "content": "bye"}]}
    assert split_conversation(chat) == (chat["messages"][:4], "bye")
    preference = {"input": {"messages": [{"role": "user", "content": "q"}]},
                  "preferred_output": [{"role": "assistant", "content": "good"}],
                  "non_preferred_output": [{"role": "assistant", "content": "bad"}]}
    assert split_conversation(preference) == ([{"role": "user", "content": "q"}], "good")
    tool_call = {"messages": [{"role": "user", "content": "q"},
                              {"role": "assistant", "tool_calls": [{"id": "1"}]}]}
    assert split_conversation(tool_call) is None
    assert split_conversation({"messages": [{"role": "assistant", "content": "a"}]}) is None
    assert split_conversation(["not", "a", "row"]) is None


def test_comment_lines_do_not_break_line_numbers(tmp_path):
    path = tmp_path / "bad.eval.json"
    path.write_text('// a comment\n{"name": "x",\n  // another\n  "items": [}\n')
    try:
        load(path)
    except ValueError as exc:
        assert "line 4" in str(exc)
    else:
        raise AssertionError("a broken file must not load")


async def test_the_empty_evals_pane_names_eval_init(isolated_home):
    from tests.apphelpers import SIZE, make_app, ready, rendered, settle
    from tui.panes.base import EmptyState

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("3")
        await settle(pilot)
        shown = rendered(app.pane("evals").query_one(EmptyState))
        assert "tunedeck eval init" in shown and "--from-dataset NAME" in shown


def test_the_readme_example_loads(tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = re.search(r"### An eval file\n.*?```json\n(.*?)```", readme, re.S).group(1)
    path = tmp_path / "readme.eval.json"
    path.write_text(block)
    assert load(path).testing_criteria[0]["reference"] == "{{item.answer}}"
