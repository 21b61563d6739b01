"""Fine-tuning jobs: the full lifecycle on real data, failures, ranges, pause/resume/cancel."""

from __future__ import annotations

import csv
import io

import openai
import pytest

from tests.sandbox.sandbox_data import (
    CAPITALS,
    dpo_rows,
    question,
    rft_rows,
    sft_rows,
    upload,
    wait_for,
)

FINAL = ("succeeded", "failed", "cancelled")


async def _events(c: openai.AsyncOpenAI, job_id: str) -> list:
    return [e async for e in c.fine_tuning.jobs.list_events(job_id, limit=7)]


async def test_supervised_job_from_upload_to_succeeded(c) -> None:

    train = await upload(c, sft_rows(12))
    valid = await upload(c, sft_rows(16)[12:] + sft_rows(2))
    job = await c.fine_tuning.jobs.create(
        model="sandbox-small", training_file=train, validation_file=valid, suffix="caps", seed=7,
        metadata={"team": "docs"},
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": 2}}})
    assert job.status == "validating_files" and job.fine_tuned_model is None
    done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(job.id), FINAL)
    assert done.status == "succeeded", done.error
    assert done.fine_tuned_model == f"ft:sandbox-small:tunedeck:caps:{job.id[-8:]}"
    assert done.hyperparameters.n_epochs == 3 and done.hyperparameters.batch_size == 2
    assert done.trained_tokens and done.trained_tokens > 0 and done.finished_at
    assert done.metadata == {"team": "docs"}

    events = await _events(c, job.id)  # paginated 7 at a time by the SDK
    assert [e.created_at for e in events] == sorted((e.created_at for e in events), reverse=True)
    assert events[0].message == "The job has successfully completed"
    assert events[-1].message.startswith("Created fine-tuning job")
    metrics = [e.data for e in reversed(events) if e.type == "metrics"]
    assert [m["step"] for m in metrics] == list(range(1, 19)) and metrics[0]["total_steps"] == 18
    first_epoch = [m["train_loss"] for m in metrics[:6]]
    last_epoch = [m["train_loss"] for m in metrics[12:]]
    assert sum(last_epoch) / 6 < sum(first_epoch) / 6  # loss falls as the model fits the data
    assert metrics[-1]["train_mean_token_accuracy"] == 1.0  # it has seen every example by then
    assert "valid_loss" in metrics[-1] and "full_valid_loss" in metrics[-1]

    page = await c.fine_tuning.jobs.list_events(job.id, limit=2)
    older = await c.fine_tuning.jobs.list_events(job.id, after=page.data[-1].id, limit=2)
    assert [e.id for e in older.data] == [e.id for e in events[2:4]]

    ckpts = [x async for x in c.fine_tuning.jobs.checkpoints.list(job.id)]
    assert [x.step_number for x in ckpts] == [18, 12, 6]  # one an epoch, newest first
    assert ckpts[1].fine_tuned_model_checkpoint == f"{done.fine_tuned_model}:ckpt-step-12"
    assert ckpts[0].metrics.train_loss == metrics[-1]["train_loss"]

    rows = list(csv.DictReader(io.StringIO((await c.files.content(done.result_files[0])).text)))
    assert list(rows[0]) == ["step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy"]
    assert len(rows) == 18 and float(rows[-1]["train_loss"]) == metrics[-1]["train_loss"]
    assert (await c.files.retrieve(done.result_files[0])).purpose == "fine-tune-results"

    # The trained model answers from its training data; the base model only echoes.
    ask = [{"role": "user", "content": "what's the capital of Norway?"}]
    tuned = await c.chat.completions.create(model=done.fine_tuned_model, messages=ask)
    base = await c.chat.completions.create(model="sandbox-small", messages=ask)
    assert tuned.choices[0].message.content == "Oslo"
    assert base.choices[0].message.content == ask[0]["content"]
    ckpt = await c.chat.completions.create(model=ckpts[2].fine_tuned_model_checkpoint, messages=ask)
    assert ckpt.choices[0].message.content in {city for _, city in CAPITALS[:12]}
    assert (await c.models.retrieve(done.fine_tuned_model)).owned_by == "tunedeck-sandbox"
    listed = [m.id for m in (await c.models.list()).data]
    assert done.fine_tuned_model in listed and ckpts[0].fine_tuned_model_checkpoint not in listed
    assert (await c.models.delete(done.fine_tuned_model)).deleted is True
    with pytest.raises(openai.NotFoundError):
        await c.chat.completions.create(model=done.fine_tuned_model, messages=ask)


