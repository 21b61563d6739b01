"""/v1/evals: eval CRUD, runs and output items. Execution lives in `tui.sandbox.eval_runner`."""

from __future__ import annotations

from typing import Any

import pydantic
from openai.types import EvalCreateResponse, EvalDeleteResponse
from openai.types.evals import RunCreateResponse, RunDeleteResponse
from openai.types.evals.runs import OutputItemListResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.engines import grading
from tui.sandbox import eval_runner, inference
from tui.sandbox.errors import APIError, bad_request, conflict, not_found
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump, int_param, new_id, now, page
from tui.sandbox.web import body, check_metadata, ok, path, require, sandbox

_NO_ERROR = {"code": "", "message": ""}
# Null while a run is queued or running (NOTES.md), though the SDK types say required.
_RUN_OPEN = {"error": _NO_ERROR, "per_model_usage": [], "per_testing_criteria_results": []}


def eval_json(ev: dict[str, Any]) -> dict[str, Any]:
    return dump(EvalCreateResponse, ev)


def run_json(run: dict[str, Any]) -> dict[str, Any]:
    return dump(RunCreateResponse, run, open_fields=_RUN_OPEN)


def item_json(item: dict[str, Any]) -> dict[str, Any]:
    error = item["sample"].get("error")
    sample = {**item["sample"], "error": error or _NO_ERROR}
    out = dump(OutputItemListResponse, {**item, "sample": sample})
    out["sample"]["error"] = error
    return out


def _get_eval(sb: Sandbox, eval_id: str) -> dict[str, Any]:
    ev = sb.state.get("evals", eval_id)
    if ev is None:
        raise not_found("eval", eval_id, "eval_id")
    return ev


def _get_run(sb: Sandbox, eval_id: str, run_id: str) -> dict[str, Any]:
    _get_eval(sb, eval_id)
    run = sb.state.get("runs", run_id)
    if run is None or run["eval_id"] != eval_id:
        raise not_found("eval run", run_id, "run_id")
    return run


def _ordered(items: list[dict[str, Any]], request: Request) -> list[dict[str, Any]]:
    order = request.query_params.get("order", "asc")
    if order not in ("asc", "desc"):
        raise bad_request("order must be 'asc' or 'desc'", "order")
    return list(reversed(items)) if order == "desc" else items


def _listing(request: Request, items: list[dict[str, Any]], serialize: Any) -> Response:
    q = request.query_params
    return ok(page(_ordered(items, request), after=q.get("after"),
                   limit=int_param(q.get("limit"), "limit"), serialize=serialize))


def _config(config: Any) -> dict[str, Any]:
    if not isinstance(config, dict) or config.get("type") not in ("custom", "logs", "stored_completions"):
        raise bad_request("data_source_config.type must be custom, logs or stored_completions.",
                          "data_source_config.type")
    if config["type"] != "custom":
        return {"type": config["type"], "schema": {"type": "object", "properties": {}},
                "metadata": config.get("metadata")}
    item_schema = config.get("item_schema")
    if not isinstance(item_schema, dict):
        raise bad_request("Missing required parameter: 'data_source_config.item_schema'.",
                          "data_source_config.item_schema", "missing_required_parameter")
    properties: dict[str, Any] = {"item": item_schema}
    if config.get("include_sample_schema"):
        properties["sample"] = {"type": "object", "properties": {
            "model": {"type": "string"}, "output_text": {"type": "string"},
            "output_json": {"type": "object"}, "choices": {"type": "array"}}}
    return {"type": "custom", "schema": {"type": "object", "properties": properties,
                                         "required": list(properties)}}


