"""Together's fine-tuning API under `/together`, in the shapes the `together` SDK parses.

`Together(base_url="http://127.0.0.1:PORT/together", api_key=KEY)` works unchanged: the
SDK joins `/v1/...` to its base. Routes, request bodies and response types follow the
SDK's source (together/resources/fine_tuning.py, files.py, lib/resources/files.py):

* files: `POST /v1/files` answers 302 with a signed URL (`Location`) and the file id
  (`X-Together-File-Id`), or 409 with `file_id` when the same checksum is there already;
  the bytes are PUT to the signed URL (no credentials: the token is in the path); then
  `POST /v1/files/{id}/preprocess` validates them;
* jobs: `GET /v1/fine-tunes/models/limits`, `POST /v1/fine-tunes/estimate-price` (the SDK
  calls both before creating), `POST/GET /v1/fine-tunes`, `GET /{id}`, `/{id}/cancel`,
  `/{id}/events` (oldest first), `/{id}/checkpoints`, `/{id}/metrics`;
* chat: `POST /v1/chat/completions` (OpenAI's shape), tuned models by their
  `model_output_name` at once (as Together serves LoRA fine-tunes serverless).

The jobs run on the sandbox engine through the one job lifecycle; Together's
`learning_rate` is passed to the engine relative to Together's default (1e-5), as
OpenAI's multiplier.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox import job_lifecycle
from tui.sandbox.dialects import TOGETHER, mine, owns
from tui.sandbox.errors import APIError, bad_request, conflict, not_found
from tui.sandbox.routes import chat
from tui.sandbox.routes.files import store_file
from tui.sandbox.routes.fine_tuning import _check_range
from tui.sandbox.shapes import newest_first, now
from tui.sandbox.web import body, ok, path, sandbox

USER = "tunedeck-sandbox"
DEFAULT_LR = 1e-5
STATUS = {"validating_files": "pending", "queued": "queued", "running": "running",
          "paused": "running", "succeeded": "completed", "failed": "error",
          "cancelled": "cancelled"}
# Event messages of the job lifecycle -> Together's event types.
_EVENT_TYPES = (
    ("Created fine-tuning job", "job_pending"),
    ("Validating training file", "training_data_downloading"),
    ("Files validated", "training_data_download_complete"),
    ("Fine-tuning job started", "job_start"),
    ("Checkpoint created", "checkpoint_save"),
    ("New fine-tuned model created", "model_upload_complete"),
    ("The job has successfully completed", "job_complete"),
    ("Fine-tuning job failed", "job_error"),
    ("Fine-tuning job cancelled", "job_stopped"),
)


def _iso(ts: int | float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat().replace(
        "+00:00", "Z")


def _get(request: Request, job_id: str) -> dict[str, Any]:
    job = sandbox(request).state.get("jobs", job_id)
    if not owns(job, TOGETHER):
        raise APIError(404, f"Fine-tune job {job_id} not found", code="not_found")
    assert job is not None
    return job


# -- models and prices -------------------------------------------------------------
def _limits(model: str) -> dict[str, Any]:
    return {
        "model_name": model, "default_gradient_accumulation_steps": 1,
        "lora_training": {"default_rank": 8, "max_batch_size": 256, "max_batch_size_dpo": 256,
                          "max_rank": 64, "min_batch_size": 1, "target_modules": ["all-linear"]},
        "full_training": {"max_batch_size": 256, "max_batch_size_dpo": 256, "min_batch_size": 1},
        "max_learning_rate": 1.0, "min_learning_rate": 1e-8, "max_num_checkpoints": 20,
        "max_num_epochs": 50, "max_num_evals": 100, "max_seq_length_dpo": 8192,
        "max_seq_length_sft": 8192, "merge_output_lora": True, "min_max_seq_length": 128,
        "supports_full_training": True, "supports_reasoning": False, "supports_tools": True,
        "supports_vision": False,
    }


def _base_model(request: Request, model: Any) -> str:
    if not isinstance(model, str) or model not in sandbox(request).engine.base_models():
        raise APIError(404, f"Model {model} is not available for fine-tuning. Use one of "
                       f"{', '.join(sandbox(request).engine.base_models())}.",
                       param="model", code="model_not_available")
    return model


async def model_limits(request: Request) -> Response:
    return ok(_limits(_base_model(request, request.query_params.get("model_name"))))


async def estimate_price(request: Request) -> Response:
    data = await body(request)
    record = sandbox(request).state.get("files", str(data.get("training_file") or ""))
    if not owns(record, TOGETHER):
        return ok({"estimation_available": False, "unavailable_reason": "train_file_invalid"})
    assert record is not None
    tokens = record["bytes"] // 4 * int(data.get("n_epochs") or 1)
    return ok({"estimation_available": True, "allowed_to_proceed": True,
               "estimated_total_price": 0.0, "estimated_train_token_count": tokens,
               "estimated_eval_token_count": 0, "user_limit": 0.0})


# -- jobs ----------------------------------------------------------------------------
def _file(request: Request, file_id: Any, param: str) -> str:
    record = sandbox(request).state.get("files", str(file_id))
    if not owns(record, TOGETHER):
        raise bad_request(f"{param}: file {file_id} does not exist", param, "invalid_file")
    return str(file_id)


def _method(data: dict[str, Any]) -> dict[str, Any]:
    training = data.get("training_method") or {"method": "sft"}
    kind = {"sft": "supervised", "dpo": "dpo"}.get(str(training.get("method")))
    if kind is None:
        raise bad_request("training_method.method must be sft or dpo", "training_method")
    hp: dict[str, Any] = {"n_epochs": data.get("n_epochs", 1)}
    if isinstance(data.get("batch_size"), int):
        hp["batch_size"] = data["batch_size"]
    if data.get("learning_rate") is not None:
        hp["learning_rate_multiplier"] = float(data["learning_rate"]) / DEFAULT_LR
    if kind == "dpo" and training.get("dpo_beta") is not None:
        hp["beta"] = training["dpo_beta"]
    return {"type": kind, kind: {"hyperparameters": _check_range(hp, "hyperparameters", kind)}}


async def create_job(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    model = _base_model(request, data.get("model"))
    training = _file(request, data.get("training_file"), "training_file")
    validation = _file(request, data["validation_file"], "validation_file") \
        if data.get("validation_file") else None
    suffix = data.get("suffix")
    if suffix is not None and (not isinstance(suffix, str) or len(suffix) > 40):
        raise bad_request("suffix must be a string of at most 40 characters", "suffix")
    method = _method(data)
    job_id = f"ft-{uuid.uuid4()}"
    name = f"{USER}/{model}-{suffix + '-' if suffix else ''}{job_id[3:11]}"
    request_fields = {k: data.get(k) for k in (
        "n_checkpoints", "n_evals", "learning_rate", "lr_scheduler", "warmup_ratio",
        "max_grad_norm", "weight_decay", "training_type", "training_method", "packing",
        "max_seq_length", "batch_size", "n_epochs", "suffix")}
    job = job_lifecycle.start_job(sb, model=model, training=training, validation=validation,
                         method=method, seed=int(data.get("random_seed") or 42), metadata=None,
                         suffix=suffix, fail=bool(request.scope.get("state", {}).get(
                             "fail_job")), dialect=TOGETHER, job_id=job_id, name=name,
                         extra={"_together": request_fields})
    return ok(view(job))


def view(job: dict[str, Any], *, truncated: bool = False) -> dict[str, Any]:
    """A job as Together's FinetuneResponse (or its truncated list form)."""
    asked = job.get("_together") or {}
    status = STATUS.get(job["status"], job["status"])
    done = job["status"] in job_lifecycle.FINAL
    total = job.get("_total_steps")
    out: dict[str, Any] = {
        "id": job["id"], "status": status, "user_id": USER, "model": job["model"],
        "model_output_name": job_lifecycle.model_name(job), "suffix": job.get("_suffix"),
        "created_at": _iso(job["created_at"]), "updated_at": _iso(job.get("finished_at")
                                                                  or now()),
        "started_at": _iso(job["created_at"]), "training_file": job["training_file"],
        "validation_file": job.get("validation_file") or "",
        "n_epochs": asked.get("n_epochs") or 1, "n_checkpoints": asked.get("n_checkpoints"),
        "n_evals": asked.get("n_evals"), "batch_size": asked.get("batch_size") or "max",
        "learning_rate": asked.get("learning_rate") or DEFAULT_LR,
        "lr_scheduler": asked.get("lr_scheduler"), "warmup_ratio": asked.get("warmup_ratio"),
        "max_grad_norm": asked.get("max_grad_norm"), "weight_decay": asked.get("weight_decay"),
        "training_type": asked.get("training_type") or {"type": "Full"},
        "training_method": asked.get("training_method") or {"method": "sft",
                                                           "train_on_inputs": "auto"},
        "random_seed": job.get("seed"), "token_count": job.get("trained_tokens"),
        "total_price": 0, "events": [], "queue_depth": 0,
        "progress": {"estimate_available": job.get("estimated_finish") is not None,
                     "seconds_remaining": max(0, (job.get("estimated_finish") or now())
                                              - now())},
    }
    if not truncated:
        out.update(total_steps=total, steps_completed=(job.get("_next_step") or 1) - 1,
                   adapter_output_name=None, param_count=None, eval_steps=None,
                   epochs_completed=None, job_id=job["id"])
    if done and job["status"] == "failed" and job.get("error"):
        # Together says why a job failed in its error event (the job has no error field).
        out["events"] = [{"object": "fine-tune-event", "type": "job_error", "level": "error",
                          "created_at": _iso(job.get("finished_at")),
                          "message": job["error"].get("message") or "failed"}]
    return out


