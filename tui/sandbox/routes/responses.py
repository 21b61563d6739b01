"""/v1/responses: the Responses API over the same sandbox models, streaming included."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import openai.types.responses as R
import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from tui.engines.protocol import Generation, GenerationParams
from tui.engines.text import content_text
from tui.sandbox import inference
from tui.sandbox.errors import bad_request, not_found
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump, new_id
from tui.sandbox.web import body, check_metadata, ok, path, require, sandbox

_STREAM_STEP = 0.02


def to_messages(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Responses `instructions` + `input` (string or items) as chat messages."""
    messages: list[dict[str, Any]] = []
    if isinstance(data.get("instructions"), str):
        messages.append({"role": "system", "content": data["instructions"]})
    given = data.get("input")
    if isinstance(given, str):
        messages.append({"role": "user", "content": given})
    elif isinstance(given, list):
        for i, item in enumerate(given):
            if not isinstance(item, dict):
                raise bad_request(f"Invalid type for 'input[{i}]'.", f"input[{i}]")
            if item.get("type", "message") == "message":
                if item.get("role") not in ("user", "assistant", "system", "developer"):
                    raise bad_request(f"Invalid value for 'input[{i}].role'.", f"input[{i}].role")
                messages.append({"role": item["role"], "content": content_text(item.get("content"))})
            elif item.get("type") == "function_call_output":
                messages.append({"role": "tool", "content": str(item.get("output", ""))})
    else:
        raise bad_request("Missing required parameter: 'input'.", "input", "missing_required_parameter")
    if not messages:
        raise bad_request("'input' must not be empty.", "input")
    return messages


def _parse(data: dict[str, Any]) -> tuple[str, list[dict[str, Any]], GenerationParams]:
    model = require(data, "model")
    for key in ("instructions", "previous_response_id"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise bad_request(f"Invalid type for '{key}': expected a string.", key, "invalid_type")
    messages = to_messages(data)
    limit = inference.positive_int(data.get("max_output_tokens"), "max_output_tokens", low=16)
    temperature = inference.number_in(data.get("temperature"), "temperature", 0, 2)
    inference.number_in(data.get("top_p"), "top_p", 0, 1)
    text = data.get("text") or {}
    schema = inference.schema_of(text.get("format"), "text.format") if isinstance(text, dict) else None
    check_metadata(data.get("metadata"))
    return model, messages, GenerationParams(limit, schema, temperature)


def _usage(gen: Generation) -> dict[str, Any]:
    return {"input_tokens": gen.prompt_tokens, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": gen.completion_tokens, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": gen.prompt_tokens + gen.completion_tokens}


def _message(msg_id: str, text: str | None, status: str) -> dict[str, Any]:
    content = [] if text is None else [{"type": "output_text", "text": text, "annotations": [],
                                        "logprobs": []}]
    return {"id": msg_id, "type": "message", "role": "assistant", "status": status, "content": content}


def _response(data: dict[str, Any], model: str, resp_id: str, created: float,
              gen: Generation | None, msg_id: str) -> dict[str, Any]:
    done = gen is not None
    cut = done and gen.finish_reason == "length"
    text_cfg = data.get("text") if isinstance(data.get("text"), dict) else {"format": {"type": "text"}}
    return dump(R.Response, {
        "id": resp_id, "object": "response", "created_at": created, "model": model,
        "status": ("incomplete" if cut else "completed") if done else "in_progress",
        "completed_at": int(time.time()) if done and not cut else None,
        "error": None, "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
        "instructions": data.get("instructions"), "metadata": data.get("metadata") or {},
        "output": [_message(msg_id, gen.text, "incomplete" if cut else "completed")] if done else [],
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
        "temperature": data.get("temperature", 1.0), "top_p": data.get("top_p", 1.0),
        "max_output_tokens": data.get("max_output_tokens"), "text": text_cfg,
        "previous_response_id": data.get("previous_response_id"), "store": True,
        "usage": _usage(gen) if done else None,
    })


async def create(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    model, messages, params = _parse(data)
    gen = await inference.generate(sb, model, messages, params)
    resp_id, msg_id, created = new_id("resp", "_"), new_id("msg", "_"), float(int(time.time()))
    final = _response(data, model, resp_id, created, gen, msg_id)
    sb.state.put("responses", final)
    if not data.get("stream"):
        return ok(final)
    started = _response(data, model, resp_id, created, None, msg_id)
    return StreamingResponse(_stream(sb, started, final, gen, msg_id), media_type="text/event-stream")


async def _stream(sb: Sandbox, started: dict[str, Any], final: dict[str, Any], gen: Generation,
                  msg_id: str) -> AsyncIterator[bytes]:
    seq = 0

    def event(model: type, **fields: Any) -> bytes:
        nonlocal seq
        payload = dump(model, {**fields, "sequence_number": seq})
        seq += 1
        return f"event: {payload['type']}\n".encode() + b"data: " + orjson.dumps(payload) + b"\n\n"

    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    where = {"item_id": msg_id, "output_index": 0, "content_index": 0}
    yield event(R.ResponseCreatedEvent, type="response.created", response=started)
    yield event(R.ResponseInProgressEvent, type="response.in_progress", response=started)
    yield event(R.ResponseOutputItemAddedEvent, type="response.output_item.added", output_index=0,
                item=_message(msg_id, None, "in_progress"))
    yield event(R.ResponseContentPartAddedEvent, type="response.content_part.added", part=part, **where)
    for piece in inference.pieces(gen.text):
        await sb.sleep(_STREAM_STEP)
        yield event(R.ResponseTextDeltaEvent, type="response.output_text.delta", delta=piece,
                    logprobs=[], **where)
    yield event(R.ResponseTextDoneEvent, type="response.output_text.done", text=gen.text,
                logprobs=[], **where)
    yield event(R.ResponseContentPartDoneEvent, type="response.content_part.done",
                part={**part, "text": gen.text}, **where)
    yield event(R.ResponseOutputItemDoneEvent, type="response.output_item.done", output_index=0,
                item=final["output"][0])
    if final["status"] == "incomplete":
        yield event(R.ResponseIncompleteEvent, type="response.incomplete", response=final)
    else:
        yield event(R.ResponseCompletedEvent, type="response.completed", response=final)


async def retrieve(request: Request) -> Response:
    record = sandbox(request).state.get("responses", path(request, "response_id"))
    if record is None:
        raise not_found("response", path(request, "response_id"), "response_id")
    return ok(record)


ROUTES = [
    Route("/responses", create, methods=["POST"]),
    Route("/responses/{response_id}", retrieve, methods=["GET"]),
]