async def create_eval(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    criteria = require(data, "testing_criteria", list)
    for i, grader in enumerate(criteria):
        try:
            grading.check(grader, f"testing_criteria[{i}]")
        except grading.GraderError as exc:
            raise bad_request(str(exc), exc.param) from None
    ev = {"id": new_id("eval", "_"), "object": "eval", "created_at": now(),
          "name": data.get("name") or "", "data_source_config": _config(data.get("data_source_config")),
          "testing_criteria": criteria, "metadata": check_metadata(data.get("metadata"))}
    try:
        shaped = eval_json(ev)
    except pydantic.ValidationError as exc:
        raise bad_request(f"Invalid testing_criteria: {exc.errors()[0]['msg']}", "testing_criteria") from None
    sb.state.put("evals", ev)
    return ok(shaped)


async def list_evals(request: Request) -> Response:
    return _listing(request, sandbox(request).state.all("evals"), eval_json)


async def retrieve_eval(request: Request) -> Response:
    return ok(eval_json(_get_eval(sandbox(request), path(request, "eval_id"))))


async def update_eval(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    ev = _get_eval(sb, path(request, "eval_id"))
    if "name" in data:
        ev["name"] = require(data, "name")
    if "metadata" in data:
        ev["metadata"] = check_metadata(data["metadata"])
    sb.state.save("evals", ev)
    return ok(eval_json(ev))


async def delete_eval(request: Request) -> Response:
    sb = sandbox(request)
    ev = _get_eval(sb, path(request, "eval_id"))
    for run in sb.state.where("runs", eval_id=ev["id"]):
        _delete_run(sb, run)
    sb.state.delete("evals", ev["id"])
    return ok(dump(EvalDeleteResponse, {"object": "eval.deleted", "deleted": True, "eval_id": ev["id"]}))


def _data_source(sb: Sandbox, source: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(source, dict) or source.get("type") not in ("jsonl", "completions", "responses"):
        raise bad_request("data_source.type must be jsonl, completions or responses.", "data_source.type")
    inner = source.get("source")
    if not isinstance(inner, dict) or inner.get("type") not in ("file_content", "file_id"):
        raise bad_request("data_source.source must be file_content or file_id.", "data_source.source")
    if inner["type"] == "file_id" and sb.state.get("files", str(inner.get("id"))) is None:
        raise bad_request(f"No such file: {inner.get('id')}", "data_source.source.id", "invalid_file")
    if source["type"] == "jsonl":
        return source, "jsonl"
    model = source.get("model")
    if not isinstance(model, str):
        raise bad_request("Missing required parameter: 'data_source.model'.", "data_source.model",
                          "missing_required_parameter")
    try:
        sb.model_artifact(model, param="data_source.model")
    except APIError as exc:
        raise bad_request(exc.message, "data_source.model", "model_not_found") from None
    if not isinstance(source.get("input_messages"), dict):
        raise bad_request("Missing required parameter: 'data_source.input_messages'.",
                          "data_source.input_messages", "missing_required_parameter")
    params = source.get("sampling_params") or {}
    if not isinstance(params, dict):
        raise bad_request("Invalid type for 'data_source.sampling_params': expected an object.",
                          "data_source.sampling_params", "invalid_type")
    inference.positive_int(params.get("max_completion_tokens"),
                           "data_source.sampling_params.max_completion_tokens")
    return source, model


async def create_run(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    ev = _get_eval(sb, path(request, "eval_id"))
    source, model = _data_source(sb, data.get("data_source"))
    run_id = new_id("evalrun", "_")
    run = {
        "id": run_id, "object": "eval.run", "created_at": now(), "eval_id": ev["id"],
        "name": data.get("name") or f"{model} run", "model": model, "status": "queued",
        "data_source": source, "error": None, "metadata": check_metadata(data.get("metadata")),
        "per_model_usage": None, "per_testing_criteria_results": None,
        "result_counts": {"total": 0, "errored": 0, "failed": 0, "passed": 0},
        "report_url": f"{str(request.base_url).rstrip('/')}/v1/evals/{ev['id']}/runs/{run_id}",
    }
    try:
        shaped = run_json(run)
    except pydantic.ValidationError as exc:
        raise bad_request(f"Invalid data_source: {exc.errors()[0]['msg']}", "data_source") from None
    sb.state.put("runs", run)
    sb.spawn(run_id, eval_runner.run(sb, run_id))
    return ok(shaped)


async def list_runs(request: Request) -> Response:
    sb = sandbox(request)
    ev = _get_eval(sb, path(request, "eval_id"))
    runs = sb.state.where("runs", eval_id=ev["id"])
    if request.query_params.get("status"):
        runs = [r for r in runs if r["status"] == request.query_params["status"]]
    return _listing(request, runs, run_json)


async def retrieve_run(request: Request) -> Response:
    return ok(run_json(_get_run(sandbox(request), path(request, "eval_id"), path(request, "run_id"))))


async def cancel_run(request: Request) -> Response:
    sb = sandbox(request)
    run = _get_run(sb, path(request, "eval_id"), path(request, "run_id"))
    if run["status"] in eval_runner.FINAL:
        raise conflict(f"Run {run['id']} is {run['status']} and cannot be canceled.")
    sb.cancel_task(run["id"])
    run["status"] = "canceled"
    sb.state.save("runs", run)
    return ok(run_json(run))


def _delete_run(sb: Sandbox, run: dict[str, Any]) -> None:
    sb.cancel_task(run["id"])
    for item in sb.state.where("output_items", run_id=run["id"]):
        sb.state.delete("output_items", item["id"])
    sb.state.delete("runs", run["id"])


async def delete_run(request: Request) -> Response:
    sb = sandbox(request)
    run = _get_run(sb, path(request, "eval_id"), path(request, "run_id"))
    _delete_run(sb, run)
    return ok(dump(RunDeleteResponse, {"object": "eval.run.deleted", "deleted": True, "run_id": run["id"]}))


async def list_items(request: Request) -> Response:
    sb = sandbox(request)
    run = _get_run(sb, path(request, "eval_id"), path(request, "run_id"))
    items = sb.state.where("output_items", run_id=run["id"])
    status = request.query_params.get("status")
    if status:
        if status not in ("pass", "fail"):
            raise bad_request("status must be 'pass' or 'fail'", "status")
        items = [i for i in items if i["status"] == status]
    return _listing(request, items, item_json)


async def retrieve_item(request: Request) -> Response:
    sb = sandbox(request)
    run = _get_run(sb, path(request, "eval_id"), path(request, "run_id"))
    item = sb.state.get("output_items", path(request, "item_id"))
    if item is None or item["run_id"] != run["id"]:
        raise not_found("output item", path(request, "item_id"), "output_item_id")
    return ok(item_json(item))


_RUN = "/evals/{eval_id}/runs/{run_id}"
ROUTES = [
    Route("/evals", create_eval, methods=["POST"]),
    Route("/evals", list_evals, methods=["GET"]),
    Route("/evals/{eval_id}", retrieve_eval, methods=["GET"]),
    Route("/evals/{eval_id}", update_eval, methods=["POST"]),
    Route("/evals/{eval_id}", delete_eval, methods=["DELETE"]),
    Route("/evals/{eval_id}/runs", create_run, methods=["POST"]),
    Route("/evals/{eval_id}/runs", list_runs, methods=["GET"]),
    Route(_RUN, retrieve_run, methods=["GET"]),
    Route(_RUN, cancel_run, methods=["POST"]),  # the spec's path
    Route(_RUN + "/cancel", cancel_run, methods=["POST"]),  # the path the SDK calls
    Route(_RUN, delete_run, methods=["DELETE"]),
    Route(_RUN + "/output_items", list_items, methods=["GET"]),
    Route(_RUN + "/output_items/{item_id}", retrieve_item, methods=["GET"]),
]
