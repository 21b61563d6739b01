"""Batches: an uploaded JSONL of chat requests answered into an output file."""

from __future__ import annotations

import json

import openai
import pytest

from tests.sandbox.sandbox_data import jsonl, upload, wait_for

DONE = ("completed", "failed", "cancelled", "expired")


def request(custom_id: str, text: str, **body) -> dict:
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "sandbox-small", "messages": [{"role": "user", "content": text}], **body}}


async def test_batch_answers_every_line_and_reports_failures(c) -> None:
    lines = [request(f"req-{i}", f"line number {i}") for i in range(6)]
    lines.append(request("bad-model", "x", model="gpt-nope"))
    file_id = await upload(c, jsonl(lines), purpose="batch", name="requests.jsonl")
    batch = await c.batches.create(input_file_id=file_id, endpoint="/v1/chat/completions",
                                   completion_window="24h", metadata={"run": "1"})
    assert batch.status == "validating" and batch.metadata == {"run": "1"}
    done = await wait_for(lambda: c.batches.retrieve(batch.id), DONE)
    assert done.status == "completed" and done.completed_at is not None
    assert (done.request_counts.total, done.request_counts.completed, done.request_counts.failed) == (7, 6, 1)
    out = [json.loads(x) for x in (await c.files.content(done.output_file_id)).text.splitlines()]
    answers = {o["custom_id"]: o["response"]["body"]["choices"][0]["message"]["content"] for o in out}
    assert answers == {f"req-{i}": f"line number {i}" for i in range(6)}
    assert [o["custom_id"] for o in out] != [f"req-{i}" for i in range(6)]  # order is not promised
    errors = [json.loads(x) for x in (await c.files.content(done.error_file_id)).text.splitlines()]
    assert errors[0]["custom_id"] == "bad-model" and errors[0]["response"]["status_code"] == 404
    assert done.usage.output_tokens == 18
    assert [b.id async for b in c.batches.list(limit=1)] == [batch.id]


async def test_invalid_input_fails_the_batch_and_cancel_works(c) -> None:
    broken = await upload(c, jsonl([request("a", "x"), request("a", "y")]) + b"not json\n", purpose="batch")
    batch = await c.batches.create(input_file_id=broken, endpoint="/v1/chat/completions", completion_window="24h")
    done = await wait_for(lambda: c.batches.retrieve(batch.id), DONE)
    assert done.status == "failed"
    assert [(e.code, e.line) for e in done.errors.data] == [("duplicate_custom_id", 2), ("invalid_json_line", 3)]

    many = await upload(c, jsonl([request(f"r{i}", "hello") for i in range(200)]), purpose="batch")
    batch = await c.batches.create(input_file_id=many, endpoint="/v1/chat/completions", completion_window="24h")
    assert (await c.batches.cancel(batch.id)).status == "cancelling"
    done = await wait_for(lambda: c.batches.retrieve(batch.id), DONE)
    assert done.status == "cancelled" and done.cancelled_at is not None
    with pytest.raises(openai.ConflictError):
        await c.batches.cancel(batch.id)
    with pytest.raises(openai.NotFoundError):
        await c.batches.retrieve("batch_missing")
    with pytest.raises(openai.BadRequestError) as info:
        await c.batches.create(input_file_id=many, endpoint="/v1/embeddings", completion_window="24h")
    assert info.value.body["param"] == "endpoint"
