"""`tunedeck jobs …` against the sandbox (parser built here until cli.py lists the module)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from store import Store
from tests.jobs.helpers import MODEL, SANDBOX_KEY_ENV, stored_version
from tui.cli import jobs as jobs_command


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tunedeck")
    p.add_argument("--db", type=Path)
    p.add_argument("--profile")
    sub = p.add_subparsers(dest="command")
    jobs_command.register(sub)
    return p


def cli(*argv: str) -> int:
    args = parser().parse_args(list(argv))
    return args.func(args)


def configure(home: Path, sandbox, monkeypatch) -> None:
    monkeypatch.setenv(SANDBOX_KEY_ENV, sandbox.api_key)
    (home / "config.toml").write_text(
        f'default_profile = "sandbox"\npoll_interval_s = 1.0\n[profiles.sandbox]\n'
        f'kind = "sandbox"\nbase_url = "{sandbox.base_url}"\napi_key_env = "{SANDBOX_KEY_ENV}"\n'
    )


def test_create_watch_list_show_cancel(isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "cli.db"
    with Store(db) as store:
        stored_version(store, name="capitals", n=12)
    assert cli("--db", str(db), "jobs", "create", "--dataset", "capitals", "--model", MODEL,
               "--epochs", "0") == 2
    assert "n_epochs" in capsys.readouterr().err
    assert cli("--db", str(db), "jobs", "create", "--dataset", "capitals", "--model", MODEL,
               "--epochs", "2", "--suffix", "cli", "--yes", "--json") == 0
    out = capsys.readouterr()
    assert "Pre-flight" in out.err
    job_id = json.loads(out.out)["id"]
    assert cli("--db", str(db), "jobs", "watch", job_id, "--interval", "0.05") == 0
    watched = capsys.readouterr().out
    assert "successfully completed" in watched and f"{job_id}: succeeded" in watched
    assert cli("--db", str(db), "jobs", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert [j["status"] for j in listed] == ["succeeded"] and listed[0]["step"] == 24
    assert cli("--db", str(db), "jobs", "show", job_id, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["checkpoints"] and shown["result_file"].startswith("step,")
    assert cli("--db", str(db), "jobs", "cancel", job_id, "--yes") == 2
    assert "nothing to cancel" in capsys.readouterr().err


def test_unknown_dataset_is_a_usage_error(isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    assert cli("--db", str(tmp_path / "x.db"), "jobs", "create", "--dataset", "nope",
               "--model", MODEL, "--yes") == 2
    assert "no dataset named 'nope'" in capsys.readouterr().err


def test_watching_a_job_the_provider_forgot_fails_instead_of_polling_forever(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    from tests.jobs.seed import job as seed_job

    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "cli.db"
    with Store(db) as store:
        store.jobs.upsert("sandbox", seed_job(7, "running"))
        remote_id = store.jobs.list("sandbox")[0].remote_id
    code = cli("--db", str(db), "jobs", "watch", remote_id, "--interval", "0.05")
    err = capsys.readouterr().err
    assert code != 0
    assert "retrying" not in err and "not found" in err.lower()
