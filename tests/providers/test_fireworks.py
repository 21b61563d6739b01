"""Fireworks through the port (the fireworks-ai SDK against /fireworks), and a user's own
script with the SDK against the same dialect: datasets, jobs, a deployment, a LoRA load."""

from __future__ import annotations

import dataclasses
import time

import pytest

from store import Store
from tests.jobs.helpers import sft_lines
from tests.providers.helpers import (
    ANSWER,
    FIREWORKS_BASE,
    QUESTION,
    ask,
    dpo,
    dpo_lines,
    profiles,
    sft,
    stored,
    train_through_port,
)
from tui.core.finetune import provider_for
from tui.core.finetune.port import Feature
from tui.core.jobs.actions import ActionError, act, launch
from tui.core.jobs.preflight import run_preflight

pytest.importorskip("fireworks")


def deployment(sandbox, account: str = "acme", name: str = "ft-serving") -> None:
    from fireworks import Fireworks

    client = Fireworks(base_url=f"{sandbox.root_url}/fireworks", api_key=sandbox.api_key,
                       account_id=account, max_retries=0)
    made = client.deployments.create(base_model=FIREWORKS_BASE, deployment_id=name,
                                     enable_addons=True)
    assert made.state == "READY"
    client.close()


async def test_sft_trains_with_events_and_metrics_loads_and_answers(tmp_path, sandbox,
                                                                   monkeypatch):
    profile = profiles(sandbox, monkeypatch)["fireworks"]
    store = Store(tmp_path / "p.db")
    spec = sft(stored(store), model=FIREWORKS_BASE, suffix="caps-model",
               options={"lora_rank": "8", "learning_rate": "0.0001"})
    job, provider = await train_through_port(store, profile, spec)
    assert job.status == "succeeded"
    assert job.remote_id.startswith("accounts/acme/supervisedFineTuningJobs/")
    assert job.fine_tuned_model == "accounts/acme/models/caps-model"
    assert job.training_file.startswith("accounts/acme/datasets/capitals-v1-training-")
    messages = [e.message for e in store.jobs.events(job.id, limit=1000)]
    assert "Job state: completed; new fine-tuned model: accounts/acme/models/caps-model" in \
        messages and any(m.startswith("Progress: ") for m in messages)
    steps = [m.step for m in store.jobs.metrics(job.id)]
    assert steps == list(range(1, 25))
    assert store.jobs.checkpoints(job.id) == []  # Fireworks keeps none
    assert not provider.capabilities.can(Feature.CHECKPOINTS)
    assert store.jobs.result_file(job.id).startswith("step,train_loss")
    early = await provider.make_answerable(store, job)  # no deployment yet
    assert not early.ready
    deployment(sandbox)
    answer = await provider.make_answerable(store, job)
    assert answer.ready and answer.deployment == "accounts/acme/deployments/ft-serving"
    assert await ask(provider, answer.model) == ANSWER
    assert (await provider.make_answerable(store, job)).ready  # found loaded, not reloaded
    await provider.close()


async def test_dpo_resume_and_what_fireworks_lacks(tmp_path, sandbox, monkeypatch):
    profile = profiles(sandbox, monkeypatch)["fireworks"]
    store = Store(tmp_path / "p.db")
    job, provider = await train_through_port(store, profile,
                                             dpo(stored(store, "p", dpo_lines()),
                                                 model=FIREWORKS_BASE))
    assert job.status == "succeeded" and job.remote_id.startswith("accounts/acme/dpoJobs/")
    assert job.raw["method"]["dpo"]["hyperparameters"]["beta"] == 0.2
    assert store.jobs.metrics(job.id)  # through the DPO job's metrics file endpoint
    with pytest.raises(ActionError, match="has succeeded"):
        await act(provider, store, job, "resume")
    pre = run_preflight(store, profile, sft(stored(store), model=FIREWORKS_BASE,
                                            suffix="Not_A_Model_Id", seed=3))
    assert any("lowercase letters" in p for p in pre.problems)
    assert any(w.startswith("seed is not sent") for w in pre.warnings)
    running = await launch(provider, store, run_preflight(
        store, profile, sft(stored(store), model=FIREWORKS_BASE,
                            hyperparameters={"n_epochs": 40})))
    with pytest.raises(ActionError, match="no pause"):
        await act(provider, store, running, "pause")
    assert (await act(provider, store, running, "cancel")).status == "cancelled"
    await provider.close()


