"""Evals: CRUD, string_check grading, runs over jsonl/completions/responses, output items."""

from __future__ import annotations

import openai
import pytest

from tests.sandbox.sandbox_data import CAPITALS, question, sft_rows, upload, wait_for

ITEM_SCHEMA = {"type": "object", "properties": {"country": {"type": "string"}, "city": {"type": "string"}}}
EXACT = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
         "reference": "{{item.city}}", "operation": "eq"}
MENTIONS = {"type": "string_check", "name": "mentions", "input": "{{sample.output_text}}",
            "reference": "{{item.country}}", "operation": "ilike"}
TEMPLATE = {"type": "template", "template": [
    {"role": "system", "content": "Answer with the city name only."},
    {"role": "user", "content": "What is the capital of {{item.country}}?"}]}
RUN_DONE = ("completed", "failed", "canceled")


def items(n: int) -> list[dict]:
    return [{"item": {"country": country, "city": city}} for country, city in CAPITALS[:n]]


async def _eval(c: openai.AsyncOpenAI, criteria: list[dict] | None = None) -> str:
    ev = await c.evals.create(name="capitals", metadata={"set": "europe"},
                              data_source_config={"type": "custom", "item_schema": ITEM_SCHEMA,
                                                  "include_sample_schema": True},
                              testing_criteria=criteria or [EXACT, MENTIONS])
    return ev.id


async def test_eval_crud_and_rejected_operation(c) -> None:
    eval_id = await _eval(c)
    got = await c.evals.retrieve(eval_id)
    assert got.name == "capitals" and [t.name for t in got.testing_criteria] == ["exact", "mentions"]
    assert got.data_source_config.schema_["properties"]["item"] == ITEM_SCHEMA
    assert (await c.evals.update(eval_id, name="renamed")).name == "renamed"
    second = await _eval(c)
    assert [e.id async for e in c.evals.list(limit=1)] == [eval_id, second]
    assert [e.id async for e in c.evals.list(order="desc")] == [second, eval_id]
    with pytest.raises(openai.BadRequestError) as info:
        await c.evals.create(name="bad", data_source_config={"type": "custom", "item_schema": ITEM_SCHEMA},
                             testing_criteria=[EXACT, {**MENTIONS, "operation": "neq"}])
    assert info.value.status_code == 400 and info.value.body["param"] == "testing_criteria[1].operation"
    assert "neq" in info.value.body["message"]
    deleted = await c.evals.delete(second)
    assert deleted.deleted is True and deleted.eval_id == second
    with pytest.raises(openai.NotFoundError):
        await c.evals.retrieve(second)
    with pytest.raises(openai.NotFoundError):
        await c.evals.runs.retrieve("evalrun_missing", eval_id=eval_id)


async def test_completions_run_before_and_after_fine_tuning(c) -> None:
    eval_id = await _eval(c)
    data = [{"item": {"country": country, "city": city}} for country, city in CAPITALS[:6]]
    source = {"type": "file_content", "content": data}

    async def run(model: str):
        r = await c.evals.runs.create(eval_id, name=model, data_source={
            "type": "completions", "model": model, "input_messages": TEMPLATE, "source": source})
        assert r.status == "queued" and r.per_model_usage is None
        return await wait_for(lambda: c.evals.runs.retrieve(r.id, eval_id=eval_id), RUN_DONE)

    before = await run("sandbox-small")
    # The base model echoes the question: it mentions the country but never equals the city.
    assert before.status == "completed"
    assert (before.result_counts.total, before.result_counts.passed, before.result_counts.failed) == (6, 0, 6)
    per = {r.testing_criteria: (r.passed, r.failed) for r in before.per_testing_criteria_results}
    assert per == {"exact": (0, 6), "mentions": (6, 0)}
    assert before.per_model_usage[0].invocation_count == 6

    job = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=await upload(c, sft_rows(12)),
                                          method={"type": "supervised",
                                                  "supervised": {"hyperparameters": {"n_epochs": 2}}})
    job = await wait_for(lambda: c.fine_tuning.jobs.retrieve(job.id), ("succeeded", "failed"))
    after = await run(job.fine_tuned_model)
    # Trained on these capitals, it answers the city: exact passes, mentioning the country fails.
    per = {r.testing_criteria: (r.passed, r.failed) for r in after.per_testing_criteria_results}
    assert per == {"exact": (6, 0), "mentions": (0, 6)}

    out = [i async for i in c.evals.runs.output_items.list(after.id, eval_id=eval_id, limit=4)]
    assert len(out) == 6 and [i.datasource_item_id for i in out] == list(range(6))
    first = out[0]
    assert first.datasource_item == {"country": "France", "city": "Paris"}
    assert first.sample.output[0].content == "Paris"
    assert first.sample.input[1].content == question("France")
    assert {r.name: r.passed for r in first.results} == {"exact": True, "mentions": False}
    assert first.status == "fail"
    again = await c.evals.runs.output_items.retrieve(first.id, eval_id=eval_id, run_id=after.id)
    assert again.id == first.id and again.sample.usage.completion_tokens == 1
    fails = await c.evals.runs.output_items.list(before.id, eval_id=eval_id, status="fail")
    assert len(fails.data) == 6
    runs = [r.id async for r in c.evals.runs.list(eval_id)]
    assert runs == [before.id, after.id]