async def test_dpo_and_reinforcement_jobs_train_on_their_own_formats(c) -> None:

    dpo = await c.fine_tuning.jobs.create(
        model="sandbox-large", training_file=await upload(c, dpo_rows(12)),
        method={"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 2, "beta": 0.5}}})
    grader = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
              "reference": "{{item.answer}}", "operation": "eq"}
    rft = await c.fine_tuning.jobs.create(
        model="sandbox-small", training_file=await upload(c, rft_rows(12)),
        validation_file=await upload(c, rft_rows(14)[2:]),
        method={"type": "reinforcement", "reinforcement": {"grader": grader,
                                                           "hyperparameters": {"n_epochs": 2}}})
    dpo_done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(dpo.id), FINAL)
    rft_done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(rft.id), FINAL)
    assert (dpo_done.status, rft_done.status) == ("succeeded", "succeeded")
    assert dpo_done.method.dpo.hyperparameters.beta == 0.5
    ask = [{"role": "user", "content": question("Spain")}]
    for done in (dpo_done, rft_done):
        answer = await c.chat.completions.create(model=done.fine_tuned_model, messages=ask)
        assert answer.choices[0].message.content == "Madrid"
    rewards = [e.data["train_reward_mean"] for e in await _events(c, rft.id) if e.type == "metrics"]
    # Newest first: the last epoch earns full reward, the first step (nothing seen yet) none.
    assert rewards[0] == 1.0 and rewards[-1] == 0.0
    with pytest.raises(openai.BadRequestError) as info:  # RFT without a validation file
        await c.fine_tuning.jobs.create(model="sandbox-small", training_file=rft.training_file,
                                        method={"type": "reinforcement", "reinforcement": {"grader": grader}})
    assert info.value.body["param"] == "validation_file"
    with pytest.raises(openai.BadRequestError) as info:
        await c.fine_tuning.jobs.create(
            model="sandbox-small", training_file=rft.training_file, validation_file=rft.training_file,
            method={"type": "reinforcement", "reinforcement": {"grader": {**grader, "operation": "neq"}}})
    assert info.value.body["param"] == "method.reinforcement.grader.operation"


async def test_job_on_a_short_file_fails_with_invalid_n_examples(c) -> None:

    job = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=await upload(c, sft_rows(7)))
    done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(job.id), FINAL)
    assert done.status == "failed" and done.fine_tuned_model is None
    assert done.error.code == "invalid_n_examples" and done.error.param == "training_file"
    assert "7 example(s)" in done.error.message and "at least 10" in done.error.message
    events = await _events(c, job.id)
    assert events[0].level == "error" and done.error.message in events[0].message


async def test_job_on_a_broken_line_fails_naming_the_line(c) -> None:

    data = b"".join(sft_rows(12)[i] and __import__("json").dumps(sft_rows(12)[i]).encode() + b"\n"
                    for i in range(12))
    lines = data.splitlines(keepends=True)
    lines[4] = b'{"messages": [oops\n'
    job = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=await upload(c, b"".join(lines)))
    done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(job.id), FINAL)
    assert done.status == "failed" and done.error.code == "invalid_training_file"
    assert done.error.param == "training_file" and "line 5" in done.error.message.lower()


