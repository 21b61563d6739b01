"""Request parameters → engine calls, shared by chat completions, responses, batches and evals."""

from __future__ import annotations

import asyncio
from typing import Any

from tui.engines.protocol import Generation, GenerationParams, ModelNotAvailable
from tui.sandbox.errors import APIError, bad_request
from tui.sandbox.service import Sandbox

CHAT_ROLES = ("system", "developer", "user", "assistant", "tool", "function")


def check_messages(messages: Any, param: str = "messages") -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise bad_request(f"'{param}' must be a non-empty array of messages.", param)
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise bad_request(f"Invalid type for '{param}[{i}]': expected an object.", f"{param}[{i}]")
        if message.get("role") not in CHAT_ROLES:
            raise bad_request(
                f"Invalid value for '{param}[{i}].role': expected one of {', '.join(CHAT_ROLES)}.",
                f"{param}[{i}].role",
            )
    return messages


def positive_int(value: Any, param: str, *, low: int = 1, high: int | None = None) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < low or (high and value > high):
        bound = f" and {high}" if high else ""
        raise bad_request(f"Invalid '{param}': must be an integer between {low}{bound}.", param)
    return value


def number_in(value: Any, param: str, low: float, high: float) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise bad_request(f"Invalid '{param}': must be a number between {low:g} and {high:g}.", param)
    return float(value)


def schema_of(fmt: Any, param: str) -> dict[str, Any] | None:
    """The JSON schema a response_format / text.format asks for ({} = any JSON object)."""
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") not in ("text", "json_object", "json_schema"):
        raise bad_request(f"Invalid '{param}.type': expected text, json_object or json_schema.",
                          f"{param}.type")
    if fmt["type"] == "text":
        return None
    if fmt["type"] == "json_object":
        return {}
    # Chat nests the schema under json_schema; Responses puts it on the format itself.
    holder = fmt.get("json_schema", fmt)
    schema = holder.get("schema") if isinstance(holder, dict) else None
    if not isinstance(schema, dict):
        raise bad_request(f"Missing '{param}.json_schema.schema'.", f"{param}.json_schema")
    return schema


async def generate(
    sb: Sandbox, model: str, messages: list[dict[str, Any]], params: GenerationParams
) -> Generation:
    artifact = sb.model_artifact(model)
    inline = getattr(sb.engine, "answers_inline", None)
    try:
        if inline is not None and inline(artifact, messages):
            return sb.engine.generate(model, artifact, messages, params)
        # Nearest-example search (or a real model) is CPU work; keep the loop free for others.
        return await asyncio.to_thread(sb.engine.generate, model, artifact, messages, params)
    except ModelNotAvailable as exc:
        raise APIError(404, str(exc), param="model", code="model_not_found") from None


def pieces(text: str, size: int = 12) -> list[str]:
    """Stream deltas: consecutive slices whose concatenation is exactly `text`."""
    if not text:
        return []
    out, start = [], 0
    while start < len(text):
        end = text.find(" ", start + size)
        end = len(text) if end == -1 else end
        out.append(text[start:end])
        start = end
    return out
