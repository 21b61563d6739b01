"""/v1/chat/completions: non-streaming and SSE streaming answers of sandbox models."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import orjson
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tui.engines.protocol import Generation, GenerationParams
from tui.sandbox import inference
from tui.sandbox.errors import bad_request
from tui.sandbox.routes import chat_stored as stored
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump, new_id, now
from tui.sandbox.web import body, ok, require, sandbox

FINGERPRINT = "fp_tunedeck_sandbox"
_STREAM_STEP = 0.02  # sandbox seconds between chunks


def parse(data: dict[str, Any]) -> tuple[str, list[dict[str, Any]], GenerationParams, int]:
    model = require(data, "model")
    messages = inference.check_messages(data.get("messages"))
    n = inference.positive_int(data.get("n"), "n", high=128) or 1
    limit = inference.positive_int(data.get("max_completion_tokens"), "max_completion_tokens")
    if limit is None:
        limit = inference.positive_int(data.get("max_tokens"), "max_tokens")
    temperature = inference.number_in(data.get("temperature"), "temperature", 0, 2)
    inference.number_in(data.get("top_p"), "top_p", 0, 1)
    schema = inference.schema_of(data.get("response_format"), "response_format")
    seed = data.get("seed") if isinstance(data.get("seed"), int) else None
    return model, messages, GenerationParams(limit, schema, temperature, seed), n


def usage(gen: Generation, n: int) -> dict[str, Any]:
    completion = gen.completion_tokens * n
    return dump(CompletionUsage, {
        "prompt_tokens": gen.prompt_tokens, "completion_tokens": completion,
        "total_tokens": gen.prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0,
                                      "rejected_prediction_tokens": 0},
    })


def completion_json(model: str, gen: Generation, n: int) -> dict[str, Any]:
    # Sandbox models are deterministic: the n choices are the same answer.
    choices = [{"index": i, "finish_reason": gen.finish_reason, "logprobs": None,
                "message": {"role": "assistant", "content": gen.text, "refusal": None}}
               for i in range(n)]
    return dump(ChatCompletion, {
        "id": new_id("chatcmpl"), "object": "chat.completion", "created": now(), "model": model,
        "choices": choices, "usage": usage(gen, n), "system_fingerprint": FINGERPRINT,
        "service_tier": "default",
    })


async def complete(sb: Sandbox, data: dict[str, Any],
                   resolve: Callable[[str], str] | None = None) -> dict[str, Any]:
    """One non-streaming chat completion (also what a batch line runs); `resolve` maps the
    requested name to the model that answers (a dialect's deployment names)."""
    model, messages, params, n = parse(data)
    served = resolve(model) if resolve is not None else model
    gen = await inference.generate(sb, served, messages, params)
    return completion_json(model, gen, n)


async def create(request: Request) -> Response:
    from tui.sandbox.dialects import resolve_model

    sb, data = sandbox(request), await body(request)

    def resolve(name: str) -> str:
        return resolve_model(request, sb, name)

    if not data.get("stream"):
        answer = await complete(sb, data, resolve)
        if data.get("store") is True:
            stored.remember(sb, data, answer)
        return ok(answer)
    model, messages, params, n = parse(data)
    options = data.get("stream_options") or {}
    if not isinstance(options, dict):
        raise bad_request("Invalid 'stream_options': expected an object.", "stream_options")
    gen = await inference.generate(sb, resolve(model), messages, params)
    return StreamingResponse(_stream(sb, model, gen, n, bool(options.get("include_usage"))),
                             media_type="text/event-stream")


async def _stream(sb: Sandbox, model: str, gen: Generation, n: int, include_usage: bool) -> AsyncIterator[bytes]:
    base = {"id": new_id("chatcmpl"), "object": "chat.completion.chunk", "created": now(),
            "model": model, "system_fingerprint": FINGERPRINT, "service_tier": "default"}
    if include_usage:
        base["usage"] = None  # OpenAI sends usage: null on every chunk but the last

    def event(choices: list[dict[str, Any]], **extra: Any) -> bytes:
        chunk = dump(ChatCompletionChunk, {**base, "choices": choices, **extra})
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    yield event([{"index": i, "delta": {"role": "assistant", "content": "", "refusal": None},
                  "finish_reason": None, "logprobs": None} for i in range(n)])
    for piece in inference.pieces(gen.text):
        await sb.sleep(_STREAM_STEP)
        yield event([{"index": i, "delta": {"content": piece}, "finish_reason": None, "logprobs": None}
                     for i in range(n)])
    yield event([{"index": i, "delta": {}, "finish_reason": gen.finish_reason, "logprobs": None}
                 for i in range(n)])
    if include_usage:
        yield event([], usage=usage(gen, n))
    yield b"data: [DONE]\n\n"


ROUTES = [Route("/chat/completions", create, methods=["POST"])]
