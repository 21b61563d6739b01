"""`tunedeck eval run E --prompt NAME@N`: any eval with any saved prompt version."""

from __future__ import annotations

import json

from store import Store
from tests.optimize.helpers import MODEL, SEED_SYSTEM, capitals_eval, configure, seed_prompt
from tui.cli.main import main
from tui.engines.directives import LAST_WORD, UPPER


def test_an_eval_runs_with_the_prompt_version_named_and_the_run_records_it(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "t.db"
    with Store(db) as store:
        seed_prompt(store)
        repaired = store.prompts.save("capitals", [
            {"role": "system", "content": f"{SEED_SYSTEM} {LAST_WORD} {UPPER}"},
            {"role": "user", "content": "{{item.question}}"}])
        capitals_eval(store, n=5)
    base = ["--db", str(db), "eval", "run", "capitals-upper", "--model", MODEL, "--json"]
    assert main([*base, "--prompt", "capitals@1"]) == 0
    assert json.loads(capsys.readouterr().out)["pass_rate"] == 0.0
    assert main([*base, "--prompt", "capitals", "--min-pass-rate", "1"]) == 0  # the latest
    run = json.loads(capsys.readouterr().out)
    assert run["pass_rate"] == 1.0 and run["items"][0]["output_text"] == "PARIS"
    with Store(db) as store:
        assert store.evals.run(run["id"]).prompt_version_id == repaired.id
    assert main([*base, "--prompt", "capitals@3"]) == 2
    assert "prompt 'capitals' has no version 3" in capsys.readouterr().err
    with Store(db) as store:
        store.prompts.save("system-only", [{"role": "system", "content": "Hi."}])
    assert main([*base, "--prompt", "system-only"]) == 2
    assert "no user message" in capsys.readouterr().err
