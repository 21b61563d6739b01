"""/v1/fine_tuning/jobs: create (with range checks), list, retrieve, cancel, pause, resume,
events and checkpoints. The lifecycle itself lives in `tui.sandbox.job_lifecycle`."""

from __future__ import annotations

import secrets
from typing import Any

from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.engines import grading
from tui.sandbox import job_lifecycle
from tui.sandbox.dialects import AZURE, BEDROCK, OPENAI, dialect, mine, owns
from tui.sandbox.errors import APIError, bad_request, conflict, not_found
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import dump, int_param, new_id, newest_first, now, page
from tui.sandbox.web import body, check_metadata, ok, path, require, sandbox

METHODS = ("supervised", "dpo", "reinforcement")
_JOB_OPEN = {"status": "running"}  # `paused` is not in the SDK's Literal yet


def job_json(job: dict[str, Any]) -> dict[str, Any]:
    return dump(FineTuningJob, job, open_fields=_JOB_OPEN)


def _get(sb: Sandbox, job_id: str, request: Request) -> dict[str, Any]:
    job = sb.state.get("jobs", job_id)
    if not owns(job, dialect(request)):
        raise not_found("fine-tuning job", job_id, "fine_tuning_job_id")
    assert job is not None
    return job


def _check_range(hp: Any, prefix: str, method: str) -> dict[str, Any]:
    if hp is None:
        return {}
    if not isinstance(hp, dict):
        raise bad_request(f"'{prefix}' must be an object.", prefix)

    def number(key: str, *, integer: bool, ok_range: Any, wording: str) -> None:
        value = hp.get(key)
        if value is None or value == "auto":
            return
        good_type = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not good_type or not ok_range(value):
            raise bad_request(f"Invalid value for '{key}': {value!r}. Expected 'auto' or {wording}.",
                              f"{prefix}.{key}", "invalid_hyperparameter")

    number("batch_size", integer=True, ok_range=lambda v: 1 <= v <= 256, wording="an integer 1-256")
    number("n_epochs", integer=True, ok_range=lambda v: 1 <= v <= 50, wording="an integer 1-50")
    number("learning_rate_multiplier", integer=False, ok_range=lambda v: v > 0, wording="a number > 0")
    if method == "dpo":
        number("beta", integer=False, ok_range=lambda v: 0 < v <= 2, wording="a number in (0, 2]")
    if method == "reinforcement":
        number("compute_multiplier", integer=False, ok_range=lambda v: v > 0, wording="a number > 0")
        number("eval_interval", integer=True, ok_range=lambda v: v >= 1, wording="an integer >= 1")
        number("eval_samples", integer=True, ok_range=lambda v: v >= 1, wording="an integer >= 1")
    return hp


def _file(sb: Sandbox, file_id: Any, param: str, where: str = OPENAI) -> str:
    if not isinstance(file_id, str):
        raise bad_request(f"Invalid type for '{param}'.", param)
    record = sb.state.get("files", file_id)
    if not owns(record, where):
        raise bad_request(f"invalid {param}: {file_id} (no such file)", param, "invalid_file")
    if record["purpose"] != "fine-tune":
        raise bad_request(f"File {file_id} has purpose '{record['purpose']}'; fine-tuning needs "
                          "purpose 'fine-tune'.", param, "invalid_file_purpose")
    return file_id


def _method(data: dict[str, Any]) -> dict[str, Any]:
    method = data.get("method")
    if method is None:
        # The deprecated top-level hyperparameters mean a supervised job.
        hp = _check_range(data.get("hyperparameters"), "hyperparameters", "supervised")
        return {"type": "supervised", "supervised": {"hyperparameters": hp}}
    if not isinstance(method, dict) or method.get("type") not in METHODS:
        raise bad_request(f"Invalid 'method.type': expected one of {', '.join(METHODS)}.", "method.type")
    kind = method["type"]
    inner = method.get(kind) or {}
    if not isinstance(inner, dict):
        raise bad_request(f"'method.{kind}' must be an object.", f"method.{kind}")
    hp = _check_range(inner.get("hyperparameters"), f"method.{kind}.hyperparameters", kind)
    out: dict[str, Any] = {"type": kind, kind: {**inner, "hyperparameters": hp}}
    if kind == "reinforcement":
        if inner.get("grader") is None:
            raise bad_request("Reinforcement fine-tuning needs a grader.", "method.reinforcement.grader",
                              "missing_required_parameter")
        try:
            grading.check(inner["grader"], "method.reinforcement.grader")
        except grading.GraderError as exc:
            raise bad_request(str(exc), exc.param) from None
    return out


TRAINING_NOT_AVAILABLE = (
    "OpenAI is winding down the fine-tuning platform and your organization is no longer able "
    "to create new fine-tuning training jobs. (sandbox fault injection)")


