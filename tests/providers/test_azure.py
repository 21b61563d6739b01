"""Azure OpenAI v1 through the port (the plain openai SDK on /openai/v1), and a user's own
script against the same dialect: training type, the suffix rule, deployments by ARM."""

from __future__ import annotations

import dataclasses

import httpx2 as httpx
import openai
import pytest

from store import Store
from tests.jobs.helpers import MODEL, sft_lines
from tests.providers.helpers import (
    ANSWER,
    QUESTION,
    ask,
    dpo,
    dpo_lines,
    profiles,
    sft,
    stored,
    train_through_port,
)
from tui.core.finetune import deploy, provider_for
from tui.core.jobs.preflight import run_preflight


async def test_sft_trains_deploys_through_arm_and_answers_by_deployment(tmp_path, sandbox,
                                                                       monkeypatch):
    profile = profiles(sandbox, monkeypatch)["azure"]
    store = Store(tmp_path / "p.db")
    provider = provider_for(profile, max_retries=0, deploy_poll_s=0.02)
    job, provider = await train_through_port(store, profile, sft(stored(store), suffix="caps"),
                                             provider=provider)
    assert job.status == "succeeded"
    assert job.raw["trainingType"] == "GlobalStandard"  # the profile's default training type
    assert job.fine_tuned_model.startswith("sandbox-small.ft-") and \
        job.fine_tuned_model.endswith("-caps")
    assert store.jobs.count_events(job.id) > 5 and store.jobs.checkpoints(job.id)
    with pytest.raises(openai.NotFoundError) as info:  # not deployed: Azure does not answer
        await ask(provider, job.fine_tuned_model)
    assert info.value.code == "DeploymentNotFound"
    answer = await provider.make_answerable(store, job)
    assert answer.ready and answer.deployment == answer.model != job.fine_tuned_model
    assert "." not in answer.model
    [stored_deployment] = store.deployments.for_model(job.fine_tuned_model)
    assert (stored_deployment.name, stored_deployment.status) == (answer.model, "succeeded")
    assert store.deployments.model_of(answer.model) == job.fine_tuned_model
    assert await ask(provider, answer.model) == ANSWER
    again = await provider.make_answerable(store, job)  # known: no second deployment
    assert again.ready and again.model == answer.model
    await provider.close()


async def test_dpo_with_a_training_type_option(tmp_path, sandbox, monkeypatch):
    profile = profiles(sandbox, monkeypatch)["azure"]
    store = Store(tmp_path / "p.db")
    spec = dpo(stored(store, "prefs", dpo_lines()), options={"training_type": "developer"})
    job, provider = await train_through_port(store, profile, spec)
    assert job.status == "succeeded" and job.method == "dpo"
    assert job.raw["trainingType"] == "Developer"
    await provider.close()


async def test_without_management_settings_the_az_command_is_given(tmp_path, sandbox,
                                                                   monkeypatch):
    profile = dataclasses.replace(profiles(sandbox, monkeypatch)["azure"], subscription=None,
                                  management_token_env=None)
    store = Store(tmp_path / "p.db")
    job, provider = await train_through_port(store, profile, sft(stored(store)))
    answer = await provider.make_answerable(store, job)
    assert not answer.ready
    name = deploy.deployment_name(job.fine_tuned_model)
    assert answer.command == (
        "az cognitiveservices account deployment create --resource-group rg-ft --name res-ft "
        f"--deployment-name {name} --model-name {job.fine_tuned_model} --model-version 1 "
        "--model-format OpenAI --sku-name GlobalStandard --sku-capacity 1")
    # The user runs it (here: the same ARM call az makes); tunedeck then finds it answering.
    async with httpx.AsyncClient() as http:
        url = (f"{sandbox.root_url}/azure-management/subscriptions/sub-0001/resourceGroups/"
               f"rg-ft/providers/Microsoft.CognitiveServices/accounts/res-ft/deployments/{name}"
               "?api-version=2024-10-21")
        made = await http.put(url, headers={"Authorization": f"Bearer {sandbox.api_key}"},
                              json=deploy.arm_body(job.fine_tuned_model, "GlobalStandard"))
        assert made.status_code == 201
        assert made.json()["properties"]["provisioningState"] == "Creating"
    for _ in range(200):
        answer = await provider.make_answerable(store, job)
        if answer.ready:
            break
    assert answer.ready and answer.model == name
    assert await ask(provider, name) == ANSWER
    await provider.close()