async def test_jsonl_and_responses_runs_from_files_and_errored_graders(c) -> None:
    eval_id = await _eval(c, [EXACT, {"type": "text_similarity", "name": "fuzzy", "input": "{{sample.output_text}}",
                                      "reference": "{{item.city}}", "evaluation_metric": "fuzzy_match",
                                      "pass_threshold": 0.5}])
    rows = [{"item": {"country": "France", "city": "Paris"}, "sample": {"output_text": "Paris"}},
            {"item": {"country": "Italy", "city": "Rome"}, "sample": {"output_text": "Milan"}}]
    jsonl_run = await c.evals.runs.create(eval_id, data_source={
        "type": "jsonl", "source": {"type": "file_content", "content": rows}})
    done = await wait_for(lambda: c.evals.runs.retrieve(jsonl_run.id, eval_id=eval_id), RUN_DONE)
    # Graded by the project's grader engine: Paris/Paris passes both, Milan/Rome fails both.
    counts = done.result_counts
    assert (counts.passed, counts.failed, counts.errored) == (1, 1, 0)
    items = (await c.evals.runs.output_items.list(done.id, eval_id=eval_id, order="asc")).data
    scores = {r.name: r.score for r in items[0].results}
    assert scores == {"exact": 1.0, "fuzzy": 1.0} and items[1].status == "fail"

    exact_only = await _eval(c, [EXACT])
    file_id = await upload(c, b"".join(
        f'{{"item": {{"country": "{k}", "city": "{v}"}}}}\n'.encode() for k, v in CAPITALS[:3]), purpose="evals")
    resp_run = await c.evals.runs.create(exact_only, data_source={
        "type": "responses", "model": "sandbox-large", "source": {"type": "file_id", "id": file_id},
        "input_messages": {"type": "template", "template": [{"role": "user", "content": "{{item.city}}"}]}})
    done = await wait_for(lambda: c.evals.runs.retrieve(resp_run.id, eval_id=exact_only),
                          RUN_DONE)
    # sandbox-large reverses word order: a one-word city comes back as itself.
    assert (done.result_counts.passed, done.result_counts.total) == (3, 3)
    with pytest.raises(openai.BadRequestError) as info:
        await c.evals.runs.create(exact_only, data_source={
            "type": "completions", "model": "gpt-nope", "input_messages": TEMPLATE,
            "source": {"type": "file_content", "content": []}})
    assert info.value.body["param"] == "data_source.model"


async def test_run_cancel_and_delete(c) -> None:
    eval_id = await _eval(c)
    run = await c.evals.runs.create(eval_id, data_source={
        "type": "completions", "model": "sandbox-small", "input_messages": TEMPLATE,
        "source": {"type": "file_content", "content": items(20) * 10}})
    cancelled = await c.evals.runs.cancel(run.id, eval_id=eval_id)
    assert cancelled.status == "canceled"
    with pytest.raises(openai.ConflictError):
        await c.evals.runs.cancel(run.id, eval_id=eval_id)
    deleted = await c.evals.runs.delete(run.id, eval_id=eval_id)
    assert deleted.deleted is True and deleted.run_id == run.id
    with pytest.raises(openai.NotFoundError):
        await c.evals.runs.retrieve(run.id, eval_id=eval_id)
