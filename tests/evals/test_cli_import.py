"""`tunedeck eval` (the --json shape, exit codes) and the import of hosted evals."""

from __future__ import annotations

import asyncio
import json

import pytest

from store.store import Store
from tests.evals.helpers import EXACT, TEMPLATE, client, items
from tui.cli import main as cli
from tui.core.evals.importer import import_openai

KEY_ENV = "TUNEDECK_TEST_SANDBOX_KEY"


@pytest.fixture
def eval_file(tmp_path, sandbox, isolated_home, monkeypatch):
    monkeypatch.setenv(KEY_ENV, sandbox.api_key)
    (isolated_home / "config.toml").write_text(
        f'default_profile = "sandbox"\n[profiles.sandbox]\nkind = "sandbox"\n'
        f'base_url = "{sandbox.base_url}"\napi_key_env = "{KEY_ENV}"\nconcurrency = 4\n')
    data = tmp_path / "echo.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in items(6)))
    path = tmp_path / "echo.eval.json"
    path.write_text(json.dumps({"name": "echo", "data": "echo.jsonl", "model": "sandbox-small",
                                "input_messages": TEMPLATE, "testing_criteria": [EXACT]}))
    return path


def test_eval_run_json_shape_and_min_pass_rate(eval_file, tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    code = cli.main(["--db", db, "eval", "run", str(eval_file), "--json",
                     "--min-pass-rate", "0.6"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # 3/6 passed < 0.6
    assert out["result_counts"] == {"total": 6, "errored": 0, "failed": 3, "passed": 3}
    assert out["per_testing_criteria_results"] == [
        {"testing_criteria": "exact", "passed": 3, "failed": 3}]
    assert out["status"] == "completed" and out["model"] == "sandbox-small"
    assert [i["status"] for i in out["items"]] == ["fail", "pass"] * 3
    assert out["items"][1]["results"][0]["passed"] is True
    # By name now (the file was saved), and passing the bar.
    assert cli.main(["--db", db, "eval", "run", "echo", "--min-pass-rate", "0.5"]) == 0
    text = capsys.readouterr().out
    assert "3/6 passed (50.0%)" in text and "exact: 3 passed, 3 failed" in text
    assert cli.main(["--db", db, "eval", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["name"] == "echo" and len(listed[0]["runs"]) == 2
    with Store(db) as store:
        assert len(store.evals.list()) == 1  # the same file is one eval, updated in place


def test_eval_run_rejections(eval_file, tmp_path, capsys):
    db = str(tmp_path / "cli.db")
    assert cli.main(["--db", db, "eval", "run", "nope"]) == 2
    assert "no eval named 'nope'" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "b", "items": [], "testing_criteria": [
        {"type": "string_check", "name": "x", "input": "a", "reference": "b",
         "operation": "is"}]}))
    assert cli.main(["--db", db, "eval", "run", str(bad)]) == 2
    assert "operation must be one of" in capsys.readouterr().err
    assert cli.main(["--db", db, "eval", "run", str(eval_file), "--min-pass-rate", "2"]) == 2


async def _remote_eval(c):
    ev = await c.evals.create(
        name="remote", data_source_config={"type": "custom", "item_schema": {
            "type": "object", "properties": {"q": {"type": "string"}}}},
        testing_criteria=[{"type": "string_check", "name": "eq", "operation": "eq",
                           "input": "{{sample.output_text}}", "reference": "{{item.q}}"}])
    run = await c.evals.runs.create(ev.id, data_source={
        "type": "completions", "model": "sandbox-small",
        "source": {"type": "file_content", "content": [{"item": {"q": f"q {i}"}}
                                                        for i in range(4)]},
        "input_messages": {"type": "template", "template": [{"role": "user",
                                                             "content": "{{item.q}}"}]}})
    for _ in range(200):
        if (await c.evals.runs.retrieve(run.id, eval_id=ev.id)).status == "completed":
            return ev
        await asyncio.sleep(0.02)
    raise AssertionError("the sandbox run did not complete")


async def test_import_is_idempotent(tmp_path, sandbox):
    c = client(sandbox)
    ev = await _remote_eval(c)
    with Store(tmp_path / "i.db") as store:
        first = await import_openai(store, c, "sandbox")
        second = await import_openai(store, c, "sandbox")
        assert (first.evals, first.runs, first.items) == (1, 1, 4)
        assert second.items == 4
        [local] = store.evals.list()
        assert (local.source, local.remote_id) == ("openai", ev.id)
        assert "item_schema" in local.data_source_config or "schema" in local.data_source_config
        [run] = store.evals.runs(local.id)
        assert run.result_counts["passed"] == 4 and store.evals.count_results(run.id) == 4
    await c.close()
