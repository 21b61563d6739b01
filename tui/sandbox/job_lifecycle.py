"""The fine-tuning job lifecycle, run as one asyncio task per job in the server loop.

validating_files → queued → running → succeeded | failed | cancelled, with
`paused` possible at any non-final point. The phase and the next training
step are saved on the job after every step, so with --state a job resumes
after a restart where it stopped, with the same numbers (the engine is
deterministic). Cancel kills the task; pause holds it at the next step.
Engines that do real work hook in through the optional methods listed at the
end of `engine.py` (real time, a queue of training slots, pause by checkpoint).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from typing import Any

from tui.engines.protocol import (
    StepResult,
    TrainingDataError,
    TrainingFailed,
    TrainingPlan,
    TrainingSpec,
)
from tui.sandbox.routes.files import file_bytes, store_file
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import new_id, now
from tui.sandbox.validation import check_file

FINAL = ("succeeded", "failed", "cancelled")
VALIDATE_SECONDS = 2.0  # sandbox seconds; real time is divided by --speed
QUEUE_SECONDS = 2.0
STEP_SECONDS = 0.5
KEEP_CHECKPOINTS = 3
_PAUSE_POLL = 0.02  # real seconds
_NOTES_POLL = 0.5  # real seconds between looks at an engine's notes while a step is awaited


def add_event(sb: Sandbox, job: dict[str, Any], message: str, *, level: str = "info",
              data: dict[str, Any] | None = None, kind: str = "message") -> None:
    job["_events"] = job.get("_events", 0) + 1
    sb.state.put("events", {
        "id": new_id("ftevent"), "object": "fine_tuning.job.event", "created_at": now(),
        "level": level, "message": message, "data": data or {}, "type": kind, "_job": job["id"],
    })


def start_job(sb: Sandbox, *, model: str, training: str, validation: str | None,
              method: dict[str, Any], seed: int, metadata: dict[str, Any] | None,
              suffix: str | None, fail: bool, dialect: str = "openai",
              job_id: str | None = None, name: str | None = None,
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Create a job record (OpenAI's shape, whatever dialect asked) and start its lifecycle.

    `name` is the tuned model's name in the dialect's form (None: OpenAI's `ft:` form);
    `extra` holds the dialect's own fields (private: `_`-prefixed keys are never sent).
    """
    job = {
        "id": job_id or new_id("ftjob"), "object": "fine_tuning.job", "created_at": now(),
        "error": None, "fine_tuned_model": None, "finished_at": None, "hyperparameters": {},
        "model": model, "organization_id": "org-tunedeck-sandbox", "result_files": [],
        "seed": seed, "status": "validating_files", "trained_tokens": None,
        "training_file": training, "validation_file": validation, "estimated_finish": None,
        "integrations": None, "metadata": metadata, "method": method,
        "_phase": "validating", "_suffix": suffix, "_next_step": 1, "_fail": fail,
        "_dialect": dialect, **(extra or {}),
    }
    if name:
        job["_model_name"] = name
    if method["type"] == "supervised":
        job["hyperparameters"] = method["supervised"]["hyperparameters"]
    sb.state.put("jobs", job)
    add_event(sb, job, f"Created fine-tuning job: {job['id']}")
    add_event(sb, job, f"Validating training file: {training}"
              + (f" and validation file: {validation}" if validation else ""))
    sb.spawn(job["id"], run(sb, job["id"]))
    return job


def model_name(job: dict[str, Any]) -> str:
    """The tuned model's name: OpenAI's `ft:` form, or the one its dialect gave at creation."""
    return job.get("_model_name") or \
        f"ft:{job['model']}:tunedeck:{job.get('_suffix') or ''}:{job['id'][-8:]}"


def spec_of(sb: Sandbox, job: dict[str, Any]) -> TrainingSpec:
    method = job["method"]
    kind = method["type"]
    params = method.get(kind) or {}
    return TrainingSpec(
        method=kind, base_model=job["model"], training=file_bytes(sb, job["training_file"]),
        validation=file_bytes(sb, job["validation_file"]) if job.get("validation_file") else None,
        hyperparameters=dict(params.get("hyperparameters") or {}), seed=job["seed"],
        grader=params.get("grader"), job_id=job["id"], metadata=dict(job.get("metadata") or {}),
    )


def fail(sb: Sandbox, job: dict[str, Any], code: str, message: str, param: str | None) -> None:
    job.update(status="failed", _phase="done", finished_at=now(), estimated_finish=None,
               error={"code": code, "message": message, "param": param})
    add_event(sb, job, f"Fine-tuning job failed: {message}", level="error")
    sb.state.save("jobs", job)


