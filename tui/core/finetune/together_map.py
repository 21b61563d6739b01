"""Together's job, event, checkpoint, metrics and file shapes -> OpenAI's (as dicts).

Together's statuses: pending, queued, running, compressing, uploading, cancel_requested,
cancelled, error (user_error in the SDK's library types), completed. Its events have no
id: one is made from what identifies the event (`hash` where Together sends one).
Metrics rows are keyed W&B-style: `train/global_step`, `train/loss`, `eval/loss`…
"""

from __future__ import annotations

import time
from typing import Any

from tui.core.finetune.shapes import epoch, stable_id

STATUS = {
    "pending": "validating_files", "queued": "queued", "running": "running",
    "compressing": "running", "uploading": "running", "cancel_requested": "cancelled",
    "cancelled": "cancelled", "error": "failed", "user_error": "failed",
    "completed": "succeeded",
}
FINAL = ("succeeded", "failed", "cancelled")
METHODS = {"sft": "supervised", "dpo": "dpo"}
_METRICS = {"train/global_step": "step", "train/loss": "train_loss",
            "train/mean_token_accuracy": "train_mean_token_accuracy",
            "eval/loss": "valid_loss", "eval/mean_token_accuracy": "valid_mean_token_accuracy"}


def _value(raw: Any) -> Any:
    return getattr(raw, "value", raw)  # the SDK's library types use enums


def job(raw: dict[str, Any]) -> dict[str, Any]:
    provider_status = str(_value(raw.get("status")) or "pending")
    status = STATUS.get(provider_status, provider_status)
    training_method = raw.get("training_method") or {}
    kind = METHODS.get(str(training_method.get("method") or "sft"), "supervised")
    hyper: dict[str, Any] = {}
    if raw.get("n_epochs") is not None:
        hyper["n_epochs"] = raw["n_epochs"]
    batch = raw.get("batch_size")
    hyper["batch_size"] = batch if isinstance(batch, int) else "auto"
    if raw.get("learning_rate") is not None:
        hyper["learning_rate"] = raw["learning_rate"]
    if kind == "dpo" and training_method.get("dpo_beta") is not None:
        hyper["beta"] = training_method["dpo_beta"]
    training_type = raw.get("training_type") or {}
    if training_type.get("type") == "Lora":
        hyper.update(lora=True, lora_r=training_type.get("lora_r"),
                     lora_alpha=training_type.get("lora_alpha"))
    elif training_type.get("type") == "Full":
        hyper["lora"] = False
    progress = raw.get("progress") or {}
    estimated = None
    if progress.get("estimate_available") and status not in FINAL:
        estimated = int(time.time()) + int(progress.get("seconds_remaining") or 0)
    error = None
    if status == "failed":
        errors = [e for e in (raw.get("events") or [])
                  if isinstance(e, dict) and (e.get("type") in ("job_error", "JOB_ERROR")
                                              or e.get("level") in ("error", "Error"))]
        error = {"code": provider_status, "param": None,
                 "message": (errors[-1].get("message") if errors else None)
                 or "Together reported the job as failed"}
    created = epoch(raw.get("created_at"))
    return {
        "id": raw["id"], "object": "fine_tuning.job", "status": status,
        "model": raw.get("model") or "", "created_at": created,
        "finished_at": epoch(raw.get("updated_at")) if status in FINAL else None,
        "fine_tuned_model": raw.get("model_output_name") if status == "succeeded" else None,
        "training_file": raw.get("training_file"),
        "validation_file": raw.get("validation_file") or None,
        "hyperparameters": hyper if kind == "supervised" else {},
        "method": {"type": kind, kind: {"hyperparameters": hyper}},
        "trained_tokens": raw.get("token_count"), "estimated_finish": estimated,
        "error": error, "suffix": raw.get("suffix"), "seed": raw.get("random_seed"),
        "result_files": [], "metadata": None, "organization_id": raw.get("user_id"),
        "total_steps": raw.get("total_steps"),
        # What Together said, kept beside the mapped fields for whoever needs it later.
        "provider": "together", "provider_status": provider_status,
        "model_output_name": raw.get("model_output_name"),
    }


def event(job_id: str, raw: dict[str, Any]) -> dict[str, Any]:
    kind = str(_value(raw.get("type")) or "")
    level = str(_value(raw.get("level")) or "info").lower().removeprefix("legacy_i")
    level = {"warning": "warn", "warn": "warn", "error": "error"}.get(level, "info")
    created = epoch(raw.get("created_at")) or 0
    ident = raw.get("hash") or stable_id("tgev", job_id, raw.get("created_at"), kind,
                                          raw.get("message"))
    data = {k: raw[k] for k in ("step", "checkpoint_path", "token_count", "param_count")
            if raw.get(k) is not None}
    return {"id": str(ident), "object": "fine_tuning.job.event", "created_at": created,
            "level": level, "message": str(raw.get("message") or kind), "type": "message",
            "data": {"together_type": kind, **data}}


def metrics_row(row: dict[str, Any], total: int | None) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = _METRICS.get(key)
        if name is not None and isinstance(value, int | float):
            out[name] = value
    if "step" not in out:
        return None
    out["step"] = int(out["step"])
    if total:
        out["total_steps"] = int(total)
    return out


def metrics_event(job_id: str, data: dict[str, Any], created: int) -> dict[str, Any]:
    step = data["step"]
    total = data.get("total_steps")
    message = f"Step {step}/{total or '?'}: training loss={data.get('train_loss', 0):.4f}"
    if "valid_loss" in data:
        message += f", validation loss={data['valid_loss']:.4f}"
    return {"id": f"tgmetric-{job_id}-{step}", "object": "fine_tuning.job.event",
            "created_at": created, "level": "info", "message": message, "type": "metrics",
            "data": data}


def checkpoint(job_id: str, raw: dict[str, Any]) -> dict[str, Any] | None:
    if str(raw.get("checkpoint_type") or "").lower().startswith("final"):
        return None  # the final model is the job's fine-tuned model
    step = int(raw.get("step") or 0)
    return {"id": f"tgckpt-{job_id}-{step}", "object": "fine_tuning.job.checkpoint",
            "created_at": epoch(raw.get("created_at")), "step_number": step,
            "fine_tuned_model_checkpoint": raw.get("object_name") or raw.get("path") or "",
            "fine_tuning_job_id": job_id, "metrics": {}}


def file(raw: dict[str, Any]) -> dict[str, Any]:
    state = str(raw.get("processing_status") or "COMPLETED")
    report = raw.get("validation_report") or {}
    failed = state in ("FAILED", "INVALID_FORMAT") or report.get("valid") is False
    return {"id": raw["id"], "object": "file", "bytes": raw.get("bytes"),
            "created_at": raw.get("created_at"), "filename": raw.get("filename") or "",
            "purpose": raw.get("purpose") or "fine-tune",
            "status": "error" if failed else "processed" if state == "COMPLETED" else "uploaded",
            "status_details": report.get("error") if failed else None}
