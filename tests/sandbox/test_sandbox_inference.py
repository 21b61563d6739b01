"""Chat completions and responses: deterministic answers, limits, JSON, streaming with usage."""

from __future__ import annotations

import json

import openai
import pytest

USER = [{"role": "user", "content": "Tell me about the quiet harbour at dawn"}]


async def test_chat_answers_deterministically_with_n_and_usage(c) -> None:

    small = await c.chat.completions.create(model="sandbox-small", messages=USER, n=3)
    assert [ch.message.content for ch in small.choices] == ["Tell me about the quiet harbour at dawn"] * 3
    assert [ch.index for ch in small.choices] == [0, 1, 2]
    assert small.choices[0].finish_reason == "stop" and small.model == "sandbox-small"
    # 8 words, 3 answers; prompt = 3 per message + 3 per conversation + 8 words.
    assert (small.usage.prompt_tokens, small.usage.completion_tokens) == (14, 24)
    large = await c.chat.completions.create(model="sandbox-large", messages=USER)
    assert large.choices[0].message.content == "dawn at harbour quiet the about me Tell"


@pytest.mark.parametrize("limit_key", ["max_tokens", "max_completion_tokens"])
async def test_chat_token_limit_cuts_with_finish_reason_length(c, limit_key) -> None:

    r = await c.chat.completions.create(model="sandbox-small", messages=USER, **{limit_key: 3})
    assert r.choices[0].message.content == "Tell me about"
    assert r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 3


async def test_chat_json_schema_answer_is_valid_json_for_the_schema(c) -> None:
    schema = {"type": "object", "additionalProperties": False, "required": ["title", "score", "tags", "mood"],
              "properties": {"title": {"type": "string"}, "score": {"type": "integer", "minimum": 1},
                             "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
                             "mood": {"anyOf": [{"$ref": "#/$defs/mood"}, {"type": "null"}]}},
              "$defs": {"mood": {"type": "string", "enum": ["calm", "stormy"]}}}

    r = await c.chat.completions.create(
        model="sandbox-small", messages=USER,
        response_format={"type": "json_schema", "json_schema": {"name": "note", "schema": schema, "strict": True}})
    value = json.loads(r.choices[0].message.content)
    assert value == {"title": USER[0]["content"], "score": 1, "tags": [USER[0]["content"]] * 2, "mood": "calm"}
    obj = await c.chat.completions.create(model="sandbox-small", messages=USER,
                                          response_format={"type": "json_object"})
    assert json.loads(obj.choices[0].message.content) == {"answer": USER[0]["content"]}


async def test_chat_stream_sends_deltas_then_usage_in_a_last_empty_chunk(c) -> None:

    stream = await c.chat.completions.create(model="sandbox-small", messages=USER, stream=True,
                                             stream_options={"include_usage": True}, n=2)
    chunks = [chunk async for chunk in stream]
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices and ch.choices[0].index == 0)
    assert text == USER[0]["content"]
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == 16
    assert all(ch.usage is None for ch in chunks[:-1])
    finishes = [(x.index, x.finish_reason) for ch in chunks for x in ch.choices if x.finish_reason]
    assert finishes == [(0, "stop"), (1, "stop")]
    plain = [ch async for ch in await c.chat.completions.create(model="sandbox-small", messages=USER, stream=True)]
    assert all(ch.choices for ch in plain)  # no usage chunk unless asked for


async def test_chat_rejects_bad_parameters_with_param(c) -> None:

    cases = [({"messages": []}, "messages"), ({"messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
             ({"messages": USER, "n": 0}, "n"), ({"messages": USER, "max_tokens": -1}, "max_tokens"),
             ({"messages": USER, "temperature": 3}, "temperature")]
    for extra, param in cases:
        with pytest.raises(openai.BadRequestError) as info:
            await c.chat.completions.create(model="sandbox-small", **extra)
        assert info.value.body["param"] == param, extra
    with pytest.raises(openai.NotFoundError) as info:
        await c.chat.completions.create(model="gpt-4o", messages=USER)
    assert info.value.code == "model_not_found"


async def test_responses_non_streaming_and_incomplete(c) -> None:

    r = await c.responses.create(model="sandbox-small", instructions="Be brief.",
                                 input=[{"role": "user", "content": [{"type": "input_text", "text": "hello sandbox"}]}])
    assert r.output_text == "hello sandbox" and r.status == "completed"
    assert r.usage.output_tokens == 2 and r.usage.total_tokens == r.usage.input_tokens + 2
    assert (await c.responses.retrieve(r.id)).output_text == "hello sandbox"
    long = " ".join(f"w{i}" for i in range(40))
    cut = await c.responses.create(model="sandbox-small", input=long, max_output_tokens=16)
    assert cut.status == "incomplete" and cut.incomplete_details.reason == "max_output_tokens"
    assert cut.output_text == " ".join(f"w{i}" for i in range(16))


async def test_responses_stream_events_end_with_completed_and_usage(c) -> None:

    text = "a streamed answer that is long enough to arrive in several deltas"
    stream = await c.responses.create(model="sandbox-small", input=text, stream=True)
    events = [e async for e in stream]
    types = [e.type for e in events]
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert types[-4:] == ["response.output_text.done", "response.content_part.done",
                          "response.output_item.done", "response.completed"]
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert len(deltas) > 1 and "".join(deltas) == text
    assert [e.sequence_number for e in events] == list(range(len(events)))
    done = events[-1].response
    assert done.output_text == text and done.usage.output_tokens == 12


async def test_the_teacher_knows_the_capitals_task_but_every_fifth_country(c) -> None:
    async def ask(n: int) -> str:
        r = await c.chat.completions.create(model="sandbox-teacher", messages=[
            {"role": "user", "content": f"What is the capital of country number {n}?"}])
        return r.choices[0].message.content

    assert await ask(3) == "The capital of country 3 is City3."
    assert await ask(4) == "I am not sure which city is the capital of country 4."
    # Outside its task family it echoes, like sandbox-small.
    other = await c.chat.completions.create(model="sandbox-teacher",
                                            messages=[{"role": "user", "content": "hi there"}])
    assert other.choices[0].message.content == "hi there"


async def test_base_model_answers_skip_the_thread_hop(monkeypatch) -> None:
    """Issue 19: a base model's answer on a short conversation is cheaper than handing it
    to a thread and back, so it is made on the loop; a trained model's nearest-example
    search, or a long conversation, still goes to a thread. Same answers either way."""
    import asyncio
    from types import SimpleNamespace

    from tui.engines.honest import SandboxEngine
    from tui.engines.protocol import GenerationParams
    from tui.sandbox import inference

    hops: list[str] = []
    real = asyncio.to_thread

    async def counted(fn, *args):
        hops.append(args[0])
        return await real(fn, *args)

    monkeypatch.setattr(inference.asyncio, "to_thread", counted)
    engine = SandboxEngine()
    artifact = {"base": "sandbox-small", "examples": [["harbour dawn", "Trained.", 1.0]]}
    sb = SimpleNamespace(engine=engine, model_artifact=lambda name: (
        None if name in engine.base_models() else artifact))
    params = GenerationParams()
    short = await inference.generate(sb, "sandbox-small", USER, params)
    assert short.text == "Tell me about the quiet harbour at dawn" and hops == []
    long = [{"role": "user", "content": "word " * 4_000}]  # 20k characters
    await inference.generate(sb, "sandbox-small", long, params)
    trained = await inference.generate(sb, "ft:sandbox-small:x", USER, params)
    assert trained.text == "Trained."
    assert hops == ["sandbox-small", "ft:sandbox-small:x"]
