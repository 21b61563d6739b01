"""Fireworks' fine-tuning API under `/fireworks`, in the shapes the `fireworks-ai` SDK parses.

`Fireworks(base_url="http://127.0.0.1:PORT/fireworks", api_key=KEY, account_id=ACCOUNT)`
works unchanged (with its base URL overridden, the SDK joins `/v1/accounts/…` and sends
chat to `/v1/chat/completions`; the real service answers chat under `/inference/v1`,
served here too). Routes and bodies follow the SDK's source (resources/datasets.py,
supervised_fine_tuning_jobs.py, dpo_jobs.py, deployments.py, lora.py), camelCase on
the wire:

* datasets: create, get, list, delete, `:upload` (one multipart request),
  `:getUploadEndpoint` + a PUT to the signed URL + `:validateUpload`;
* `supervisedFineTuningJobs` and `dpoJobs`: create (`?…JobId=` picks the id), get, list,
  delete, `:cancel`, `:resume`; `JOB_STATE_*` states and `jobProgress`; no events or
  checkpoints lists (as on Fireworks): per-step metrics are a JSONL file behind a
  signed URL (`metricsFileSignedUrl` on a supervised job, `:getMetricsFileEndpoint` on
  a DPO job), one object a step: step, epoch, loss, accuracy, eval_loss;
* serving: `deployments` and `deployedModels` (lora.load); a tuned model answers only
  once loaded onto a deployment of its base model, as on Fireworks;
* lists page as Google's AIP-158 says and Fireworks does: `pageSize` (default 50, at
  most 200) and the opaque `nextPageToken` to send back as `pageToken` (empty at the
  end); a token this server did not give is a 400.

Jobs run on the sandbox engine through the one lifecycle; Fireworks' learning rate goes
to the engine relative to its default (1e-4), as OpenAI's multiplier.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox import job_lifecycle
from tui.sandbox.dialects import FIREWORKS, MODEL_RESOLVERS, mine
from tui.sandbox.errors import APIError, bad_request, conflict
from tui.sandbox.routes import chat
from tui.sandbox.routes.files import store_file
from tui.sandbox.routes.fine_tuning import _check_range
from tui.sandbox.shapes import newest_first, now
from tui.sandbox.web import body, ok, path, sandbox

BASE_PREFIX = "accounts/fireworks/models/"
DEFAULT_LR = 1e-4
STATE = {"validating_files": "JOB_STATE_VALIDATING", "queued": "JOB_STATE_PENDING",
         "running": "JOB_STATE_RUNNING", "paused": "JOB_STATE_PAUSED",
         "succeeded": "JOB_STATE_COMPLETED", "failed": "JOB_STATE_FAILED",
         "cancelled": "JOB_STATE_CANCELLED"}
KINDS = {"supervisedFineTuningJobs": "supervised", "dpoJobs": "dpo"}


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat().replace(
        "+00:00", "Z")


PAGE_DEFAULT, PAGE_MOST = 50, 200


def _paged(request: Request, field: str, items: list[dict[str, Any]]) -> Response:
    """One page of `items` (already in list order) under `field`, AIP-158 style."""
    query = request.query_params
    try:
        size = int(query.get("pageSize") or PAGE_DEFAULT)
    except ValueError:
        raise bad_request("pageSize must be an integer", "pageSize") from None
    size = PAGE_DEFAULT if size <= 0 else min(size, PAGE_MOST)
    token = query.get("pageToken") or ""
    start = 0
    if token:
        if not (token.startswith("o") and token[1:].isdigit()):
            raise bad_request(f"invalid pageToken {token[:40]!r}", "pageToken")
        start = int(token[1:])
    end = start + size
    return ok({field: items[start:end], "nextPageToken": f"o{end}" if end < len(items) else "",
               "totalSize": len(items)})


def _missing(what: str) -> APIError:
    return APIError(404, f"{what} not found", code="NOT_FOUND")


def resolve(sb: Any, model: str) -> str:
    """The sandbox model a Fireworks chat request calls: a base model, or a tuned model
    loaded onto a deployment (`model#deployment` picks the deployment)."""
    name = model.split("#", 1)[0]
    if name.startswith(BASE_PREFIX) and name[len(BASE_PREFIX):] in sb.engine.base_models():
        return name[len(BASE_PREFIX):]
    if name in sb.engine.base_models():
        return name
    loaded = [d for d in sb.state.all("fw_deployed") if d["model"] == name]
    if not loaded:
        raise APIError(404, f"Model not found, inaccessible, and/or not deployed: {name}",
                       param="model", code="NOT_FOUND")
    return name


def _base(sb: Any, model: Any) -> str:
    name = str(model or "")
    short = name[len(BASE_PREFIX):] if name.startswith(BASE_PREFIX) else name
    if short not in sb.engine.base_models():
        raise bad_request(f"Base model {name} is not available for fine-tuning; use one of "
                          + ", ".join(BASE_PREFIX + m for m in sb.engine.base_models()),
                          "baseModel")
    return short


# -- datasets ----------------------------------------------------------------------
def _dataset(request: Request, name: str | None = None) -> dict[str, Any]:
    sb = sandbox(request)
    full = name or f"accounts/{path(request, 'account')}/datasets/{path(request, 'dataset')}"
    record = sb.state.get("fw_datasets", full)
    if record is None:
        raise _missing(f"Dataset {full}")
    return record


def dataset_view(record: dict[str, Any]) -> dict[str, Any]:
    return {"name": record["id"], "displayName": record.get("_display"),
            "createTime": _iso(record["_created"]), "updateTime": _iso(record["_updated"]),
            "exampleCount": str(record.get("_examples") or 0), "format": "CHAT",
            "state": record["_state"], "status": {"code": "OK", "message": ""},
            "userUploaded": {}}


async def create_dataset(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    dataset_id = data.get("datasetId")
    if not isinstance(dataset_id, str) or not dataset_id:
        raise bad_request("datasetId is required", "datasetId")
    name = f"accounts/{path(request, 'account')}/datasets/{dataset_id}"
    if sb.state.get("fw_datasets", name) is not None:
        raise APIError(409, f"Dataset {name} already exists", code="ALREADY_EXISTS")
    spec = data.get("dataset") or {}
    record = {"id": name, "_dialect": FIREWORKS, "_display": spec.get("displayName"),
              "_examples": int(spec.get("exampleCount") or 0), "_state": "UPLOADING",
              "_created": now(), "_updated": now(), "_file": None}
    return ok(dataset_view(sb.state.put("fw_datasets", record)))


async def get_dataset(request: Request) -> Response:
    return ok(dataset_view(_dataset(request)))


async def list_datasets(request: Request) -> Response:
    prefix = f"accounts/{path(request, 'account')}/datasets/"
    items = [d for d in sandbox(request).state.all("fw_datasets") if d["id"].startswith(prefix)]
    return _paged(request, "datasets", [dataset_view(d) for d in items])


async def delete_dataset(request: Request) -> Response:
    record = _dataset(request)
    sandbox(request).state.delete("fw_datasets", record["id"])
    return ok({})


def _fill(request: Request, record: dict[str, Any], data: bytes, filename: str) -> None:
    sb = sandbox(request)
    stored = store_file(sb, data, filename=filename, purpose="fine-tune", dialect=FIREWORKS)
    record.update(_file=stored["id"], _state="READY", _updated=now(), _filename=filename,
                  _examples=record.get("_examples") or sum(1 for line in data.splitlines()
                                                           if line.strip()))
    sb.state.save("fw_datasets", record)


async def upload_dataset(request: Request) -> Response:
    record = _dataset(request)
    async with request.form() as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise bad_request("file is required", "file")
        data, filename = await upload.read(), upload.filename or "dataset.jsonl"
    if not data:
        raise bad_request("the dataset file is empty", "file")
    _fill(request, record, data, filename)
    return ok({"id": record["id"].rsplit("/", 1)[-1], "bytes": len(data),
               "created_at": now(), "filename": filename, "object": "file",
               "purpose": "fine-tune"})


async def upload_endpoint(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    record = _dataset(request)
    sizes = data.get("filenameToSize") or {}
    if not isinstance(sizes, dict) or len(sizes) != 1:
        raise bad_request("filenameToSize names the dataset's one file (the sandbox takes "
                          "one file a dataset)", "filenameToSize")
    root = str(request.base_url).rstrip("/")
    urls = {}
    for filename, size in sizes.items():
        token = secrets.token_urlsafe(24)
        sb.state.put("signed", {"id": token, "_dialect": FIREWORKS, "_dataset": record["id"],
                                "_filename": filename, "_size": int(size)})
        urls[filename] = f"{root}/fireworks/upload/{token}"
    return ok({"filenameToSignedUrls": urls})


async def put_upload(request: Request) -> Response:
    sb = sandbox(request)
    signed = sb.state.get("signed", path(request, "token"))
    if signed is None or signed.get("_dialect") != FIREWORKS or "_dataset" not in signed:
        return Response("unknown or used upload URL", status_code=403)
    data = await request.body()
    if len(data) != signed["_size"]:
        return Response("the bytes do not match x-goog-content-length-range", status_code=400)
    sb.state.put_blob(f"signed:{signed['id']}", data)
    signed["_received"] = True
    sb.state.save("signed", signed)
    return Response(status_code=200)


async def validate_upload(request: Request) -> Response:
    sb = sandbox(request)
    record = _dataset(request)
    pending = [s for s in sb.state.all("signed")
               if s.get("_dataset") == record["id"] and s.get("_received")]
    if not pending:
        raise APIError(400, f"Dataset {record['id']} has no uploaded file to validate",
                       code="FAILED_PRECONDITION")
    signed = pending[-1]
    data = sb.state.blob(f"signed:{signed['id']}") or b""
    _fill(request, record, data, signed["_filename"])
    sb.state.delete_blob(f"signed:{signed['id']}")
    sb.state.delete("signed", signed["id"])
    return ok({})


# -- jobs ----------------------------------------------------------------------------
def _resource(request: Request) -> str:
    return request.url.path.split("/")[5].split(":", 1)[0]  # /fireworks/v1/accounts/A/<kind>


def _job(request: Request) -> dict[str, Any]:
    kind = _resource(request)
    name = f"accounts/{path(request, 'account')}/{kind}/{path(request, 'job')}"
    for job in mine(sandbox(request).state.all("jobs"), FIREWORKS):
        if job.get("_fw_name") == name:
            return job
    raise _missing(f"Job {name}")


def _metrics_url(request: Request, job: dict[str, Any]) -> str:
    sb = sandbox(request)
    token = job.get("_metrics_token")
    if token is None:
        token = secrets.token_urlsafe(18)
        job["_metrics_token"] = token
        sb.state.put("signed", {"id": token, "_dialect": FIREWORKS, "_metrics": job["id"]})
        sb.state.save("jobs", job)
    return f"{str(request.base_url).rstrip('/')}/fireworks/files/{token}"


def _epochs(job: dict[str, Any]) -> int:
    hyper = job["method"][job["method"]["type"]].get("hyperparameters") or {}
    value = hyper.get("n_epochs")
    return int(value) if isinstance(value, int) else 1


def job_view(request: Request, job: dict[str, Any]) -> dict[str, Any]:
    asked = job.get("_fireworks") or {}
    kind = job["method"]["type"]
    total = job.get("_total_steps") or 0
    done_steps = (job.get("_next_step") or 1) - 1
    status: dict[str, Any] = {"code": "OK", "message": ""}
    if job["status"] == "failed":
        status = {"code": "INTERNAL", "message": (job.get("error") or {}).get("message", "")}
    elif job["status"] == "cancelled":
        status = {"code": "CANCELLED", "message": "cancelled"}
    out: dict[str, Any] = {
        "name": job["_fw_name"], "displayName": asked.get("displayName"),
        "createTime": _iso(job["created_at"]), "updateTime": _iso(now()),
        "completedTime": _iso(job.get("finished_at")), "state": STATE[job["status"]],
        "status": status, "dataset": asked["dataset"], "createdBy": "sandbox@tunedeck.local",
    }
    training = {"baseModel": BASE_PREFIX + job["model"], "epochs": asked.get("epochs"),
                "learningRate": asked.get("learningRate"), "loraRank": asked.get("loraRank"),
                "batchSizeSamples": asked.get("batchSizeSamples"),
                "outputModel": job_lifecycle.model_name(job)}
    if kind == "supervised":
        out.update(training, evaluationDataset=asked.get("evaluationDataset"),
                   metricsFileSignedUrl=_metrics_url(request, job),
                   jobProgress={"percent": int(100 * done_steps / total) if total else 0,
                                "epoch": done_steps * _epochs(job) // total if total else 0})
    else:
        out["trainingConfig"] = training
        out["lossConfig"] = {"method": "DPO",
                             "dpo": {"beta": job["method"]["dpo"]["hyperparameters"].get("beta")}}
    return out


def _dataset_file(request: Request, name: Any, param: str) -> str:
    record = _dataset(request, str(name or ""))
    if record["_state"] != "READY" or not record.get("_file"):
        raise APIError(400, f"Dataset {record['id']} is not ready (upload it first)",
                       param=param, code="FAILED_PRECONDITION")
    return record["_file"]


async def create_job(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    kind = _resource(request)
    method_type = KINDS[kind]
    config = data if method_type == "supervised" else (data.get("trainingConfig") or {})
    model = _base(sb, config.get("baseModel"))
    training = _dataset_file(request, data.get("dataset"), "dataset")
    validation = _dataset_file(request, data["evaluationDataset"], "evaluationDataset") \
        if data.get("evaluationDataset") else None
    query_key = "supervisedFineTuningJobId" if method_type == "supervised" else "dpoJobId"
    short = request.query_params.get(query_key) or uuid.uuid4().hex[:20]
    account = path(request, "account")
    name = f"accounts/{account}/{kind}/{short}"
    if any(j.get("_fw_name") == name for j in sb.state.all("jobs")):
        raise APIError(409, f"Job {name} already exists", code="ALREADY_EXISTS")
    hp: dict[str, Any] = {}
    if config.get("epochs") is not None:
        hp["n_epochs"] = config["epochs"]
    if config.get("batchSizeSamples") is not None:
        hp["batch_size"] = config["batchSizeSamples"]
    if config.get("learningRate") is not None:
        hp["learning_rate_multiplier"] = float(config["learningRate"]) / DEFAULT_LR
    if method_type == "dpo":
        loss = data.get("lossConfig") or {}
        beta = (loss.get("dpo") or {}).get("beta") or loss.get("klBeta")
        if beta is not None:
            hp["beta"] = beta
    method = {"type": method_type,
              method_type: {"hyperparameters": _check_range(hp, "trainingConfig", method_type)}}
    output = config.get("outputModel") or short
    model_name = output if output.startswith("accounts/") else f"accounts/{account}/models/{output}"
    asked = {"dataset": data.get("dataset"), "evaluationDataset": data.get("evaluationDataset"),
             "displayName": data.get("displayName"), "epochs": config.get("epochs"),
             "learningRate": config.get("learningRate"), "loraRank": config.get("loraRank"),
             "batchSizeSamples": config.get("batchSizeSamples")}
    job = job_lifecycle.start_job(sb, model=model, training=training, validation=validation,
                         method=method, seed=42, metadata=None, suffix=None,
                         fail=bool(request.scope.get("state", {}).get("fail_job")),
                         dialect=FIREWORKS, job_id=f"fwjob-{uuid.uuid4().hex[:24]}",
                         name=model_name, extra={"_fw_name": name, "_fireworks": asked})
    return ok(job_view(request, job))


async def get_job(request: Request) -> Response:
    return ok(job_view(request, _job(request)))


async def list_jobs(request: Request) -> Response:
    kind = _resource(request)
    prefix = f"accounts/{path(request, 'account')}/{kind}/"
    items = [j for j in newest_first(mine(sandbox(request).state.all("jobs"), FIREWORKS))
             if str(j.get("_fw_name", "")).startswith(prefix)]
    key = "supervisedFineTuningJobs" if kind == "supervisedFineTuningJobs" else "dpoJobs"
    return _paged(request, key, [job_view(request, j) for j in items])


async def cancel_job(request: Request) -> Response:
    sb = sandbox(request)
    job = _job(request)
    if job["status"] in job_lifecycle.FINAL:
        raise conflict(f"Job {job['_fw_name']} is already {STATE[job['status']]}")
    sb.cancel_task(job["id"])
    job.update(status="cancelled", _phase="done", finished_at=now(), estimated_finish=None)
    job_lifecycle.add_event(sb, job, "Fine-tuning job cancelled")
    sb.state.save("jobs", job)
    return ok({})


async def resume_job(request: Request) -> Response:
    sb = sandbox(request)
    job = _job(request)
    if job["status"] != "paused":
        raise APIError(400, f"Job {job['_fw_name']} is {STATE[job['status']]}; only a paused "
                       "job resumes", code="FAILED_PRECONDITION")
    job["status"] = job.pop("_resume_status", "running")
    job_lifecycle.add_event(sb, job, "Fine-tuning job resumed")
    sb.state.save("jobs", job)
    return ok(job_view(request, job))


async def delete_job(request: Request) -> Response:
    sb = sandbox(request)
    job = _job(request)
    sb.cancel_task(job["id"])
    sb.state.delete("jobs", job["id"])
    return ok({})


async def metrics_endpoint(request: Request) -> Response:
    return ok({"signedUrl": _metrics_url(request, _job(request))})


async def metrics_file(request: Request) -> Response:
    sb = sandbox(request)
    signed = sb.state.get("signed", path(request, "token"))
    job = sb.state.get("jobs", (signed or {}).get("_metrics") or "")
    if job is None:
        return Response("unknown metrics URL", status_code=403)
    total = job.get("_total_steps") or 0
    epochs = _epochs(job)
    lines = []
    for event in sb.state.where("events", _job=job["id"], type="metrics"):
        data = event.get("data") or {}
        step = int(data.get("step") or 0)
        row = {"step": step, "epoch": (step - 1) * epochs // total if total else 0,
               "loss": data.get("train_loss"), "accuracy": data.get("train_mean_token_accuracy")}
        if "valid_loss" in data:
            row["eval_loss"] = data["valid_loss"]
        lines.append(orjson.dumps(row))
    return Response(b"\n".join(lines) + (b"\n" if lines else b""),
                    media_type="application/jsonl")


# -- models and serving ------------------------------------------------------------
async def get_model(request: Request) -> Response:
    sb = sandbox(request)
    name = f"accounts/{path(request, 'account')}/models/{path(request, 'model')}"
    record = sb.state.get("models", name)
    if record is None or record.get("_dialect") != FIREWORKS:
        raise _missing(f"Model {name}")
    return ok({"name": name, "state": "READY", "kind": "HF_PEFT_ADDON",
               "createTime": _iso(record["created"]), "displayName": name.rsplit("/", 1)[-1],
               "peftDetails": {"baseModel": BASE_PREFIX + (record.get("_base") or "")}})


def deployment_view(record: dict[str, Any]) -> dict[str, Any]:
    return {"name": record["id"], "baseModel": record["_base_model"], "state": "READY",
            "enableAddons": record["_addons"], "createTime": _iso(record["_created"]),
            "status": {"code": "OK", "message": ""}}


async def create_deployment(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    base = data.get("baseModel")
    _base(sb, base)
    short = request.query_params.get("deploymentId") or uuid.uuid4().hex[:12]
    name = f"accounts/{path(request, 'account')}/deployments/{short}"
    record = {"id": name, "_dialect": FIREWORKS, "_base_model": base,
              "_addons": bool(data.get("enableAddons")), "_created": now()}
    return ok(deployment_view(sb.state.put("fw_deployments", record)))


async def get_deployment(request: Request) -> Response:
    name = f"accounts/{path(request, 'account')}/deployments/{path(request, 'deployment')}"
    record = sandbox(request).state.get("fw_deployments", name)
    if record is None:
        raise _missing(f"Deployment {name}")
    return ok(deployment_view(record))


def deployed_view(record: dict[str, Any]) -> dict[str, Any]:
    return {"name": record["id"], "model": record["model"], "deployment": record["deployment"],
            "state": "DEPLOYED", "default": True, "serverless": False,
            "createTime": _iso(record["_created"]), "status": {"code": "OK", "message": ""}}


async def load_lora(request: Request) -> Response:
    sb, data = sandbox(request), await body(request)
    model, deployment = str(data.get("model") or ""), str(data.get("deployment") or "")
    tuned = sb.state.get("models", model)
    if tuned is None or tuned.get("_dialect") != FIREWORKS or tuned.get("_checkpoint"):
        raise _missing(f"Model {model}")
    target = sb.state.get("fw_deployments", deployment)
    if target is None:
        raise _missing(f"Deployment {deployment}")
    if target["_base_model"].removeprefix(BASE_PREFIX) != tuned.get("_base"):
        raise APIError(400, f"{model} was tuned from {BASE_PREFIX}{tuned.get('_base')}, not "
                       f"{target['_base_model']}", code="INVALID_ARGUMENT")
    if not target["_addons"]:
        raise APIError(400, f"Deployment {deployment} was created without enableAddons: it "
                       "cannot load a LoRA", code="FAILED_PRECONDITION")
    name = f"accounts/{path(request, 'account')}/deployedModels/{uuid.uuid4().hex[:12]}"
    record = {"id": name, "_dialect": FIREWORKS, "model": model, "deployment": deployment,
              "_created": now()}
    return ok(deployed_view(sb.state.put("fw_deployed", record)))


async def list_loaded(request: Request) -> Response:
    prefix = f"accounts/{path(request, 'account')}/deployedModels/"
    items = [d for d in sandbox(request).state.all("fw_deployed") if d["id"].startswith(prefix)]
    return _paged(request, "deployedModels", [deployed_view(d) for d in items])


_ACC = "/v1/accounts/{account}"
_SFT, _DPO = f"{_ACC}/supervisedFineTuningJobs", f"{_ACC}/dpoJobs"

ROUTES = [
    # Routes with a ':verb' first: a bare {name} would match 'name:verb' too.
    Route(f"{_ACC}/datasets/{{dataset}}:upload", upload_dataset, methods=["POST"]),
    Route(f"{_ACC}/datasets/{{dataset}}:getUploadEndpoint", upload_endpoint, methods=["POST"]),
    Route(f"{_ACC}/datasets/{{dataset}}:validateUpload", validate_upload, methods=["POST"]),
    Route(f"{_ACC}/datasets", create_dataset, methods=["POST"]),
    Route(f"{_ACC}/datasets", list_datasets, methods=["GET"]),
    Route(f"{_ACC}/datasets/{{dataset}}", get_dataset, methods=["GET"]),
    Route(f"{_ACC}/datasets/{{dataset}}", delete_dataset, methods=["DELETE"]),
    Route(f"{_DPO}/{{job}}:getMetricsFileEndpoint", metrics_endpoint, methods=["GET"]),
    *[Route(f"{base}/{{job}}:cancel", cancel_job, methods=["POST"]) for base in (_SFT, _DPO)],
    *[Route(f"{base}/{{job}}:resume", resume_job, methods=["POST"]) for base in (_SFT, _DPO)],
    *[Route(base, create_job, methods=["POST"]) for base in (_SFT, _DPO)],
    *[Route(base, list_jobs, methods=["GET"]) for base in (_SFT, _DPO)],
    *[Route(f"{base}/{{job}}", get_job, methods=["GET"]) for base in (_SFT, _DPO)],
    *[Route(f"{base}/{{job}}", delete_job, methods=["DELETE"]) for base in (_SFT, _DPO)],
    Route(f"{_ACC}/models/{{model}}", get_model, methods=["GET"]),
    Route(f"{_ACC}/deployments", create_deployment, methods=["POST"]),
    Route(f"{_ACC}/deployments/{{deployment}}", get_deployment, methods=["GET"]),
    Route(f"{_ACC}/deployedModels", load_lora, methods=["POST"]),
    Route(f"{_ACC}/deployedModels", list_loaded, methods=["GET"]),
    Route("/v1/chat/completions", chat.create, methods=["POST"]),
    Route("/inference/v1/chat/completions", chat.create, methods=["POST"]),
    Route("/upload/{token}", put_upload, methods=["PUT"]),
    Route("/files/{token}", metrics_file, methods=["GET"]),
]


MODEL_RESOLVERS[FIREWORKS] = resolve
