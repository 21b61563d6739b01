"""Stored chat completions: what `store: true` keeps, listed and read back like OpenAI's.

GET /v1/chat/completions filters by `metadata[key]=value` (every pair must match),
`model`, pages with `after`/`limit` and sorts by `order` (asc, the API's default);
GET /v1/chat/completions/{id}/messages gives the completion's input messages.
"""

from __future__ import annotations

from typing import Any

from openai.types.chat import ChatCompletion, ChatCompletionStoreMessage
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox.errors import bad_request, not_found
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump, int_param, page
from tui.sandbox.web import check_metadata, ok, path, sandbox

KIND = "chat_completions"


def remember(sb: Sandbox, data: dict[str, Any], answer: dict[str, Any]) -> None:
    """Keep a completion made with `store: true`, its metadata and its input messages."""
    metadata = check_metadata(data.get("metadata")) or {}
    messages = [{"id": f"{answer['id']}-{i}", **m} for i, m in enumerate(data["messages"])]
    sb.state.put(KIND, {**answer, "metadata": metadata, "_messages": messages})


def completion_json(record: dict[str, Any]) -> dict[str, Any]:
    return dump(ChatCompletion, record)


def message_json(message: dict[str, Any]) -> dict[str, Any]:
    content = message.get("content")
    parts = content if isinstance(content, list) else None
    shaped = {"id": message["id"], "role": message.get("role"),
              "content": None if parts is not None else content, "content_parts": parts}
    if message.get("name"):
        shaped["name"] = message["name"]
    if message.get("tool_calls"):
        shaped["tool_calls"] = message["tool_calls"]
    # The SDK types a stored message as an assistant's; input messages have every role.
    return dump(ChatCompletionStoreMessage, shaped, open_fields={"role": "assistant"})


def _ordered(items: list[dict[str, Any]], order: str | None) -> list[dict[str, Any]]:
    if order not in (None, "asc", "desc"):
        raise bad_request("Invalid 'order': expected 'asc' or 'desc'.", "order")
    return list(reversed(items)) if order == "desc" else items


async def list_completions(request: Request) -> Response:
    sb, q = sandbox(request), request.query_params
    wanted = {key[len("metadata["):-1]: value for key, value in q.multi_items()
              if key.startswith("metadata[") and key.endswith("]")}
    items = [r for r in sb.state.all(KIND)
             if all((r.get("metadata") or {}).get(k) == v for k, v in wanted.items())
             and (not q.get("model") or r.get("model") == q.get("model"))]
    return ok(page(_ordered(items, q.get("order")), after=q.get("after"),
                   limit=int_param(q.get("limit"), "limit"), serialize=completion_json,
                   max_limit=100))


def _stored(sb: Sandbox, completion_id: str) -> dict[str, Any]:
    record = sb.state.get(KIND, completion_id)
    if record is None:
        raise not_found("chat completion", completion_id, "completion_id")
    return record


async def retrieve(request: Request) -> Response:
    return ok(completion_json(_stored(sandbox(request), path(request, "completion_id"))))


async def list_messages(request: Request) -> Response:
    q = request.query_params
    record = _stored(sandbox(request), path(request, "completion_id"))
    return ok(page(_ordered(record["_messages"], q.get("order")), after=q.get("after"),
                   limit=int_param(q.get("limit"), "limit"), serialize=message_json,
                   max_limit=100))


ROUTES = [
    Route("/chat/completions", list_completions, methods=["GET"]),
    Route("/chat/completions/{completion_id}", retrieve, methods=["GET"]),
    Route("/chat/completions/{completion_id}/messages", list_messages, methods=["GET"]),
]