async def create(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    where = dialect(request)
    state = request.scope.get("state", {})
    if state.get("training_not_available") and where == OPENAI:
        raise APIError(403, TRAINING_NOT_AVAILABLE, code="training_not_available")
    model = require(data, "model")
    if model not in sb.engine.base_models():
        raise bad_request(f"Model {model} is not available for fine-tuning on this sandbox; use one of "
                          f"{', '.join(sb.engine.base_models())}.", "model", "model_not_available")
    training = _file(sb, data.get("training_file"), "training_file", where)
    validation = _file(sb, data["validation_file"], "validation_file", where) \
        if data.get("validation_file") else None
    suffix = data.get("suffix")
    if where == BEDROCK and suffix is not None:
        raise bad_request("Suffix field is not supported.", "suffix", "unsupported_parameter")
    if suffix is not None and (not isinstance(suffix, str) or not 1 <= len(suffix) <= 64):
        raise bad_request("suffix must be a string of 1 to 64 characters.", "suffix")
    extra: dict[str, Any] = {}
    name = None
    job_id = new_id("ftjob")
    if where == AZURE:
        from tui.sandbox.dialects import azure

        extra["_training_type"] = azure.training_type(data.get("trainingType"))
        azure.check_suffix(suffix)
        name = azure.model_name(model, job_id, suffix)
    seed = data.get("seed")
    if seed is None:
        seed = secrets.randbelow(2**31)
    elif not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 2**31 - 1:
        raise bad_request("seed must be an integer between 0 and 2147483647.", "seed")
    metadata = check_metadata(data.get("metadata"))
    method = _method(data)
    if method["type"] == "reinforcement" and validation is None:
        raise bad_request("Reinforcement fine-tuning needs a validation_file.", "validation_file",
                          "missing_required_parameter")
    job = job_lifecycle.start_job(sb, model=model, training=training, validation=validation,
                         method=method, seed=seed, metadata=metadata, suffix=suffix,
                         fail=bool(state.get("fail_job")), dialect=where, job_id=job_id,
                         name=name, extra=extra)
    return ok(view(request, job))


def view(request: Request, job: dict[str, Any]) -> dict[str, Any]:
    """The job as this dialect shows it (Azure adds its training type)."""
    out = job_json(job)
    if dialect(request) == AZURE:
        out["trainingType"] = job.get("_training_type")
    return out


async def list_jobs(request: Request) -> Response:
    sb, q = sandbox(request), request.query_params
    items = newest_first(mine(sb.state.all("jobs"), dialect(request)))
    for key, value in q.items():
        if key.startswith("metadata[") and key.endswith("]"):
            name = key[len("metadata["):-1]
            items = [j for j in items if (j.get("metadata") or {}).get(name) == value]
    return ok(page(items, after=q.get("after"), limit=int_param(q.get("limit"), "limit"),
                   serialize=lambda j: view(request, j)))


async def retrieve(request: Request) -> Response:
    return ok(view(request, _get(sandbox(request), path(request, "job_id"), request)))


async def cancel(request: Request) -> Response:
    sb = sandbox(request)
    job = _get(sb, path(request, "job_id"), request)
    if job["status"] in job_lifecycle.FINAL:
        raise conflict(f"Job {job['id']} has already {job['status']}; it cannot be cancelled.")
    sb.cancel_task(job["id"])
    job.update(status="cancelled", _phase="done", finished_at=now(), estimated_finish=None)
    job_lifecycle.add_event(sb, job, "Fine-tuning job cancelled")
    sb.state.save("jobs", job)
    return ok(view(request, job))


async def pause(request: Request) -> Response:
    sb = sandbox(request)
    job = _get(sb, path(request, "job_id"), request)
    if job["status"] in job_lifecycle.FINAL or job["status"] == "paused":
        raise conflict(f"Job {job['id']} is {job['status']}; only an active job can be paused.")
    job["_resume_status"] = job["status"]
    job["status"] = "paused"
    job_lifecycle.add_event(sb, job, "Fine-tuning job paused")
    sb.state.save("jobs", job)
    return ok(view(request, job))


async def resume(request: Request) -> Response:
    sb = sandbox(request)
    job = _get(sb, path(request, "job_id"), request)
    if job["status"] != "paused":
        raise conflict(f"Job {job['id']} is {job['status']}; only a paused job can be resumed.")
    job["status"] = job.pop("_resume_status", "running")
    job_lifecycle.add_event(sb, job, "Fine-tuning job resumed")
    sb.state.save("jobs", job)
    return ok(view(request, job))


async def events(request: Request) -> Response:
    sb, q = sandbox(request), request.query_params
    job = _get(sb, path(request, "job_id"), request)
    items = newest_first(sb.state.where("events", _job=job["id"]))
    return ok(page(items, after=q.get("after"), limit=int_param(q.get("limit"), "limit"),
                   serialize=lambda e: dump(FineTuningJobEvent, e)))


async def checkpoints(request: Request) -> Response:
    sb, q = sandbox(request), request.query_params
    job = _get(sb, path(request, "job_id"), request)
    items = newest_first(sb.state.where("checkpoints", fine_tuning_job_id=job["id"]))
    return ok(page(items, after=q.get("after"), limit=int_param(q.get("limit"), "limit"),
                   serialize=lambda c: dump(FineTuningJobCheckpoint, c), default_limit=10))


ROUTES = [
    Route("/fine_tuning/jobs", create, methods=["POST"]),
    Route("/fine_tuning/jobs", list_jobs, methods=["GET"]),
    Route("/fine_tuning/jobs/{job_id}", retrieve, methods=["GET"]),
    Route("/fine_tuning/jobs/{job_id}/cancel", cancel, methods=["POST"]),
    Route("/fine_tuning/jobs/{job_id}/pause", pause, methods=["POST"]),
    Route("/fine_tuning/jobs/{job_id}/resume", resume, methods=["POST"]),
    Route("/fine_tuning/jobs/{job_id}/events", events, methods=["GET"]),
    Route("/fine_tuning/jobs/{job_id}/checkpoints", checkpoints, methods=["GET"]),
]