async def _gate(job: dict[str, Any], steps: Any = None) -> None:
    pause = getattr(steps, "pause", None)
    if job["status"] == "paused" and pause is not None:
        await asyncio.to_thread(pause)  # a real engine checkpoints and frees its device
    while job["status"] == "paused":
        await asyncio.sleep(_PAUSE_POLL)


async def _wait(sb: Sandbox, seconds: float) -> None:
    """A simulated wait; engines doing real work (paced = False) take their own time."""
    if getattr(sb.engine, "paced", True):
        await sb.sleep(seconds)


async def _reserve(sb: Sandbox, job: dict[str, Any]) -> None:
    """Wait in the queue until the engine has a slot (device) for this job."""
    try_reserve = getattr(sb.engine, "try_reserve", None)
    try:
        while try_reserve is not None and not try_reserve(job["id"]):
            await asyncio.sleep(0.2)
    except BaseException:  # cancelled while queued: leave the queue
        sb.engine.release(job["id"])  # type: ignore[attr-defined]
        raise


async def run(sb: Sandbox, job_id: str) -> None:
    job = sb.state.get("jobs", job_id)
    if job is None:
        return
    plan: TrainingPlan | None = None
    if job["_phase"] == "validating":
        await _wait(sb, VALIDATE_SECONDS)
        await _gate(job)
        plan = await _validate(sb, job)
        if plan is None:
            return
        _set_phase(sb, job, "queued")
        add_event(sb, job, "Files validated, moving job to queued state")
    if job["_phase"] == "queued":
        await _wait(sb, QUEUE_SECONDS)
        await _gate(job)
        await _reserve(sb, job)
        _set_phase(sb, job, "running")
        add_event(sb, job, f"Fine-tuning job started ({sb.engine.name} engine)")
    if job["_phase"] == "running":
        await _reserve(sb, job)  # after a restart, a running job takes its slot back
        try:
            if plan is None:
                plan = await asyncio.to_thread(sb.engine.plan, spec_of(sb, job))
            await _train(sb, job, plan)
        finally:
            release = getattr(sb.engine, "release", None)
            if release is not None:
                release(job["id"])


def _set_phase(sb: Sandbox, job: dict[str, Any], phase: str) -> None:
    job["_phase"] = phase
    if job["status"] == "paused":
        job["_resume_status"] = phase  # a pause during the wait resumes into the new phase
    else:
        job["status"] = phase
    sb.state.save("jobs", job)


async def _validate(sb: Sandbox, job: dict[str, Any]) -> TrainingPlan | None:
    kind = job["method"]["type"]
    for key, which in (("training_file", "Training"), ("validation_file", "Validation")):
        if not job.get(key):
            continue
        verdict = await asyncio.to_thread(check_file, file_bytes(sb, job[key]), method=kind, which=which)
        if not verdict.ok:
            code = verdict.code or "invalid_training_file"
            if key == "validation_file" and code == "invalid_training_file":
                code = "invalid_validation_file"
            fail(sb, job, code, verdict.message or "invalid file", key)
            return None
    try:
        plan = await asyncio.to_thread(sb.engine.plan, spec_of(sb, job))
    except TrainingDataError as exc:
        fail(sb, job, "invalid_training_file", str(exc), exc.param)
        return None
    resolved = plan.hyperparameters
    job["method"][kind] = {**(job["method"].get(kind) or {}), "hyperparameters": resolved}
    if kind == "supervised":
        job["hyperparameters"] = {k: resolved[k] for k in ("batch_size", "learning_rate_multiplier", "n_epochs")}
    job["_total_steps"] = plan.total_steps
    sb.state.save("jobs", job)
    return plan


async def _train(sb: Sandbox, job: dict[str, Any], plan: TrainingPlan) -> None:
    start = job.get("_next_step", 1)
    fail_at = plan.total_steps // 2 + 1 if job.get("_fail") else None
    steps = sb.engine.train(plan, start_step=start)
    last: StepResult | None = None
    try:
        while True:
            await _wait(sb, STEP_SECONDS)
            await _gate(job, steps)
            remaining = plan.total_steps - job.get("_next_step", 1) + 1
            job["estimated_finish"] = now() + int(remaining * STEP_SECONDS / sb.speed) + 1
            try:
                result = await _next_step(sb, job, steps)
            except TrainingFailed as exc:
                _record_notes(sb, job, steps)
                fail(sb, job, "server_error", str(exc), None)
                return
            if result is None:
                break
            await _gate(job, steps)  # a pause that arrived mid-step holds the step's record
            if fail_at is not None and result.step >= fail_at:
                fail(sb, job, "server_error", "The job failed due to an internal error "
                     "(sandbox fault injection: fail_job).", None)
                return
            _record_step(sb, job, result)
            last = result
    finally:
        close = getattr(steps, "close", None)
        if close is not None:
            with contextlib.suppress(ValueError):  # a generator still running in its thread
                close()
    if last is None:  # resumed after the last step was recorded: replay it for the artifact
        last = list(sb.engine.train(plan, start_step=plan.total_steps))[-1]
    _finish(sb, job, plan, last)