async def list_jobs(request: Request) -> Response:
    items = newest_first(mine(sandbox(request).state.all("jobs"), TOGETHER))
    return ok({"data": [view(j, truncated=True) for j in items]})


async def retrieve_job(request: Request) -> Response:
    return ok(view(_get(request, path(request, "job_id"))))


async def cancel_job(request: Request) -> Response:
    sb = sandbox(request)
    job = _get(request, path(request, "job_id"))
    if job["status"] in job_lifecycle.FINAL:
        raise conflict(f"Fine-tune job {job['id']} is already {STATUS[job['status']]}")
    sb.cancel_task(job["id"])
    job.update(status="cancelled", _phase="done", finished_at=now(), estimated_finish=None)
    job_lifecycle.add_event(sb, job, "Fine-tuning job cancelled")
    sb.state.save("jobs", job)
    return ok(view(job, truncated=True))


def _event(event: dict[str, Any]) -> dict[str, Any]:
    message = event["message"]
    kind = next((t for prefix, t in _EVENT_TYPES if message.startswith(prefix)),
                "warning" if event.get("level") == "warning" else "training_start")
    out = {"object": "fine-tune-event", "created_at": _iso(event["created_at"]),
           "level": event.get("level") or "info", "message": message, "type": kind,
           "hash": event["id"], "param_count": None, "token_count": None, "wandb_url": ""}
    if kind == "checkpoint_save":
        step = message.split("step ", 1)[-1].split(" ", 1)[0]
        out["step"] = int(step) if step.isdigit() else None
    return out


