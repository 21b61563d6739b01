"""/v1/models: the sandbox's base models and the models its jobs trained.

Each model carries `shutdown_date` as OpenAI's list does: the sandbox's retirement table
(Sandbox.retirements, e.g. sandbox-small on 2027-01-14, the day OpenAI's fine-tuned
gpt-4o/4.1 models stop answering) for base models on the OpenAI dialect; a tuned model
follows its base model's date.
"""

from __future__ import annotations

from typing import Any

from openai.types import Model, ModelDeleted
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox.dialects import OPENAI, dialect, mine
from tui.sandbox.errors import APIError
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump
from tui.sandbox.web import ok, path, sandbox

# Base models carry a fixed, recognisable creation date: 2026-01-01.
_BASE_CREATED = 1767225600


def _shutdown(sb: Sandbox, where: str, base: str) -> str | None:
    return sb.retirements.get(base) if where == OPENAI else None


def _models(sb: Sandbox, where: str) -> list[dict[str, Any]]:
    base = [{"id": name, "object": "model", "created": _BASE_CREATED, "owned_by": sb.owner,
             "shutdown_date": _shutdown(sb, where, name)}
            for name in sb.engine.base_models()]
    trained = [_dated(sb, where, r) for r in mine(sb.state.all("models"), where)
               if not r.get("_checkpoint")]
    return base + trained


def _dated(sb: Sandbox, where: str, record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "shutdown_date": _shutdown(sb, where, record.get("_base") or "")}


async def list_models(request: Request) -> Response:
    sb, where = sandbox(request), dialect(request)
    data = [dump(Model, m) for m in _models(sb, where)]
    return ok({"object": "list", "data": data, "has_more": False})


async def retrieve_model(request: Request) -> Response:
    sb, name, where = sandbox(request), path(request, "model"), dialect(request)
    for model in _models(sb, where):
        if model["id"] == name:
            return ok(dump(Model, model))
    record = sb.state.get("models", name)  # checkpoints are callable and retrievable too
    if record is not None and mine([record], where):
        return ok(dump(Model, _dated(sb, where, record)))
    raise APIError(404, f"The model '{name}' does not exist", param="model", code="model_not_found")


async def delete_model(request: Request) -> Response:
    sb, name = sandbox(request), path(request, "model")
    if name in sb.engine.base_models():
        raise APIError(403, f"You are not allowed to delete the base model '{name}'.",
                       param="model", code="model_not_deletable")
    record = sb.state.get("models", name)
    if record is None:
        raise APIError(404, f"The model '{name}' does not exist", param="model", code="model_not_found")
    sb.state.delete("models", name)
    return ok(dump(ModelDeleted, {"id": name, "object": "model", "deleted": True}))


ROUTES = [
    Route("/models", list_models, methods=["GET"]),
    Route("/models/{model:path}", retrieve_model, methods=["GET"]),
    Route("/models/{model:path}", delete_model, methods=["DELETE"]),
]
