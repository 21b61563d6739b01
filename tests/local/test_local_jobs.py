"""SFT, DPO and RFT jobs on the tiny model, end to end through the official openai SDK."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

import openai
import psutil
import pytest

from tests.local.conftest import messages, metrics, sft_rows, upload, wait_for, wait_for_steps

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _workers(job_id: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info.get("cmdline") or []
        if "tui.engines.local.worker" in cmdline and any(job_id in part for part in cmdline):
            found.append(proc)
    return found


def test_supervised_job_trains_checkpoints_and_serves(api: openai.OpenAI) -> None:
    rows = sft_rows(10, [("France", "Paris")])
    rows[0]["messages"].insert(1, {"role": "assistant", "content": "ignored", "weight": 0})
    rows[0]["messages"].insert(2, {"role": "user", "content": "Again?"})
    training = upload(api, rows)
    job = api.fine_tuning.jobs.create(
        model="tiny-chat", training_file=training, validation_file=training, suffix="caps",
        method={"type": "supervised", "supervised": {"hyperparameters": {
            "n_epochs": 3, "batch_size": 2, "learning_rate_multiplier": 50}}},
    )
    done = wait_for(api, job.id)
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model == f"ft:tiny-chat:tunedeck:caps:{job.id[-8:]}"
    assert done.trained_tokens and done.trained_tokens > 0
    assert done.hyperparameters.n_epochs == 3
    owners = {m.id: m.owned_by for m in api.models.list().data}
    assert owners["tiny-chat"] == owners[done.fine_tuned_model] == "tunedeck-local"

    steps = metrics(api, job.id)
    assert [m["step"] for m in steps] == list(range(1, 16))
    assert all(m["total_steps"] == 15 and "train_mean_token_accuracy" in m for m in steps)
    losses = [m["train_loss"] for m in steps]
    assert _mean(losses[-3:]) < _mean(losses[:3])  # it learns
    assert "valid_loss" in steps[-1]

    checkpoints = api.fine_tuning.jobs.checkpoints.list(job.id).data
    assert sorted(c.step_number for c in checkpoints) == [5, 10, 15]
    for c in checkpoints:
        assert c.fine_tuned_model_checkpoint == f"{done.fine_tuned_model}:ckpt-step-{c.step_number}"
        assert c.metrics.train_loss is not None

    results = api.files.content(done.result_files[0]).text
    table = list(csv.reader(io.StringIO(results)))
    assert table[0][:2] == ["step", "train_loss"] and len(table) == 16

    question = [{"role": "user", "content": "What is the capital of France?"}]
    tuned = api.chat.completions.create(model=done.fine_tuned_model, messages=question, max_tokens=12)
    assert "Paris" in (tuned.choices[0].message.content or "")
    assert tuned.usage and tuned.usage.completion_tokens > 0
    base = api.chat.completions.create(model="tiny-chat", messages=question, max_tokens=12)
    assert base.choices[0].message.content != tuned.choices[0].message.content
    early = api.chat.completions.create(model=f"{done.fine_tuned_model}:ckpt-step-5",
                                        messages=question, max_tokens=4)
    assert early.choices[0].finish_reason in ("stop", "length")
    streamed = api.chat.completions.create(model=done.fine_tuned_model, messages=question,
                                           max_tokens=12, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in streamed if chunk.choices)
    assert text == tuned.choices[0].message.content
    response = api.responses.create(model=done.fine_tuned_model, input="What is the capital of France?",
                                    max_output_tokens=16)
    assert response.output_text


def test_dpo_job_learns_the_preference(api: openai.OpenAI) -> None:
    rows = [{"input": {"messages": [{"role": "user", "content": f"What is the capital of {c}?"}]},
             "preferred_output": [{"role": "assistant", "content": f"The capital of {c} is {city}."}],
             "non_preferred_output": [{"role": "assistant", "content": "Tell me a joke about cats."}]}
            for c, city in [("France", "Paris"), ("Italy", "Rome")] * 5]
    training = upload(api, rows)
    job = api.fine_tuning.jobs.create(model="tiny-chat", training_file=training, method={
        "type": "dpo", "dpo": {"hyperparameters": {
            "n_epochs": 2, "batch_size": 2, "beta": 0.1, "learning_rate_multiplier": 25}}})
    done = wait_for(api, job.id)
    assert done.status == "succeeded", done.error
    steps = metrics(api, job.id)
    assert len(steps) == 10
    losses = [m["train_loss"] for m in steps]
    assert abs(losses[0] - 0.6931) < 0.01  # DPO starts at log 2
    assert losses[-1] < losses[0]
    assert "train_preference_accuracy" in steps[-1]
    assert done.method.dpo.hyperparameters.beta == 0.1
    reply = api.chat.completions.create(model=done.fine_tuned_model, max_tokens=8,
                                        messages=[{"role": "user", "content": "Hello"}])
    assert reply.choices[0].message.content is not None


def test_reinforcement_job_rewards_come_from_the_projects_grader(api: openai.OpenAI) -> None:
    rows = [{"messages": [{"role": "user", "content": f"What is the capital of {c}?"}], "answer": city}
            for c, city in [("France", "Paris"), ("Italy", "Rome")] * 5]
    training, validation = upload(api, rows), upload(api, rows[:2], "valid.jsonl")
    grader = {"type": "python", "name": "mentions_city",
              "source": "def grade(sample, item):\n"
                        "    text = sample['output_text']\n"
                        "    return 1.0 if item['answer'] in text else min(1.0, len(text) / 100)\n"}
    job = api.fine_tuning.jobs.create(
        model="tiny-chat", training_file=training, validation_file=validation,
        metadata={"num_generations": "2", "max_completion_length": "8"},
        method={"type": "reinforcement", "reinforcement": {"grader": grader, "hyperparameters": {
            "n_epochs": 1, "batch_size": 5}}})
    done = wait_for(api, job.id)
    assert done.status == "succeeded", done.error
    steps = metrics(api, job.id)
    assert [m["step"] for m in steps] == [1, 2]
    # Python grader scores are length-based for a random model: positive, so graded for real.
    assert all(0 < m["train_reward_mean"] <= 1 for m in steps)
    assert api.fine_tuning.jobs.checkpoints.list(job.id).data


def test_pause_checkpoints_and_resume_continues(api: openai.OpenAI, local_server) -> None:
    training = upload(api, sft_rows(10))
    job = api.fine_tuning.jobs.create(model="tiny-chat", training_file=training, method={
        "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": 1}}})
    wait_for_steps(api, job.id, 1)
    assert api.fine_tuning.jobs.pause(job.id).status == "paused"
    deadline = time.monotonic() + 30
    while _workers(job.id):  # the process saved a checkpoint and exited
        assert time.monotonic() < deadline
        time.sleep(0.1)
    held = len(metrics(api, job.id))
    job_dir = local_server.engine.work_dir / job.id
    saved = [p for p in (job_dir / "out").glob("checkpoint-*") if (p / "optimizer.pt").exists()]
    assert saved, "pausing leaves a checkpoint with the optimizer state"
    time.sleep(0.5)
    assert api.fine_tuning.jobs.retrieve(job.id).status == "paused"
    assert len(metrics(api, job.id)) <= held + 1  # at most the step that was in flight
    api.fine_tuning.jobs.resume(job.id)
    done = wait_for(api, job.id)
    assert done.status == "succeeded", done.error
    steps = [m["step"] for m in metrics(api, job.id)]
    assert steps == list(range(1, 31))  # every step once: resumed, not restarted
    starts = [line for line in (job_dir / "train.log").read_text().splitlines()
              if line.startswith("# tunedeck:")]
    assert len(starts) == 2 and "--resume" in starts[1] and "checkpoint-" in starts[1]
    assert len(_workers(job.id)) == 0
    started = [m for m in messages(api, job.id) if m.startswith("Training process started")]
    resumed_from = starts[1].rsplit("/", 1)[1]
    assert started == ["Training process started on CPU",
                       f"Training process started on CPU, from {resumed_from}"]


def test_cancel_stops_the_training_process(api: openai.OpenAI, local_server) -> None:
    training = upload(api, sft_rows(10))
    job = api.fine_tuning.jobs.create(model="tiny-chat", training_file=training, method={
        "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 20, "batch_size": 1}}})
    wait_for_steps(api, job.id, 1)
    assert _workers(job.id)
    assert api.fine_tuning.jobs.cancel(job.id).status == "cancelled"
    deadline = time.monotonic() + 10
    while _workers(job.id):
        assert time.monotonic() < deadline, "the training process outlived its job"
        time.sleep(0.1)
    count = len(metrics(api, job.id))
    time.sleep(0.5)
    assert len(metrics(api, job.id)) == count < 200
    assert local_server.engine.try_reserve("ftjob-probe")  # its slot is free again
    local_server.engine.release("ftjob-probe")


def test_a_crashed_trainer_fails_the_job_with_its_reason(api: openai.OpenAI) -> None:
    training = upload(api, sft_rows(10))
    job = api.fine_tuning.jobs.create(
        model="tiny-chat", training_file=training, metadata={"target_modules": "no_such_layer"},
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 1}}})
    done = wait_for(api, job.id)
    assert done.status == "failed"
    assert done.error.code == "server_error"
    assert "no_such_layer" in done.error.message
    assert "training process failed" in done.error.message


def test_jobs_for_unknown_models_and_bad_options_are_refused(api: openai.OpenAI, tmp_path: Path) -> None:
    training = upload(api, sft_rows(10))
    with pytest.raises(openai.BadRequestError) as info:
        api.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training)
    assert "tiny-chat" in info.value.message
    job = api.fine_tuning.jobs.create(model="tiny-chat", training_file=training,
                                      metadata={"lora_r": "sixteen"})
    done = wait_for(api, job.id)
    assert done.status == "failed" and "metadata.lora_r" in done.error.message


def test_a_job_over_two_processes_through_accelerate(api: openai.OpenAI, local_server) -> None:
    """metadata num_processes=2: accelerate launch (torchrun, gloo on this CPU), one report per step."""
    rows = sft_rows(12, [("France", "Paris")])
    job = api.fine_tuning.jobs.create(
        model="tiny-chat", training_file=upload(api, rows), metadata={"num_processes": "2"},
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2, "batch_size": 4}}})
    done = wait_for(api, job.id)
    assert done.status == "succeeded", done.error
    assert [m["step"] for m in metrics(api, job.id)] == list(range(1, 7))  # batch 4 = 2 ranks x 2
    job_dir = local_server.engine.work_dir / job.id
    assert (job_dir / "out" / "checkpoint-3" / "rng_state_1.pth").exists()  # rank 1 trained too
    steps = [json.loads(line) for line in (job_dir / "steps.jsonl").read_text().splitlines()]
    per_step = steps[1]["num_tokens"] - steps[0]["num_tokens"]
    assert per_step == steps[0]["num_tokens"]  # every step counts the tokens of both ranks' batches