async def _next_step(sb: Sandbox, job: dict[str, Any], steps: Any) -> StepResult | None:
    """The next step, turning the engine's notes into events while it is awaited.

    A real engine's first step can be minutes away (a process loading a model,
    a cluster finding room for its workers): its notes say what it is doing.
    """
    pending = asyncio.ensure_future(asyncio.to_thread(next, steps, None))
    try:
        while True:
            done, _ = await asyncio.wait({pending}, timeout=_NOTES_POLL)
            _record_notes(sb, job, steps)
            if done:
                return pending.result()
    except asyncio.CancelledError:
        pending.cancel()
        raise


def _record_notes(sb: Sandbox, job: dict[str, Any], steps: Any) -> None:
    take_notes = getattr(steps, "take_notes", None)
    for note in take_notes() if take_notes is not None else ():
        add_event(sb, job, note)


def _record_step(sb: Sandbox, job: dict[str, Any], result: StepResult) -> None:
    # One transaction: a server killed between the step's event and the job's
    # next step would otherwise record that step twice when it resumes.
    with sb.state.transaction():
        _write_step(sb, job, result)


def _write_step(sb: Sandbox, job: dict[str, Any], result: StepResult) -> None:
    m = result.metrics
    message = f"Step {result.step}/{m['total_steps']}: training loss={m['train_loss']:.4f}"
    if "valid_loss" in m:
        message += f", validation loss={m['valid_loss']:.4f}"
    add_event(sb, job, message, data=m, kind="metrics")
    job.setdefault("_rows", []).append([
        result.step, m["train_loss"], m.get("train_mean_token_accuracy", ""),
        m.get("valid_loss", ""), m.get("valid_mean_token_accuracy", ""),
    ])
    if result.epoch_end and result.artifact is not None:
        _checkpoint(sb, job, result)
    job["_next_step"] = result.step + 1
    sb.state.save("jobs", job)


def _checkpoint(sb: Sandbox, job: dict[str, Any], result: StepResult) -> None:
    name = f"{model_name(job)}:ckpt-step-{result.step}"
    sb.state.put("models", {"id": name, "object": "model", "created": now(), "owned_by": sb.owner,
                            "_artifact": result.artifact, "_checkpoint": True, "_job": job["id"],
                            "_dialect": job.get("_dialect") or "openai", "_base": job["model"]})
    metrics = {k: v for k, v in result.metrics.items() if k != "total_steps"}
    sb.state.put("checkpoints", {
        "id": new_id("ftckpt"), "object": "fine_tuning.job.checkpoint", "created_at": now(),
        "fine_tuned_model_checkpoint": name, "fine_tuning_job_id": job["id"],
        "metrics": metrics, "step_number": result.step,
    })
    add_event(sb, job, f"Checkpoint created at step {result.step} (epoch {result.epoch})")
    # OpenAI keeps only the last three epochs' checkpoints.
    mine = sb.state.where("checkpoints", fine_tuning_job_id=job["id"])
    for old in mine[:-KEEP_CHECKPOINTS]:
        sb.state.delete("checkpoints", old["id"])
        sb.state.delete("models", old["fine_tuned_model_checkpoint"])


def _finish(sb: Sandbox, job: dict[str, Any], plan: TrainingPlan, last: StepResult) -> None:
    name = model_name(job)
    sb.state.put("models", {"id": name, "object": "model", "created": now(), "owned_by": sb.owner,
                            "_artifact": last.artifact, "_job": job["id"],
                            "_dialect": job.get("_dialect") or "openai", "_base": job["model"]})
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy"])
    writer.writerows(job.get("_rows", []))
    results = store_file(sb, buffer.getvalue().encode(), filename="step_metrics.csv",
                         purpose="fine-tune-results", dialect=job.get("_dialect") or "openai")
    add_event(sb, job, f"New fine-tuned model created: {name}")
    job.update(status="succeeded", _phase="done", fine_tuned_model=name, finished_at=now(),
               estimated_finish=None, trained_tokens=plan.trained_tokens, result_files=[results["id"]])
    add_event(sb, job, "The job has successfully completed")
    sb.state.save("jobs", job)


def resume_all(sb: Sandbox) -> None:
    for job in sb.state.all("jobs"):
        if job["status"] not in FINAL:
            sb.spawn(job["id"], run(sb, job["id"]))
