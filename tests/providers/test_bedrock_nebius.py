"""Bedrock-shaped (the openai SDK on /bedrock/v1, preset bedrock) through the port, and
what the Bedrock and Nebius presets change in a job's request."""

from __future__ import annotations

import dataclasses
import json

import openai
import pytest

from store import Store
from tests.jobs.helpers import MODEL, sft_lines
from tests.providers.helpers import ANSWER, ask, profiles, sft, stored, train_through_port
from tui.core.finetune import provider_for
from tui.core.jobs.actions import launch
from tui.core.jobs.preflight import run_preflight
from tui.core.jobs.spec import JobSpec
from tui.core.providers import make_client


async def test_sft_trains_and_answers_without_a_suffix(tmp_path, sandbox, monkeypatch):
    profile = profiles(sandbox, monkeypatch)["bedrock"]
    store = Store(tmp_path / "p.db")
    version = stored(store)
    refused = run_preflight(store, profile, sft(version, suffix="mine", metadata={"k": "v"}))
    assert any("takes no suffix" in p for p in refused.problems)
    assert any(w.startswith("metadata is not sent") for w in refused.warnings)
    job, provider = await train_through_port(store, profile, sft(version))
    assert job.status == "succeeded" and not job.suffix
    assert store.jobs.count_events(job.id) > 5 and store.jobs.checkpoints(job.id)
    assert await ask(provider, job.fine_tuned_model) == ANSWER
    await provider.close()
    dpo = run_preflight(store, profile, sft(version, method="dpo"))
    assert any("documents no DPO" in p for p in dpo.problems)
    grader = run_preflight(store, profile, sft(version, method="reinforcement",
                                               grader={"type": "string_check"}))
    assert any("runs no 'string_check' grader" in p and "lambda" in p for p in grader.problems)


def test_the_bedrock_dialect_refuses_a_suffix(sandbox):
    client = openai.OpenAI(base_url=f"{sandbox.root_url}/bedrock/v1", api_key=sandbox.api_key,
                           max_retries=0)
    data = "".join(f"{line}\n" for line in sft_lines(12)).encode()
    training = client.files.create(file=("train.jsonl", data), purpose="fine-tune")
    with pytest.raises(openai.BadRequestError, match="Suffix field is not supported"):
        client.fine_tuning.jobs.create(model=MODEL, training_file=training.id, suffix="x")
    client.close()


async def test_nebius_sends_its_hyperparameters_in_the_jobs_hyperparameters(
        tmp_path, sandbox, monkeypatch):
    # Nebius speaks OpenAI's routes: the sandbox's /v1 stands in for it here.
    base = profiles(sandbox, monkeypatch)["openai"]
    profile = dataclasses.replace(base, name="nebius-sb", kind="compatible", preset="nebius")
    store = Store(tmp_path / "p.db")
    spec = JobSpec(model=MODEL, training_version_id=stored(store),
                   hyperparameters={"n_epochs": 2},
                   options={"lora": "true", "lora_r": "16", "packing": "no",
                            "warmup_ratio": "0.1"})
    pre = run_preflight(store, profile, spec)
    assert pre.ok, pre.problems
    sent: list[dict] = []
    client = make_client(profile, max_retries=0)

    async def hook(request) -> None:
        if request.url.path.endswith("/fine_tuning/jobs") and request.method == "POST":
            sent.append(json.loads(request.content))

    client._client.event_hooks["request"].append(hook)
    job = await launch(provider_for(profile, client), store, pre)
    [body] = sent
    assert "method" not in body and body["hyperparameters"] == {
        "n_epochs": 2, "lora": True, "lora_r": 16, "packing": False, "warmup_ratio": 0.1}
    assert job.method == "supervised"
    refused = run_preflight(store, profile, dataclasses.replace(
        spec, hyperparameters={"learning_rate_multiplier": 2.0}, options={"lora_r": "0"}))
    assert any("learning_rate_multiplier" in p and "learning_rate option" in p
               for p in refused.problems)
    assert any("lora_r: must be from 1 to 1024" in p for p in refused.problems)
    await client.close()
