"""`tunedeck loop`, `tunedeck card` and `tunedeck spend` against the sandbox."""

from __future__ import annotations

import json

from store import Store
from tests.flywheel.helpers import N_ITEMS, capitals_eval
from tests.jobs.helpers import MODEL, SANDBOX_KEY_ENV, stored_version
from tui.cli.main import main


def configure(home, sandbox, monkeypatch, budget: float | None = None) -> None:
    monkeypatch.setenv(SANDBOX_KEY_ENV, sandbox.api_key)
    extra = f"budget_usd = {budget}\n" if budget is not None else ""
    (home / "config.toml").write_text(
        f'default_profile = "sandbox"\npoll_interval_s = 1.0\n[profiles.sandbox]\n'
        f'kind = "sandbox"\nbase_url = "{sandbox.base_url}"\napi_key_env = "{SANDBOX_KEY_ENV}"\n'
        + extra)


def test_loop_start_runs_to_a_comparison_and_the_card_shows_it(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "cli.db"
    with Store(db) as store:
        stored_version(store, name="capitals", n=12)
        capitals_eval(store, tmp_path)
    base = ["--db", str(db), "loop", "start", "--dataset", "capitals", "--eval", "capitals",
            "--model", MODEL, "--epochs", "2", "--poll", "0.05"]
    # Without a terminal to ask on, nothing starts without --yes.
    assert main(base) == 2
    assert "--yes" in capsys.readouterr().err
    assert main([*base, "--yes", "--json"]) == 0
    out = capsys.readouterr()
    assert "Pre-flight" in out.err and "Launched" in out.err
    loop = json.loads(out.out)
    assert loop["stage"] == "done" and [s["state"] for s in loop["stages"]] == ["done"] * 4
    assert len(loop["comparison"]["fail_to_pass"]) == N_ITEMS

    assert main(["--db", str(db), "loop", "list"]) == 0
    listed = capsys.readouterr().out
    # The unconfirmed start left nothing behind (issue 21 item 15): only this loop.
    assert "cancelled" not in listed and listed.startswith("#1 ") and "done" in listed

    model = loop["comparison"]["model"]
    assert main(["--db", str(db), "card", model]) == 0
    card = capsys.readouterr().out
    assert f"base model   {MODEL}" in card and "capitals v1" in card
    assert "Δ +100.0 pp" in card and "[" not in card.split("\n")[0]
    assert main(["--db", str(db), "card", model, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["loop_id"] == loop["id"] and data["runs"][0]["delta"] == 1.0
    out_csv = tmp_path / "lineage.csv"
    assert main(["--db", str(db), "export", "lineage", model, "-o", str(out_csv)]) == 0
    lines = out_csv.read_text().splitlines()
    assert lines[0] == "model,link,ref,detail,status,cost_usd,score,base_score"
    links = [line.split(",")[1] for line in lines[1:]]
    assert links == ["job", "training_data", "eval_run"]
    with Store(db) as store:
        version = store.datasets.versions(store.datasets.get_by_name("capitals").id)[0]
    assert version.content_hash in lines[2] and lines[3].endswith(",1.0,0.0")
    assert main(["--db", str(db), "export", "lineage", "nope"]) == 2
    capsys.readouterr()
    assert main(["--db", str(db), "card", "no-such-model"]) == 2
    assert "nothing in the store" in capsys.readouterr().err

    assert main(["--db", str(db), "spend", "--by", "source", "--json"]) == 0
    spent = json.loads(capsys.readouterr().out)
    assert {t["key"] for t in spent["totals"]} <= {"job", "eval run", "playground"}


def test_loop_start_says_when_the_budget_would_be_passed(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch, budget=0.0)
    db = tmp_path / "cli.db"
    with Store(db) as store:
        stored_version(store, name="capitals", n=12)
        capitals_eval(store, tmp_path)
        # Spend already on the books this month: a playground run that cost 1 cent.
        rid = store.prompts.start_run(profile="sandbox", model=MODEL, input=[])
        store.prompts.finish_run(rid, status="done", output_text="", cost_usd=0.01)
    assert main(["--db", str(db), "loop", "start", "--dataset", "capitals", "--eval",
                 "capitals", "--model", MODEL]) == 2
    out = capsys.readouterr()
    assert "$0.01 of its $0.00 budget" in out.out
    assert "would pass the profile's budget" in out.err
    with Store(db) as store:
        assert store.loops.list() == []  # refused: nothing left behind (issue 21 item 15)
        assert store.jobs.list() == []


def test_loop_resume_and_show_explain_unknown_loops(isolated_home, sandbox, monkeypatch,
                                                     capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "cli.db"
    assert main(["--db", str(db), "loop", "resume", "7"]) == 2
    assert "no loop 7 (loops: none)" in capsys.readouterr().err
    assert main(["--db", str(db), "loop", "list"]) == 0
    assert "No loops yet" in capsys.readouterr().out


def test_eval_run_refuses_past_the_budget_without_yes(isolated_home, sandbox, monkeypatch,
                                                      capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch, budget=0.03)
    db = tmp_path / "cli.db"
    with Store(db) as store:
        eval_row = capitals_eval(store, tmp_path)
        earlier = store.evals.create_run(eval_row.id, model=MODEL, profile="sandbox")
        store.evals.update_run(earlier.id, status="completed", cost_usd=0.02)
    assert main(["--db", str(db), "eval", "run", "capitals", "--model", MODEL]) == 2
    assert "$0.02 of its $0.03 budget" in capsys.readouterr().err
    with Store(db) as store:
        assert len(store.evals.runs(eval_row.id)) == 1
    assert main(["--db", str(db), "eval", "run", "capitals", "--model", MODEL, "--yes"]) == 0
    with Store(db) as store:
        assert len(store.evals.runs(eval_row.id)) == 2
