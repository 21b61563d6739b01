"""Together through the port (the together SDK against /together), and a user's own
script with the SDK against the same dialect."""

from __future__ import annotations

import time

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
from tui.core.finetune import capabilities_for
from tui.core.finetune.port import Feature
from tui.core.jobs.actions import ActionError, act
from tui.core.jobs.preflight import run_preflight

pytest.importorskip("together")


async def test_sft_trains_with_events_metrics_checkpoints_and_answers(tmp_path, sandbox,
                                                                     monkeypatch):
    profile = profiles(sandbox, monkeypatch)["together"]
    store = Store(tmp_path / "p.db")
    spec = sft(stored(store), suffix="caps", options={"lora": "true", "lora_r": "16"})
    job, provider = await train_through_port(store, profile, spec)
    assert job.status == "succeeded" and job.remote_id.startswith("ft-")
    assert job.fine_tuned_model == f"tunedeck-sandbox/sandbox-small-caps-{job.remote_id[3:11]}"
    assert job.raw["provider_status"] == "completed" and job.method == "supervised"
    assert job.raw["method"]["supervised"]["hyperparameters"]["lora_r"] == 16
    messages = [e.message for e in store.jobs.events(job.id, limit=1000)]
    assert any(m.startswith("Created fine-tuning job") for m in messages)
    metrics = store.jobs.metrics(job.id)
    assert [m.step for m in metrics] == list(range(1, len(metrics) + 1)) and len(metrics) == 24
    assert metrics[-1].train_loss is not None and metrics[-1].total_steps == 24
    checkpoints = store.jobs.checkpoints(job.id)
    assert checkpoints and all(c.fine_tuned_model_checkpoint.startswith(job.fine_tuned_model)
                               for c in checkpoints)
    assert store.jobs.result_file(job.id).startswith("step,train_loss")
    answer = await provider.make_answerable(store, job)
    assert answer.ready and await ask(provider, answer.model) == ANSWER
    assert await ask(provider, checkpoints[-1].fine_tuned_model_checkpoint)  # they answer too
    with pytest.raises(ActionError, match="has succeeded: nothing to cancel"):
        await act(provider, store, job, "cancel")  # finished: nothing to cancel
    await provider.close()


async def test_dpo_and_what_together_refuses(tmp_path, sandbox, monkeypatch):
    profile = profiles(sandbox, monkeypatch)["together"]
    store = Store(tmp_path / "p.db")
    job, provider = await train_through_port(store, profile, dpo(stored(store, "p", dpo_lines())))
    assert job.status == "succeeded" and job.method == "dpo"
    assert job.raw["method"]["dpo"]["hyperparameters"]["beta"] == 0.2
    assert store.jobs.metrics(job.id)
    await provider.close()
    version = stored(store)
    refused = run_preflight(store, profile, sft(version, hyperparameters={
        "learning_rate_multiplier": 2.0}, options={"lora_r": "lots", "nope": "1"}))
    problems = " | ".join(refused.problems)
    assert "does not take learning_rate_multiplier" in problems and "learning_rate" in problems
    assert "lora_r: must be an integer" in problems and "no option 'nope'" in problems
    rft = run_preflight(store, profile, sft(version, method="reinforcement"))
    assert any("does not train" in p or "reinforcement" in p for p in rft.problems)
    caps = capabilities_for(profile)
    assert not caps.can(Feature.PAUSE) and "cancelled" in caps.why_not(Feature.PAUSE)


async def test_cancel_through_the_port(tmp_path, sandbox, monkeypatch):
    from tui.core.finetune import provider_for
    from tui.core.jobs.actions import launch

    profile = profiles(sandbox, monkeypatch)["together"]
    store = Store(tmp_path / "p.db")
    provider = provider_for(profile, max_retries=0)
    pre = run_preflight(store, profile, sft(stored(store), hyperparameters={"n_epochs": 40}))
    job = await launch(provider, store, pre)
    with pytest.raises(ActionError, match="no pause"):
        await act(provider, store, job, "pause")
    job = await act(provider, store, job, "cancel")
    assert job.status == "cancelled" and job.raw["provider_status"] == "cancelled"
    await provider.close()


def test_a_users_own_script_with_the_together_sdk(sandbox, tmp_path):
    from together import Together

    client = Together(base_url=f"{sandbox.root_url}/together", api_key=sandbox.api_key,
                      max_retries=0)
    path = tmp_path / "train.jsonl"
    path.write_text("".join(f"{line}\n" for line in sft_lines(12)))
    uploaded = client.files.upload(file=path, purpose="fine-tune", check=True)
    assert uploaded.processing_status == "COMPLETED" and uploaded.bytes == path.stat().st_size
    assert client.files.upload(file=path, purpose="fine-tune").id == uploaded.id  # same bytes
    job = client.fine_tuning.create(training_file=uploaded.id, model=MODEL, n_epochs=2,
                                    suffix="mine", lora=True, train_on_inputs="auto")
    for _ in range(600):
        job = client.fine_tuning.retrieve(job.id)
        if job.status in ("completed", "error", "cancelled"):
            break
        time.sleep(0.05)
    assert job.status == "completed"
    assert job.x_model_output_name.startswith("tunedeck-sandbox/sandbox-small-mine-")
    events = client.fine_tuning.list_events(job.id).data
    assert events[0].type == "job_pending" and events[-1].type == "job_complete"
    assert any(e.type == "checkpoint_save" for e in events)
    metrics = client.fine_tuning.list_metrics(job.id, resolution=5).metrics
    assert len(metrics) == 5 and metrics[0]["train/global_step"] == 1
    checkpoints = client.fine_tuning.list_checkpoints(job.id).data
    assert checkpoints[-1].checkpoint_type == "Final"
    assert [j.id for j in client.fine_tuning.list().data] == [job.id]
    reply = client.chat.completions.create(model=job.x_model_output_name,
                                           messages=[{"role": "user", "content": QUESTION}])
    assert reply.choices[0].message.content == ANSWER
    client.close()
