"""/v1/models: the sandbox's base models and the models its jobs trained."""

from __future__ import annotations

from typing import Any

from openai.types import Model, ModelDeleted
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox.errors import APIError
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump
from tui.sandbox.web import ok, path, sandbox

# Base models carry a fixed, recognisable creation date: 2026-01-01.
_BASE_CREATED = 1767225600


def _models(sb: Sandbox) -> list[dict[str, Any]]:
    base = [{"id": name, "object": "model", "created": _BASE_CREATED, "owned_by": sb.owner}
            for name in sb.engine.base_models()]
    trained = [r for r in sb.state.all("models") if not r.get("_checkpoint")]
    return base + trained


async def list_models(request: Request) -> Response:
    data = [dump(Model, m) for m in _models(sandbox(request))]
    return ok({"object": "list", "data": data, "has_more": False})


async def retrieve_model(request: Request) -> Response:
    sb, name = sandbox(request), path(request, "model")
    for model in _models(sb):
        if model["id"] == name:
            return ok(dump(Model, model))
    record = sb.state.get("models", name)  # checkpoints are callable and retrievable too
    if record is not None:
        return ok(dump(Model, record))
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
