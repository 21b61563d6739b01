"""Retrain elsewhere, headless: an OpenAI sandbox job retrained on Together and on Azure with
an eval (baseline on the old model, the same eval on the new one), recorded on both cards;
and the retirement notices that say which models need it."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest

from store import Store
from tests.flywheel.helpers import N_ITEMS, capitals_eval
from tests.jobs.helpers import MODEL, stored_version
from tests.providers.helpers import KEY_ENV, TOKEN_ENV, profiles, sft, train_through_port
from tui.cli.main import main
from tui.core.retirement import retiring

pytest.importorskip("together")


def configure(home, sandbox, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, sandbox.api_key)
    monkeypatch.setenv(TOKEN_ENV, sandbox.api_key)
    root = sandbox.root_url
    (home / "config.toml").write_text(
        'default_profile = "openai-sb"\npoll_interval_s = 1.0\n'
        f'[profiles.openai-sb]\nkind = "sandbox"\nbase_url = "{sandbox.base_url}"\n'
        f'api_key_env = "{KEY_ENV}"\n'
        f'[profiles.together-sb]\nkind = "together"\nbase_url = "{root}/together"\n'
        f'api_key_env = "{KEY_ENV}"\n'
        f'[profiles.azure-sb]\nkind = "azure"\nbase_url = "{root}/openai/v1"\n'
        f'api_key_env = "{KEY_ENV}"\nsubscription = "s"\nresource_group = "g"\n'
        f'resource = "r"\nmanagement_token_env = "{TOKEN_ENV}"\n'
        f'management_base_url = "{root}/azure-management"\n')


def trained_on_openai(sandbox, monkeypatch, db, tmp_path):
    """A succeeded OpenAI sandbox job (the model that retires) and the eval to prove it on."""
    profile = profiles(sandbox, monkeypatch)["openai"]

    async def go():
        with Store(db) as store:
            version = stored_version(store, name="capitals", n=12)
            capitals_eval(store, tmp_path)
            spec = sft(version, suffix="caps", seed=7)
            spec.hyperparameters["learning_rate_multiplier"] = 1.5
            job, provider = await train_through_port(store, profile, spec)
            await provider.close()
            return job

    return asyncio.run(go())


def test_retrain_on_together_with_an_eval_is_recorded_on_both_cards(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "r.db"
    old = trained_on_openai(sandbox, monkeypatch, db, tmp_path)
    base = ["--db", str(db), "jobs", "retrain", old.remote_id, "--profile", "together-sb",
            "--model", MODEL, "--eval", "capitals", "--poll", "0.05"]
    assert main(base) == 2  # no terminal to confirm on: nothing starts without --yes
    assert "--yes" in capsys.readouterr().err
    assert main([*base, "--yes", "--json"]) == 0
    out = capsys.readouterr()
    carried = next(line for line in out.err.splitlines() if line.startswith("Carried over"))
    assert "n_epochs=2" in carried and "suffix=caps" in carried and "seed=7" in carried
    assert "not carried over: learning_rate_multiplier=1.5: Together takes an absolute" \
        in out.err
    assert "Pre-flight for Together" in out.err
    result = json.loads(out.out)
    assert result["stage"] == "done", result["error"]
    comparison = result["comparison"]
    assert comparison["baseline_model"] == old.fine_tuned_model
    assert comparison["baseline_profile"] == "openai-sb" and comparison["profile"] == "together-sb"
    assert comparison["base_pass_rate"] == comparison["tuned_pass_rate"] == 1.0
    new_model = comparison["model"]
    assert new_model.startswith("tunedeck-sandbox/sandbox-small-caps-")
    with Store(db) as store:
        loop = store.loops.get(result["loop"])
        assert loop.source_job_id == old.id and loop.baseline == (old.fine_tuned_model,
                                                                  "openai-sb")
        baseline, tuned = store.evals.run(loop.baseline_run_id), store.evals.run(loop.tuned_run_id)
        assert (baseline.model, baseline.profile) == (old.fine_tuned_model, "openai-sb")
        assert (tuned.model, tuned.profile) == (new_model, "together-sb")
        assert store.evals.count_results(tuned.id) == N_ITEMS
        new_job = store.jobs.get(loop.job_id)
        assert new_job.raw["method"]["supervised"]["hyperparameters"]["n_epochs"] == 2
        assert new_job.seed == 7 and new_job.suffix == "caps"
    # A sync reads the provider's model list, with its shutdown dates, into the store.
    assert main(["--db", str(db), "sync", "--only", "jobs", "--profile", "openai-sb"]) == 0
    assert "retire within 60 days" in capsys.readouterr().out
    assert main(["--db", str(db), "card", old.fine_tuned_model, "--json"]) == 0
    old_card = json.loads(capsys.readouterr().out)
    [link] = old_card["retrained_as"]
    assert (link["model"], link["profile"], link["new_pass_rate"]) == (new_model, "together-sb",
                                                                     1.0)
    assert old_card["shutdown_date"] == "2027-01-14"  # sandbox-small retires with gpt-4o
    assert main(["--db", str(db), "card", new_model]) == 0
    text = capsys.readouterr().out
    assert f"replaces     {old.fine_tuned_model} on openai-sb" in text
    assert "old 100.0% → new 100.0% on the same eval" in text


def test_retrain_on_azure_deploys_before_its_eval(isolated_home, sandbox, monkeypatch, capsys,
                                                  tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "r.db"
    old = trained_on_openai(sandbox, monkeypatch, db, tmp_path)
    # Azure's rules refuse no dot here ('caps'), and take OpenAI's multiplier as it is.
    assert main(["--db", str(db), "jobs", "retrain", str(old.id), "--profile", "azure-sb",
                 "--model", MODEL, "--eval", "capitals", "--poll", "0.05", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Deployed " in out and "[done] Comparison" in out
    with Store(db) as store:
        [loop] = store.loops.list()
        tuned = store.evals.run(loop.tuned_run_id)
        job = store.jobs.get(loop.job_id)
        assert tuned.model != job.fine_tuned_model  # called by its deployment's name
        assert store.deployments.model_of(tuned.model) == job.fine_tuned_model
    assert main(["--db", str(db), "card", job.fine_tuned_model, "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["deployments"] == [tuned.model] and [r["run_id"] for r in card["runs"]] == [
        tuned.id]
    assert card["replaces"]["model"] == old.fine_tuned_model
    assert main(["--db", str(db), "jobs", "deploy", job.remote_id, "--profile", "azure-sb",
                 "--json"]) == 0
    deployed = json.loads(capsys.readouterr().out)
    assert deployed["ready"] and deployed["answers_as"] == tuned.model  # known, not redone
    assert main(["--db", str(db), "jobs", "deploy", old.remote_id, "--profile", "openai-sb"]) == 0
    assert "answers by its name" in capsys.readouterr().out


def test_retrain_without_an_eval_launches_and_refusals_are_usage_errors(
        isolated_home, sandbox, monkeypatch, capsys, tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "r.db"
    old = trained_on_openai(sandbox, monkeypatch, db, tmp_path)
    assert main(["--db", str(db), "jobs", "retrain", old.remote_id, "--profile", "together-sb",
                 "--model", MODEL, "--yes", "--json"]) == 0
    launched = json.loads(capsys.readouterr().out)
    assert launched["profile"] == "together-sb" and launched["id"].startswith("ft-")
    assert main(["--db", str(db), "jobs", "retrain", "ftjob-nope", "--profile", "together-sb",
                 "--model", MODEL, "--yes"]) == 2
    assert "no job 'ftjob-nope'" in capsys.readouterr().err
    assert main(["--db", str(db), "jobs", "retrain", old.remote_id, "--profile", "nowhere",
                 "--model", MODEL, "--yes"]) == 2
    assert "unknown profile 'nowhere'" in capsys.readouterr().err


def test_models_in_use_that_retire_soon_are_listed(isolated_home, sandbox, monkeypatch, capsys,
                                                   tmp_path):
    configure(isolated_home, sandbox, monkeypatch)
    db = tmp_path / "r.db"
    old = trained_on_openai(sandbox, monkeypatch, db, tmp_path)
    assert main(["--db", str(db), "jobs", "list", "--sync", "--profile", "openai-sb"]) == 0
    out = capsys.readouterr().out
    assert "retires 2027-01-14" in out
    assert f"! {old.fine_tuned_model} (openai-sb) retires on 2027-01-14" in out
    assert "tunedeck jobs retrain" in out
    assert main(["--db", str(db), "jobs", "list", "--profile", "openai-sb", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["shutdown_date"], listed["shutdown_via"]) == ("2027-01-14", None)
    with Store(db) as store:
        soon = retiring(store, today=date(2026, 12, 2))
        assert {r.model for r in soon} == {old.fine_tuned_model, MODEL}
        assert all(r.days_left == 43 for r in soon)
        assert retiring(store, today=date(2026, 10, 1)) == []  # 105 days away: not yet
        past = retiring(store, today=date(2027, 2, 1))
        assert past and all(r.days_left < 0 for r in past) and "retired on" in past[0].line()
