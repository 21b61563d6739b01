"""Fireworks' job, dataset and metrics shapes -> OpenAI's (as dicts).

Fireworks has no event or checkpoint lists. Events are made from what a job says of
itself (its state, its progress percent), each with an id made from what it reports,
so a state is recorded once however often it is read. Per-step metrics come from the
job's metrics file (JSON lines; the keys tunedeck knows are mapped to OpenAI's).
"""

from __future__ import annotations

import re
from typing import Any

from tui.core.finetune.shapes import epoch, stable_id

STATES = {
    "JOB_STATE_CREATING": "validating_files", "JOB_STATE_VALIDATING": "validating_files",
    "JOB_STATE_CREATING_INPUT_DATASET": "validating_files",
    "JOB_STATE_PENDING": "queued", "JOB_STATE_RE_QUEUEING": "queued",
    "JOB_STATE_IDLE": "queued", "JOB_STATE_RUNNING": "running",
    "JOB_STATE_WRITING_RESULTS": "running", "JOB_STATE_PAUSED": "paused",
    "JOB_STATE_COMPLETED": "succeeded", "JOB_STATE_EARLY_STOPPED": "succeeded",
    "JOB_STATE_FAILED": "failed", "JOB_STATE_EXPIRED": "failed",
    "JOB_STATE_CANCELLED": "cancelled", "JOB_STATE_CANCELLING": "cancelled",
    "JOB_STATE_DELETING": "cancelled", "JOB_STATE_DELETING_CLEANING_UP": "cancelled",
}
KINDS = {"supervisedFineTuningJobs": "supervised", "dpoJobs": "dpo"}
# Names a metrics file may use for a step's numbers -> OpenAI's.
_METRICS = {"step": "step", "global_step": "step", "train/global_step": "step",
            "loss": "train_loss", "train_loss": "train_loss", "train/loss": "train_loss",
            "accuracy": "train_mean_token_accuracy",
            "train_mean_token_accuracy": "train_mean_token_accuracy",
            "eval_loss": "valid_loss", "valid_loss": "valid_loss", "eval/loss": "valid_loss"}


def parse_name(name: str) -> tuple[str, str, str]:
    """(account, kind, id) of `accounts/A/supervisedFineTuningJobs/ID` (or dpoJobs)."""
    found = re.fullmatch(r"accounts/([^/]+)/(supervisedFineTuningJobs|dpoJobs)/([^/]+)", name)
    if found is None:
        raise ValueError(f"{name!r} is not a Fireworks fine-tuning job name "
                         "(accounts/A/supervisedFineTuningJobs/ID or …/dpoJobs/ID)")
    return found.group(1), found.group(2), found.group(3)


def job(raw: dict[str, Any], kind: str) -> dict[str, Any]:
    state = str(raw.get("state") or "JOB_STATE_UNSPECIFIED")
    status = STATES.get(state, "queued")
    config = raw if kind == "supervised" else (raw.get("training_config") or {})
    hyper: dict[str, Any] = {}
    for source, target in (("epochs", "n_epochs"), ("batch_size_samples", "batch_size"),
                           ("learning_rate", "learning_rate"), ("lora_rank", "lora_rank")):
        if config.get(source) is not None:
            hyper[target] = config[source]
    if kind == "dpo":
        loss = raw.get("loss_config") or {}
        beta = (loss.get("dpo") or {}).get("beta") or loss.get("kl_beta")
        if beta is not None:
            hyper["beta"] = beta
    error = None
    if status == "failed":
        detail = raw.get("status") or {}
        error = {"code": str(detail.get("code") or state), "param": None,
                 "message": detail.get("message") or f"Fireworks reported {state}"}
    final = status in ("succeeded", "failed", "cancelled")
    progress = raw.get("job_progress") or {}
    return {
        "id": raw["name"], "object": "fine_tuning.job", "status": status,
        "model": config.get("base_model") or "", "created_at": epoch(raw.get("create_time")),
        "finished_at": epoch(raw.get("completed_time") or raw.get("update_time"))
        if final else None,
        "fine_tuned_model": config.get("output_model") if status == "succeeded" else None,
        "training_file": raw.get("dataset"),
        "validation_file": raw.get("evaluation_dataset") or None,
        "hyperparameters": hyper if kind == "supervised" else {},
        "method": {"type": kind, kind: {"hyperparameters": hyper}},
        "trained_tokens": progress.get("input_tokens"), "estimated_finish": None,
        "error": error, "suffix": raw.get("display_name"), "seed": None, "result_files": [],
        "metadata": None, "provider": "fireworks", "provider_status": state,
        "progress_percent": progress.get("percent"), "progress_epoch": progress.get("epoch"),
        "metrics_file": raw.get("metrics_file_signed_url"),
    }