def test_a_profile_without_its_account_is_refused_before_any_request(sandbox, monkeypatch):
    from tui.core.providers import MissingKeyError

    profile = dataclasses.replace(profiles(sandbox, monkeypatch)["fireworks"], account=None)
    with pytest.raises(MissingKeyError, match="needs account"):
        provider_for(profile)


def test_a_users_own_script_with_the_fireworks_sdk(sandbox, tmp_path):
    from fireworks import Fireworks

    client = Fireworks(base_url=f"{sandbox.root_url}/fireworks", api_key=sandbox.api_key,
                       account_id="studio", max_retries=0)
    data = "".join(f"{line}\n" for line in sft_lines(12)).encode()
    client.datasets.create(dataset_id="capitals", dataset={"example_count": "12",
                                                           "user_uploaded": {}})
    assert client.datasets.get("capitals").state == "UPLOADING"
    client.datasets.upload("capitals", file=("capitals.jsonl", data))
    assert client.datasets.get("capitals").state == "READY"
    job = client.supervised_fine_tuning_jobs.create(
        dataset="accounts/studio/datasets/capitals", base_model=FIREWORKS_BASE, epochs=2,
        lora_rank=8, output_model="capitals-tuned", supervised_fine_tuning_job_id="my-job")
    assert job.name == "accounts/studio/supervisedFineTuningJobs/my-job"
    for _ in range(600):
        job = client.supervised_fine_tuning_jobs.get("my-job")
        if job.state in ("JOB_STATE_COMPLETED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED"):
            break
        time.sleep(0.05)
    assert job.state == "JOB_STATE_COMPLETED" and job.job_progress.percent == 100
    assert job.output_model == "accounts/studio/models/capitals-tuned"
    assert [j.name for j in client.supervised_fine_tuning_jobs.list()] == [job.name]
    model = client.models.get("capitals-tuned")
    assert model.state == "READY"
    client.deployments.create(base_model=FIREWORKS_BASE, deployment_id="serve",
                              enable_addons=True)
    loaded = client.lora.load(model=job.output_model,
                              deployment="accounts/studio/deployments/serve")
    assert loaded.state == "DEPLOYED"
    reply = client.chat.completions.create(model=job.output_model,
                                           messages=[{"role": "user", "content": QUESTION}])
    assert reply.choices[0].message.content == ANSWER
    # Big files go through a signed URL, as Fireworks' own helper does it.
    from fireworks.lib.dataset_upload import upload_dataset_shards  # noqa: F401 - documented flow

    client.datasets.create(dataset_id="signed", dataset={"example_count": "12"})
    url = client.datasets.get_upload_endpoint(
        "signed", filename_to_size={"s.jsonl": str(len(data))}).filename_to_signed_urls["s.jsonl"]
    import httpx2 as httpx

    put = httpx.put(url, content=data, headers={"Content-Type": "application/octet-stream",
                                                "X-Goog-Content-Length-Range":
                                                f"{len(data)},{len(data)}"})
    assert put.status_code == 200
    client.datasets.validate_upload("signed", body={})
    assert client.datasets.get("signed").state == "READY"
    client.close()


async def test_the_port_reads_fireworks_lists_page_by_page(tmp_path, sandbox, monkeypatch):
    """The sandbox pages as AIP-158 says; the port follows nextPageToken to its end."""
    import httpx2 as httpx
    from fireworks import Fireworks

    client = Fireworks(base_url=f"{sandbox.root_url}/fireworks", api_key=sandbox.api_key,
                       account_id="acme", max_retries=0)
    for name in ("one", "two", "three"):
        client.datasets.create(dataset_id=name, dataset={"example_count": "1",
                                                         "user_uploaded": {}})
    client.close()
    profile = profiles(sandbox, monkeypatch)["fireworks"]
    provider = provider_for(profile, max_retries=0, page_size=1)
    try:
        before = provider.requests
        names = sorted([f["id"] async for f in provider.list_files()])
        assert names == [f"accounts/acme/datasets/{n}" for n in ("one", "three", "two")]
        assert provider.requests - before == 3  # one page each; the last has no token
    finally:
        await provider.close()
    base = f"{sandbox.root_url}/fireworks/v1/accounts/acme/datasets"
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    first = httpx.get(base, params={"pageSize": 2}, headers=headers).json()
    assert len(first["datasets"]) == 2 and first["nextPageToken"]
    rest = httpx.get(base, params={"pageSize": 2, "pageToken": first["nextPageToken"]},
                     headers=headers).json()
    assert len(rest["datasets"]) == 1 and rest["nextPageToken"] == ""
    bad = httpx.get(base, params={"pageToken": "not-ours"}, headers=headers)
    assert bad.status_code == 400