async def test_the_dialect_refuses_a_dotted_suffix_and_an_unknown_training_type(
        tmp_path, sandbox, monkeypatch):
    profile = profiles(sandbox, monkeypatch)["azure"]
    store = Store(tmp_path / "p.db")
    version = stored(store)
    pre = run_preflight(store, profile, sft(version, suffix="v1.2"))
    assert any("may not contain dots" in p for p in pre.problems)
    client = openai.OpenAI(base_url=f"{sandbox.root_url}/openai/v1/", api_key=sandbox.api_key,
                           max_retries=0)
    data = "".join(f"{line}\n" for line in sft_lines(12)).encode()
    training = client.files.create(file=("train.jsonl", data), purpose="fine-tune")
    with pytest.raises(openai.BadRequestError) as dotted:
        client.fine_tuning.jobs.create(model=MODEL, training_file=training.id, suffix="v1.2")
    assert dotted.value.code == "invalidPayload" and dotted.value.param == "suffix"
    assert "dot" in dotted.value.message
    with pytest.raises(openai.BadRequestError) as kind:
        client.fine_tuning.jobs.create(model=MODEL, training_file=training.id,
                                       extra_body={"trainingType": "Turbo"})
    assert kind.value.param == "trainingType"
    # Each provider is its own account: OpenAI's /v1 does not know Azure's file.
    other = openai.OpenAI(base_url=sandbox.base_url, api_key=sandbox.api_key, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        other.files.retrieve(training.id)
    client.close()
    other.close()


def test_a_users_own_script_with_the_openai_sdk(sandbox):
    """As Microsoft documents it: OpenAI(base_url=…/openai/v1/), extra_body trainingType,
    a deployment through ARM, then chat by deployment name (api-key header auth)."""
    import time

    client = openai.OpenAI(base_url=f"{sandbox.root_url}/openai/v1/", api_key="unused",
                           default_headers={"api-key": sandbox.api_key}, max_retries=0)
    data = "".join(f"{line}\n" for line in sft_lines(12)).encode()
    training = client.files.create(file=("train.jsonl", data), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model=MODEL, training_file=training.id, suffix="mine",
                                         extra_body={"trainingType": "GlobalStandard"})
    assert job.model_extra["trainingType"] == "GlobalStandard"
    for _ in range(600):
        job = client.fine_tuning.jobs.retrieve(job.id)
        if job.status in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.05)
    assert job.status == "succeeded", job.error
    assert client.fine_tuning.jobs.checkpoints.list(job.id).data
    url = (f"{sandbox.root_url}/azure-management/subscriptions/s/resourceGroups/g/providers/"
           "Microsoft.CognitiveServices/accounts/r/deployments/my-model?api-version=2024-10-21")
    auth = {"Authorization": f"Bearer {sandbox.api_key}"}
    assert httpx.put(url, headers=auth, json=deploy.arm_body(job.fine_tuned_model, "standard")
                     ).status_code == 201
    for _ in range(200):
        state = httpx.get(url, headers=auth).json()["properties"]["provisioningState"]
        if state == "Succeeded":
            break
        time.sleep(0.01)
    reply = client.chat.completions.create(model="my-model",
                                           messages=[{"role": "user", "content": QUESTION}])
    assert reply.choices[0].message.content == ANSWER
    assert httpx.get(url).status_code == 401  # the management API wants its token
    client.close()


def test_profile_setups_build_the_v1_base_url():
    from tui.core.config import Profile
    from tui.core.providers import azure_v1_base

    assert azure_v1_base(Profile(name="a", kind="azure", resource="acme")) == \
        "https://acme.openai.azure.com/openai/v1/"
    assert azure_v1_base(Profile(name="a", kind="azure",
                                 base_url="https://acme.openai.azure.com/")) == \
        "https://acme.openai.azure.com/openai/v1/"