async def list_events(request: Request) -> Response:
    sb = sandbox(request)
    job = _get(request, path(request, "job_id"))
    events = [e for e in sb.state.where("events", _job=job["id"]) if e.get("type") != "metrics"]
    return ok({"data": [_event(e) for e in events]})


async def list_metrics(request: Request) -> Response:
    sb = sandbox(request)
    job = _get(request, path(request, "job_id"))
    rows = []
    for event in sb.state.where("events", _job=job["id"], type="metrics"):
        data = event.get("data") or {}
        row = {"train/global_step": data.get("step"), "timestamp": event["created_at"],
               "train/loss": data.get("train_loss")}
        if "train_mean_token_accuracy" in data:
            row["train/mean_token_accuracy"] = data["train_mean_token_accuracy"]
        if "valid_loss" in data:
            row["eval/loss"] = data["valid_loss"]
        rows.append(row)
    resolution = request.query_params.get("resolution")
    if resolution and resolution.isdigit() and 0 < int(resolution) < len(rows):
        keep = int(resolution)
        rows = [rows[round(i * (len(rows) - 1) / max(1, keep - 1))] for i in range(keep)]
    return ok({"metrics": rows})


async def list_checkpoints(request: Request) -> Response:
    sb = sandbox(request)
    job = _get(request, path(request, "job_id"))
    out = [{"checkpoint_type": f"Intermediate checkpoint at step {c['step_number']}",
            "created_at": _iso(c["created_at"]), "step": c["step_number"],
            "path": f"s3://together-sandbox/{job['id']}/checkpoint-{c['step_number']}",
            "checkpoint": "adapter", "object_name": c["fine_tuned_model_checkpoint"]}
           for c in sb.state.where("checkpoints", fine_tuning_job_id=job["id"])]
    if job["status"] == "succeeded":
        out.append({"checkpoint_type": "Final", "created_at": _iso(job.get("finished_at")),
                    "step": job.get("_total_steps") or 0, "path":
                    f"s3://together-sandbox/{job['id']}/final", "checkpoint": "adapter",
                    "object_name": job_lifecycle.model_name(job)})
    return ok({"data": out})


# -- files ---------------------------------------------------------------------------
def file_view(record: dict[str, Any]) -> dict[str, Any]:
    return {"id": record["id"], "object": "file", "created_at": record["created_at"],
            "filename": record["filename"], "bytes": record["bytes"],
            "purpose": record["purpose"], "FileType": "jsonl",
            "processing_status": record.get("_processing") or "COMPLETED",
            "validation_report": record.get("_report")}


