"""Guided flywheel loops: one row per loop, advanced stage by stage.

The driver (tui.core.loop) writes each stage's run or job id before that
stage's work starts, so whatever process resumes a loop continues the same
eval run or watches the same job instead of starting another.
"""

from __future__ import annotations

from typing import Any

from store._sqlite import sqlite_utils
from store._util import dumps, maybe_dumps, now_iso
from store.db import write
from store.records import Loop

# Stages in order; a loop ends in "done", "failed" or "cancelled".
STAGES = ("baseline", "training", "evaluating", "done")
FINAL_STAGES = frozenset({"done", "failed", "cancelled"})

_JSON_FIELDS = {"job_spec", "checkpoint_runs", "comparison"}
_FIELDS = {"stage", "baseline_run_id", "job_id", "tuned_run_id", "error", "name",
           "eval_checkpoints"} | _JSON_FIELDS


class LoopRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def create(self, *, name: str, profile: str, base_model: str, eval_id: int,
               training_version_id: int, validation_version_id: int | None = None,
               job_spec: dict[str, Any] | None = None, eval_checkpoints: bool = False,
               baseline_model: str | None = None, baseline_profile: str | None = None,
               source_job_id: int | None = None) -> Loop:
        now = now_iso()
        with write(self.db):
            loop_id = self.db.execute(
                """INSERT INTO loops (name, profile, base_model, eval_id, training_version_id,
                   validation_version_id, job_spec_json, eval_checkpoints, stage,
                   baseline_model, baseline_profile, source_job_id, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'baseline', ?, ?, ?, ?, ?)""",
                [name, profile, base_model, eval_id, training_version_id, validation_version_id,
                 dumps(job_spec or {}), int(eval_checkpoints), baseline_model, baseline_profile,
                 source_job_id, now, now],
            ).lastrowid
        return self.get(loop_id)

    def get(self, loop_id: int) -> Loop:
        rows = list(self.db.query("SELECT * FROM loops WHERE id = ?", [loop_id]))
        if not rows:
            raise KeyError(f"no loop {loop_id}")
        return Loop.from_row(rows[0])

    def list(self) -> list[Loop]:
        return [Loop.from_row(r) for r in self.db.query("SELECT * FROM loops ORDER BY id DESC")]

    def unfinished(self) -> list[Loop]:
        placeholders = ", ".join("?" * len(FINAL_STAGES))
        rows = self.db.query(
            f"SELECT * FROM loops WHERE stage NOT IN ({placeholders}) ORDER BY id",
            sorted(FINAL_STAGES))
        return [Loop.from_row(r) for r in rows]

    def for_job(self, job_id: int) -> Loop | None:
        rows = list(self.db.query("SELECT * FROM loops WHERE job_id = ? LIMIT 1", [job_id]))
        return Loop.from_row(rows[0]) if rows else None

    def retrains(self, model: str) -> list[Loop]:
        """Retrain-elsewhere loops that replace `model` (it was their baseline)."""
        rows = self.db.query("SELECT * FROM loops WHERE baseline_model = ? AND source_job_id "
                             "IS NOT NULL ORDER BY id", [model])
        return [Loop.from_row(r) for r in rows]

    def delete(self, loop_id: int) -> None:
        """Forget a loop that never started (a `loop start` refused before its first
        stage): it would otherwise stay listed as cancelled work that never was."""
        with write(self.db):
            self.db.execute("DELETE FROM loops WHERE id = ? AND baseline_run_id IS NULL "
                            "AND job_id IS NULL", [loop_id])

    def update(self, loop_id: int, **fields: Any) -> Loop:
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"unknown loop field(s) {', '.join(sorted(unknown))}")
        columns, values = [], []
        for key, value in fields.items():
            if key in _JSON_FIELDS:
                columns.append(f"{key}_json")
                values.append(dumps(value) if key != "comparison" else maybe_dumps(value))
            else:
                columns.append(key)
                values.append(value)
        columns.append("updated_at")
        values.append(now_iso())
        with write(self.db):
            self.db.execute(
                f"UPDATE loops SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?",
                [*values, loop_id])
        return self.get(loop_id)
