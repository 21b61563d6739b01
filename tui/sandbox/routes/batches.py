"""/v1/batches: create from an uploaded JSONL of requests, list, retrieve, cancel."""

from __future__ import annotations

from typing import Any

from openai.types import Batch
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox import batch_runner
from tui.sandbox.errors import bad_request, conflict, not_found
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump, int_param, new_id, newest_first, now, page
from tui.sandbox.web import body, check_metadata, ok, path, require, sandbox


def batch_json(batch: dict[str, Any]) -> dict[str, Any]:
    return dump(Batch, batch)


def _get(sb: Sandbox, batch_id: str) -> dict[str, Any]:
    batch = sb.state.get("batches", batch_id)
    if batch is None:
        raise not_found("batch", batch_id, "batch_id")
    return batch


async def create(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    file_id = require(data, "input_file_id")
    endpoint = require(data, "endpoint")
    window = require(data, "completion_window")
    if endpoint not in batch_runner.SUPPORTED:
        raise bad_request(f"The sandbox runs batches for {', '.join(batch_runner.SUPPORTED)} only.",
                          "endpoint", "unsupported_endpoint")
    if window != "24h":
        raise bad_request("completion_window must be '24h'.", "completion_window")
    record = sb.state.get("files", file_id)
    if record is None:
        raise bad_request(f"No such file: {file_id}", "input_file_id", "invalid_file")
    if record["purpose"] != "batch":
        raise bad_request(f"File {file_id} has purpose '{record['purpose']}', not 'batch'.",
                          "input_file_id", "invalid_file_purpose")
    created = now()
    batch = {
        "id": new_id("batch", "_"), "object": "batch", "endpoint": endpoint, "errors": None,
        "input_file_id": file_id, "completion_window": window, "status": "validating",
        "output_file_id": None, "error_file_id": None, "created_at": created,
        "expires_at": created + 86_400, "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "metadata": check_metadata(data.get("metadata")), "model": None,
    }
    sb.state.put("batches", batch)
    sb.spawn(batch["id"], batch_runner.run(sb, batch["id"]))
    return ok(batch_json(batch))


async def list_batches(request: Request) -> Response:
    sb, q = sandbox(request), request.query_params
    return ok(page(newest_first(sb.state.all("batches")), after=q.get("after"),
                   limit=int_param(q.get("limit"), "limit"), serialize=batch_json))


async def retrieve(request: Request) -> Response:
    return ok(batch_json(_get(sandbox(request), path(request, "batch_id"))))


async def cancel(request: Request) -> Response:
    sb = sandbox(request)
    batch = _get(sb, path(request, "batch_id"))
    if batch["status"] in batch_runner.FINAL or batch["status"] == "cancelling":
        raise conflict(f"Batch {batch['id']} is {batch['status']} and cannot be cancelled.")
    # The runner notices, stops between requests and keeps what it already answered.
    batch.update(status="cancelling", cancelling_at=now())
    sb.state.save("batches", batch)
    return ok(batch_json(batch))


ROUTES = [
    Route("/batches", create, methods=["POST"]),
    Route("/batches", list_batches, methods=["GET"]),
    Route("/batches/{batch_id}", retrieve, methods=["GET"]),
    Route("/batches/{batch_id}/cancel", cancel, methods=["POST"]),
]
