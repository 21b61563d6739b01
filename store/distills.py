"""Distillation runs and the teacher answers each has paid for (table distill_samples).

A sample is written the moment it is graded, one short transaction each, so a
process killed mid-sampling loses at most the answers still in flight; a resume
asks only for the (prompt, sample) pairs that have no row.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from store._sqlite import sqlite_utils
from store._util import dumps, now_iso
from store.db import write
from store.records import Record

FINAL = frozenset({"done", "failed"})
_FIELDS = {"status", "n_prompts", "output_version_id", "kept", "sampled", "cost_usd", "error",
           "batch", "params"}


class DistillRun(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("params", "batch")
    id: int
    into_name: str
    status: str
    source_kind: str
    source_version_id: int | None = None
    source_eval_id: int | None = None
    prompt_version_id: int | None = None
    teacher: str
    teacher_profile: str
    samples: int = 1
    filter_eval_id: int | None = None
    min_score: float | None = None
    params: dict[str, Any] | None = None
    batch: dict[str, Any] | None = None
    n_prompts: int | None = None
    output_version_id: int | None = None
    kept: int | None = None
    sampled: int | None = None
    cost_usd: float | None = None
    error: str | None = None
    created_at: str
    updated_at: str


class DistillRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def create(self, *, into_name: str, source_kind: str, teacher: str, teacher_profile: str,
               source_version_id: int | None = None, source_eval_id: int | None = None,
               prompt_version_id: int | None = None, samples: int = 1,
               filter_eval_id: int | None = None, min_score: float | None = None,
               params: dict[str, Any] | None = None) -> DistillRun:
        now = now_iso()
        with write(self.db):
            run_id = self.db.execute(
                """INSERT INTO distill_runs (into_name, status, source_kind, source_version_id,
                   source_eval_id, prompt_version_id, teacher, teacher_profile, samples,
                   filter_eval_id, min_score, params_json, created_at, updated_at)
                   VALUES (?, 'sampling', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [into_name, source_kind, source_version_id, source_eval_id, prompt_version_id,
                 teacher, teacher_profile, samples, filter_eval_id, min_score,
                 dumps(params or {}), now, now]).lastrowid
        return self.get(run_id)

    def get(self, run_id: int) -> DistillRun:
        rows = list(self.db.query("SELECT * FROM distill_runs WHERE id = ?", [run_id]))
        if not rows:
            raise KeyError(f"no distillation {run_id}")
        return DistillRun.from_row(rows[0])

    def list(self) -> list[DistillRun]:
        return [DistillRun.from_row(r)
                for r in self.db.query("SELECT * FROM distill_runs ORDER BY id DESC")]

    def producing(self, version_id: int) -> DistillRun | None:
        """The finished distillation that wrote dataset version `version_id`, if any."""
        rows = list(self.db.query(
            "SELECT * FROM distill_runs WHERE output_version_id = ? ORDER BY id DESC LIMIT 1",
            [version_id]))
        return DistillRun.from_row(rows[0]) if rows else None

    def update(self, run_id: int, **fields: Any) -> None:
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"unknown distillation fields {sorted(unknown)}")
        if "batch" in fields:  # the Batch API state is stored as JSON
            batch = fields.pop("batch")
            fields["batch_json"] = None if batch is None else dumps(batch)
        if "params" in fields:  # the run's settings (a confirmation, concurrency) beside them
            fields["params_json"] = dumps(fields.pop("params") or {})
        sets = ", ".join(f"{k} = ?" for k in fields)
        with write(self.db):
            self.db.execute(f"UPDATE distill_runs SET {sets}, updated_at = ? WHERE id = ?",
                            [*fields.values(), now_iso(), run_id])

    # -- samples ---------------------------------------------------------------
    def add_sample(self, run_id: int, prompt_index: int, sample_index: int, *, status: str,
                   messages: list[dict[str, Any]], answer: str | None, score: float | None,
                   input_tokens: int | None = None, output_tokens: int | None = None,
                   cost_usd: float | None = None, error: str | None = None) -> None:
        with write(self.db):
            # OR IGNORE: a pair answered twice (two resumers racing) is kept and paid once.
            self.db.execute(
                """INSERT OR IGNORE INTO distill_samples (run_id, prompt_index, sample_index,
                   status, score, messages_json, answer, input_tokens, output_tokens, cost_usd,
                   error, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [run_id, prompt_index, sample_index, status, score, dumps(messages), answer,
                 input_tokens, output_tokens, cost_usd, error, now_iso()])

    def done_pairs(self, run_id: int) -> set[tuple[int, int]]:
        return {(r[0], r[1]) for r in self.db.execute(
            "SELECT prompt_index, sample_index FROM distill_samples WHERE run_id = ?", [run_id])}

    def samples(self, run_id: int) -> list[dict[str, Any]]:
        rows = self.db.query(
            "SELECT * FROM distill_samples WHERE run_id = ? ORDER BY prompt_index, sample_index",
            [run_id])
        out = []
        for row in rows:
            row = dict(row)
            row["messages"] = json.loads(row.pop("messages_json"))
            out.append(row)
        return out

    def totals(self, run_id: int) -> dict[str, Any]:
        row = self.db.execute(
            """SELECT COUNT(*), SUM(status = 'kept'), SUM(status = 'error'), SUM(cost_usd)
               FROM distill_samples WHERE run_id = ?""", [run_id]).fetchone()
        return {"sampled": row[0], "kept": row[1] or 0, "errored": row[2] or 0,
                "cost_usd": row[3]}