@pytest.mark.parametrize(("hyperparameters", "param"), [
    ({"n_epochs": 500}, "method.supervised.hyperparameters.n_epochs"),
    ({"batch_size": 0}, "method.supervised.hyperparameters.batch_size"),
    ({"learning_rate_multiplier": 0}, "method.supervised.hyperparameters.learning_rate_multiplier"),
])
async def test_out_of_range_hyperparameters_are_400_with_param(c, hyperparameters, param) -> None:

    train = await upload(c, sft_rows(12))
    with pytest.raises(openai.BadRequestError) as info:
        await c.fine_tuning.jobs.create(model="sandbox-small", training_file=train,
                                        method={"type": "supervised",
                                                "supervised": {"hyperparameters": hyperparameters}})
    assert info.value.status_code == 400 and info.value.body["param"] == param


async def test_other_bad_create_parameters(c) -> None:

    train = await upload(c, sft_rows(12))
    evals_file = await upload(c, b'{"item": {}}\n', purpose="evals")
    cases = [
        (dict(training_file=train, hyperparameters={"n_epochs": 500}), "hyperparameters.n_epochs"),
        (dict(training_file=train, method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 3}}}),
         "method.dpo.hyperparameters.beta"),
        (dict(training_file=train, suffix="x" * 65), "suffix"),
        (dict(training_file=train, metadata={str(i): "v" for i in range(17)}), "metadata"),
        (dict(training_file="file-missing"), "training_file"),
        (dict(training_file=evals_file), "training_file"),
    ]
    for kwargs, param in cases:
        with pytest.raises(openai.BadRequestError) as info:
            await c.fine_tuning.jobs.create(model="sandbox-small", **kwargs)
        assert info.value.body["param"] == param, kwargs
    with pytest.raises(openai.BadRequestError) as info:
        await c.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=train)
    assert info.value.body["param"] == "model"
    for call in (c.fine_tuning.jobs.retrieve, c.fine_tuning.jobs.cancel, c.fine_tuning.jobs.pause):
        with pytest.raises(openai.NotFoundError):
            await call("ftjob-missing")


async def test_pause_resume_and_cancel(c) -> None:

    train = await upload(c, sft_rows(20))
    hp = {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 5}}}
    job = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=train, method=hp)
    await wait_for(lambda: c.fine_tuning.jobs.retrieve(job.id), ("running",))
    paused = await c.fine_tuning.jobs.pause(job.id)
    assert paused.status == "paused"
    with pytest.raises(openai.ConflictError):
        await c.fine_tuning.jobs.pause(job.id)
    before = len(await _events(c, job.id))
    import asyncio

    await asyncio.sleep(0.3)  # 30 steps' worth of sandbox time at speed 50
    assert len(await _events(c, job.id)) == before  # nothing trains while paused
    assert (await c.fine_tuning.jobs.retrieve(job.id)).status == "paused"
    assert (await c.fine_tuning.jobs.resume(job.id)).status == "running"
    with pytest.raises(openai.ConflictError):
        await c.fine_tuning.jobs.resume(job.id)
    done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(job.id), FINAL)
    assert done.status == "succeeded"
    messages = [e.message for e in await _events(c, job.id)]
    assert messages.index("Fine-tuning job resumed") < messages.index("Fine-tuning job paused")
    steps = [e.data["step"] for e in await _events(c, job.id) if e.type == "metrics"]
    assert sorted(steps) == list(range(1, 101))  # every step once, across the pause

    other = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=train, method=hp)
    cancelled = await c.fine_tuning.jobs.cancel(other.id)
    assert cancelled.status == "cancelled" and cancelled.finished_at is not None
    await asyncio.sleep(0.2)
    again = await c.fine_tuning.jobs.retrieve(other.id)
    assert again.status == "cancelled" and again.fine_tuned_model is None
    with pytest.raises(openai.ConflictError):
        await c.fine_tuning.jobs.cancel(other.id)

    listed = [j.id async for j in c.fine_tuning.jobs.list(limit=1)]
    assert listed == [other.id, job.id]  # newest first, one a page
    tagged = await c.fine_tuning.jobs.list(metadata={"none": "such"})
    assert tagged.data == [] and tagged.has_more is False