async def create_file(request: Request) -> Response:
    sb = sandbox(request)
    async with request.form() as form:
        fields = {k: str(v) for k, v in form.items()}
    purpose = fields.get("purpose") or "fine-tune"
    if purpose not in ("fine-tune", "eval", "batch-api", "calibration"):
        raise bad_request(f"Invalid purpose {purpose!r}", "purpose")
    name, checksum = fields.get("file_name") or "upload.jsonl", fields.get("checksum") or ""
    for record in mine(sb.state.all("files"), TOGETHER):
        if checksum and record.get("_checksum") == checksum and record["purpose"] == purpose:
            return ok({"message": "File already exists", "file_id": record["id"]}, 409)
    token = secrets.token_urlsafe(24)
    file_id = f"file-{uuid.uuid4()}"
    sb.state.put("signed", {"id": token, "_dialect": TOGETHER, "_file": file_id,
                            "_filename": name, "_purpose": purpose, "_checksum": checksum})
    location = f"{str(request.base_url).rstrip('/')}/together/upload/{token}"
    return Response(status_code=302, headers={"Location": location,
                                              "X-Together-File-Id": file_id})


async def put_upload(request: Request) -> Response:
    sb = sandbox(request)
    signed = sb.state.get("signed", path(request, "token"))
    if signed is None or signed.get("_dialect") != TOGETHER:
        return Response("unknown or used upload URL", status_code=403)
    data = await request.body()
    if signed["_checksum"] and hashlib.sha256(data).hexdigest() != signed["_checksum"]:
        return Response("the bytes do not match the checksum given", status_code=400)
    record = store_file(sb, data, filename=signed["_filename"], purpose=signed["_purpose"],
                        dialect=TOGETHER, file_id=signed["_file"])
    record.update(_checksum=signed["_checksum"], _processing="PENDING")
    sb.state.save("files", record)
    sb.state.delete("signed", signed["id"])
    return Response(status_code=200)


def _file_record(request: Request) -> dict[str, Any]:
    record = sandbox(request).state.get("files", path(request, "file_id"))
    if not owns(record, TOGETHER):
        raise not_found("file", path(request, "file_id"), "id")
    assert record is not None
    return record


async def preprocess(request: Request) -> Response:
    from tui.sandbox.validation import check_file

    sb = sandbox(request)
    record = _file_record(request)
    data = sb.state.blob(record["id"]) or b""
    lines = [line for line in data.splitlines() if line.strip()]
    dpo = bool(lines) and b'"preferred_output"' in lines[0]
    verdict = check_file(data, method="dpo" if dpo else "supervised")
    record.update(_processing="COMPLETED" if verdict.ok else "INVALID_FORMAT",
                  _report={"valid": verdict.ok, "nlines": len(lines), "file_id": record["id"],
                           "dataset_format": "PREFERENCE_OPENAI" if dpo else "CONVERSATION",
                           "error": None if verdict.ok else verdict.message,
                           "error_type": None if verdict.ok else "INVALID_FORMAT"})
    sb.state.save("files", record)
    return ok(file_view(record))


async def list_files(request: Request) -> Response:
    return ok({"data": [file_view(r) for r in mine(sandbox(request).state.all("files"),
                                                    TOGETHER)
                        if r["purpose"] != "fine-tune-results"]})


async def retrieve_file(request: Request) -> Response:
    return ok(file_view(_file_record(request)))


async def file_content(request: Request) -> Response:
    record = _file_record(request)
    return Response(sandbox(request).state.blob(record["id"]) or b"",
                    media_type="application/octet-stream")


async def delete_file(request: Request) -> Response:
    sb = sandbox(request)
    record = _file_record(request)
    sb.state.delete("files", record["id"])
    sb.state.delete_blob(record["id"])
    return ok({"id": record["id"], "deleted": True})


ROUTES = [
    Route("/v1/fine-tunes/models/limits", model_limits, methods=["GET"]),
    Route("/v1/fine-tunes/estimate-price", estimate_price, methods=["POST"]),
    Route("/v1/fine-tunes", create_job, methods=["POST"]),
    Route("/v1/fine-tunes", list_jobs, methods=["GET"]),
    Route("/v1/fine-tunes/{job_id}", retrieve_job, methods=["GET"]),
    Route("/v1/fine-tunes/{job_id}/cancel", cancel_job, methods=["POST"]),
    Route("/v1/fine-tunes/{job_id}/events", list_events, methods=["GET"]),
    Route("/v1/fine-tunes/{job_id}/metrics", list_metrics, methods=["GET"]),
    Route("/v1/fine-tunes/{job_id}/checkpoints", list_checkpoints, methods=["GET"]),
    Route("/v1/files", create_file, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", retrieve_file, methods=["GET"]),
    Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
    Route("/v1/files/{file_id}/preprocess", preprocess, methods=["POST"]),
    Route("/upload/{token}", put_upload, methods=["PUT"]),
    Route("/v1/chat/completions", chat.create, methods=["POST"]),
]
