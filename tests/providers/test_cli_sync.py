"""`tunedeck sync --only jobs` and `tunedeck jobs list --json` on Together and Fireworks:
jobs a user made with the provider's own SDK show up in the store (headless, real sandbox)."""

from __future__ import annotations

import json
import time

import pytest

from store import Store
from tests.jobs.helpers import MODEL, sft_lines
from tests.providers.helpers import FIREWORKS_BASE, KEY_ENV
from tui.cli import main as cli

pytest.importorskip("together")
pytest.importorskip("fireworks")


def configure(home, sandbox, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, sandbox.api_key)
    root = sandbox.root_url
    (home / "config.toml").write_text(
        'default_profile = "tg"\npoll_interval_s = 1.0\n'
        f'[profiles.tg]\nkind = "together"\nbase_url = "{root}/together"\n'
        f'api_key_env = "{KEY_ENV}"\n'
        f'[profiles.fw]\nkind = "fireworks"\nbase_url = "{root}/fireworks"\n'
        f'api_key_env = "{KEY_ENV}"\naccount = "acme"\n')


def wait(check, what: str):
    for _ in range(1200):
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not finish")


def together_job(sandbox, tmp_path) -> str:
    from together import Together

    client = Together(base_url=f"{sandbox.root_url}/together", api_key=sandbox.api_key)
    path = tmp_path / "tg.jsonl"
    path.write_text("".join(f"{line}\n" for line in sft_lines(12)))
    file = client.files.upload(file=path, purpose="fine-tune")
    job = client.fine_tuning.create(training_file=file.id, model=MODEL, n_epochs=2,
                                    train_on_inputs="auto")
    wait(lambda: client.fine_tuning.retrieve(job.id).status == "completed", "the Together job")
    client.close()
    return job.id


def fireworks_job(sandbox) -> str:
    from fireworks import Fireworks

    client = Fireworks(base_url=f"{sandbox.root_url}/fireworks", api_key=sandbox.api_key,
                       account_id="acme")
    data = "".join(f"{line}\n" for line in sft_lines(12)).encode()
    client.datasets.create(dataset_id="mine", dataset={"example_count": "12"})
    client.datasets.upload("mine", file=("mine.jsonl", data))
    job = client.supervised_fine_tuning_jobs.create(dataset="accounts/acme/datasets/mine",
                                                    base_model=FIREWORKS_BASE, epochs=2)
    short = job.name.rsplit("/", 1)[-1]
    wait(lambda: client.supervised_fine_tuning_jobs.get(short).state == "JOB_STATE_COMPLETED",
         "the Fireworks job")
    client.close()
    return job.name


def test_jobs_made_with_each_sdk_are_listed_after_a_sync(isolated_home, sandbox, monkeypatch,
                                                         tmp_path, capsys):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "cli.db"
    made = {"tg": together_job(sandbox, tmp_path), "fw": fireworks_job(sandbox)}
    for profile, remote_id in made.items():
        assert cli.main(["--db", str(db), "jobs", "list", "--profile", profile, "--json"]) == 0
        assert json.loads(capsys.readouterr().out) == []  # nothing in the store yet
        assert cli.main(["--db", str(db), "sync", "--only", "jobs", "--profile", profile,
                         "--json"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["jobs"]["seen"] == summary["jobs"]["added"] == 1
        assert summary["jobs"]["events_added"] > 0
        assert cli.main(["--db", str(db), "jobs", "list", "--profile", profile, "--json"]) == 0
        [listed] = json.loads(capsys.readouterr().out)
        assert listed["id"] == remote_id and listed["status"] == "succeeded"
        assert listed["profile"] == profile and listed["fine_tuned_model"]
        assert listed["step"] == 24  # metrics came with the sync
        assert cli.main(["--db", str(db), "sync", "--only", "jobs", "--profile", profile,
                         "--json"]) == 0
        again = json.loads(capsys.readouterr().out)
        assert again["added"] == 0  # a second sync adds nothing
    with Store(db) as store:
        assert {j.profile for j in store.jobs.list()} == {"tg", "fw"}
    # The text list and `show` work on these jobs too.
    assert cli.main(["--db", str(db), "jobs", "list", "--profile", "fw"]) == 0
    assert made["fw"] in capsys.readouterr().out
    assert cli.main(["--db", str(db), "--profile", "tg", "jobs", "show", made["tg"],
                     "--offline"]) == 0
    assert "succeeded" in capsys.readouterr().out
