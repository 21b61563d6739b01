"""A store holding jobs in every status, with fixed timestamps (deterministic screens)."""

from __future__ import annotations

import math

from store import Store

NOW = 1_767_225_600  # 2026-01-01 00:00:00 UTC: the pinned wall clock of these screens


def job(i: int, status: str, **extra) -> dict:
    base = {
        "id": f"ftjob-seed{i:04d}", "object": "fine_tuning.job", "status": status,
        "model": "gpt-4o-mini-2024-07-18", "created_at": NOW - 3600 * (i + 1),
        "fine_tuned_model": None, "finished_at": None, "trained_tokens": None,
        "training_file": f"file-train{i}", "validation_file": None, "result_files": [],
        "error": None, "seed": 42, "estimated_finish": None,
        "method": {"type": "supervised", "supervised": {"hyperparameters": {
            "n_epochs": 3, "batch_size": 1, "learning_rate_multiplier": 1.8}}},
    }
    base.update(extra)
    return base


def seed(store: Store, profile: str = "openai", *, version_id: int | None = None) -> dict[str, int]:
    ids: dict[str, int] = {}
    total = 30
    running = store.jobs.upsert(profile, job(0, "running", estimated_finish=NOW + 754),
                                training_version_id=version_id)
    events = []
    for step in range(1, 19):
        data = {"step": step, "total_steps": total,
                "train_loss": round(1.6 * math.exp(-step / 7) + 0.05 * math.sin(step), 4),
                "train_mean_token_accuracy": round(0.5 + 0.4 * (1 - math.exp(-step / 6)), 4)}
        if step % 3 == 0:
            data["valid_loss"] = round(1.7 * math.exp(-step / 8) + 0.1, 4)
            data["valid_mean_token_accuracy"] = round(0.45 + 0.4 * (1 - math.exp(-step / 7)), 4)
        events.append({"id": f"ev-{step:03d}", "created_at": NOW - 600 + step * 20,
                       "level": "info", "type": "metrics", "data": data,
                       "message": f"Step {step}/{total}: training loss={data['train_loss']}"})
    events.append({"id": "ev-000", "created_at": NOW - 700, "level": "info", "type": "message",
                   "message": "Fine-tuning job started"})
    store.jobs.add_events(running.id, list(reversed(events)))
    store.jobs.add_checkpoints(running.id, [{
        "id": "ftckpt-seed1", "step_number": 10, "created_at": NOW - 400,
        "fine_tuned_model_checkpoint": "ft:gpt-4o-mini-2024-07-18:acme::seed0:ckpt-step-10",
        "metrics": {"train_loss": 0.41, "train_mean_token_accuracy": 0.81}}])
    ids["running"] = running.id
    ids["succeeded"] = store.jobs.upsert(profile, job(
        1, "succeeded", fine_tuned_model="ft:gpt-4o-mini-2024-07-18:acme:support:seed1",
        finished_at=NOW - 1800, trained_tokens=1_234_567)).id
    ids["failed"] = store.jobs.upsert(profile, job(
        2, "failed", finished_at=NOW - 7000,
        error={"code": "invalid_training_file", "param": "training_file",
               "message": "Training file is invalid: line 3: message 1 has no content"}),
        training_version_id=version_id).id
    ids["cancelled"] = store.jobs.upsert(profile, job(3, "cancelled", finished_at=NOW - 9000)).id
    ids["paused"] = store.jobs.upsert(profile, job(
        4, "paused", method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.1}}})).id
    ids["queued"] = store.jobs.upsert(profile, job(5, "queued")).id
    ids["unknown"] = store.jobs.upsert(profile, job(6, "frobnicating")).id
    return ids