def events(remote: dict[str, Any]) -> list[dict[str, Any]]:
    """The events a job's current look tells: its state, its progress (oldest first)."""
    name, state = remote["id"], remote["provider_status"]
    at = remote["created_at"] or 0
    out = [{"id": stable_id("fwev", name, "created"), "object": "fine_tuning.job.event",
            "created_at": at, "level": "info", "type": "message",
            "message": f"Created fine-tuning job: {name}"}]
    percent = remote.get("progress_percent")
    if isinstance(percent, int) and percent > 0:
        out.append({"id": stable_id("fwev", name, "progress", percent),
                    "object": "fine_tuning.job.event", "created_at": at, "level": "info",
                    "type": "message", "data": {"percent": percent},
                    "message": f"Progress: {percent}% (epoch {remote.get('progress_epoch')})"})
    level = "error" if remote["status"] == "failed" else "info"
    message = f"Job state: {state.removeprefix('JOB_STATE_').lower().replace('_', ' ')}"
    if remote.get("error"):
        message += f": {remote['error']['message']}"
    if remote["status"] == "succeeded" and remote.get("fine_tuned_model"):
        message += f"; new fine-tuned model: {remote['fine_tuned_model']}"
    out.append({"id": stable_id("fwev", name, "state", state), "object": "fine_tuning.job.event",
                "created_at": remote.get("finished_at") or at, "level": level,
                "type": "message", "message": message})
    return out


def metrics_row(row: dict[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = _METRICS.get(key)
        if name is not None and isinstance(value, int | float) and not isinstance(value, bool):
            out.setdefault(name, value)
    if "step" not in out:
        return None
    out["step"] = int(out["step"])
    return out


def metrics_event(name: str, data: dict[str, Any], created: int) -> dict[str, Any]:
    message = f"Step {data['step']}: training loss={data.get('train_loss', 0):.4f}"
    if "valid_loss" in data:
        message += f", validation loss={data['valid_loss']:.4f}"
    return {"id": f"fwmetric-{stable_id('', name)}-{data['step']}", "created_at": created,
            "object": "fine_tuning.job.event", "level": "info", "type": "metrics",
            "message": message, "data": data}


def dataset_id(filename: str) -> str:
    """A Fireworks dataset id for a file name: lowercase letters, digits, dashes, ≤ 63."""
    stem = filename.rsplit(".", 1)[0].lower()
    return re.sub(r"[^a-z0-9-]+", "-", stem).strip("-")[-63:].lstrip("-") or "dataset"


def file(raw: dict[str, Any], size: int | None = None) -> dict[str, Any]:
    state = str(raw.get("state") or "")
    failed = (raw.get("status") or {}).get("code") not in (None, "OK")
    return {"id": raw["name"], "object": "file", "bytes": size,
            "created_at": epoch(raw.get("create_time")),
            "filename": raw.get("display_name") or str(raw["name"]).rsplit("/", 1)[-1],
            "purpose": "fine-tune",
            "status": "error" if failed else "processed" if state == "READY" else "uploaded",
            "status_details": (raw.get("status") or {}).get("message") if failed else None}
