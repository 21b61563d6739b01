"""OpenAI (the sandbox's /v1) through the port: SFT and DPO from stored versions, to an answer;
and the training_not_available refusal explained with the alternatives the profiles offer."""

from __future__ import annotations

import openai
import pytest

from store import Store
from tests.jobs.helpers import port
from tests.providers.helpers import (
    ANSWER,
    ask,
    dpo,
    dpo_lines,
    profiles,
    sft,
    stored,
    train_through_port,
)
from tui.core.config import Settings
from tui.core.errors import explain
from tui.core.finetune import provider_for
from tui.core.jobs.actions import launch
from tui.core.jobs.preflight import run_preflight
from tui.core.providers import make_client


async def test_sft_and_dpo_train_watch_and_answer(tmp_path, sandbox, monkeypatch):
    profile = profiles(sandbox, monkeypatch)["openai"]
    store = Store(tmp_path / "p.db")
    job, provider = await train_through_port(store, profile, sft(stored(store), suffix="caps"))
    assert job.status == "succeeded" and job.fine_tuned_model.startswith("ft:sandbox-small:")
    assert store.jobs.count_events(job.id) > 5 and store.jobs.metrics(job.id)
    assert len(store.jobs.checkpoints(job.id)) >= 2
    assert store.jobs.result_file(job.id).startswith("step,")
    answer = await provider.make_answerable(store, job)
    assert answer.ready and answer.model == job.fine_tuned_model
    assert await ask(provider, answer.model) == ANSWER
    await provider.close()

    prefs = stored(store, "prefs", dpo_lines())
    job, provider = await train_through_port(store, profile, dpo(prefs))
    assert job.status == "succeeded" and job.method == "dpo"
    assert job.raw["method"]["dpo"]["hyperparameters"]["beta"] == 0.2
    assert store.jobs.metrics(job.id) and store.jobs.checkpoints(job.id)
    assert await ask(provider, job.fine_tuned_model)
    await provider.close()


async def test_an_org_openai_cut_off_is_told_where_else_to_train(tmp_path, sandbox, monkeypatch):
    every = profiles(sandbox, monkeypatch)
    profile = every["openai"]
    store = Store(tmp_path / "p.db")
    pre = run_preflight(store, profile, sft(stored(store)))
    client = make_client(profile, max_retries=0).with_options(
        default_headers={"X-Sandbox-Fault": "training_not_available"})
    with pytest.raises(openai.PermissionDeniedError) as info:
        await launch(port(profile, client), store, pre)
    assert info.value.code == "training_not_available" and store.jobs.list() == []
    settings = Settings(profiles={p.name: p for p in every.values()})
    explained = explain(info.value, settings=settings, profile=profile.name)
    assert "training_not_available" in explained.title and explained.status == 403
    assert "winding down" in explained.title and not explained.retryable
    for other in ("azure-sb (azure)", "together-sb (together)", "fireworks-sb (fireworks)",
                  "bedrock-sb (bedrock)"):
        assert other in explained.hint
    assert "tunedeck jobs retrain" in explained.hint
    alone = explain(info.value, settings=Settings(profiles={profile.name: profile}),
                    profile=profile.name)
    assert "Where to fine-tune after OpenAI" in alone.hint
    # The other dialects are other providers: the fault is OpenAI's alone.
    azure = provider_for(every["azure"], make_client(every["azure"], max_retries=0).with_options(
        default_headers={"X-Sandbox-Fault": "training_not_available"}))
    job = await launch(azure, store, run_preflight(store, every["azure"], sft(stored(store))))
    assert job.status == "validating_files"
    await azure.close()
    await client.close()
