"""Prompt optimizations (GEPA): one row each, the candidates scored, the eval runs searched.

The driver (tui.core.optimize) writes the split, the budget and the run_dir
before any call; each candidate's validation score as GEPA reports it; and
every eval run its search made, keyed by (candidate, batch), so a resumed
search reuses a run already made instead of sampling it again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from store._sqlite import sqlite_utils
from store._util import dumps, maybe_dumps, now_iso
from store.db import write
from store.records import Record

FINAL_STATUSES = frozenset({"done", "failed"})

_JSON_FIELDS = {"parts", "split", "estimate", "comparison"}
_FIELDS = {"status", "stop_reason", "best_version_id", "metric_calls", "reflection_calls",
           "reflection_cost_usd", "best_candidate_idx", "seed_test_run_id", "best_test_run_id",
           "error"} | _JSON_FIELDS


class Optimization(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("parts", "split", "estimate", "comparison")
    id: int
    status: str
    stop_reason: str | None = None
    eval_id: int
    seed_version_id: int
    best_version_id: int | None = None
    profile: str
    model: str
    reflection_profile: str
    reflection_model: str
    parts: list[str] | None = None
    split: dict[str, Any] | None = None
    seed: int = 0
    max_metric_calls: int
    max_usd: float | None = None
    estimate: dict[str, Any] | None = None
    run_dir: str
    metric_calls: int = 0
    reflection_calls: int = 0
    reflection_cost_usd: float = 0.0
    best_candidate_idx: int | None = None
    seed_test_run_id: int | None = None
    best_test_run_id: int | None = None
    comparison: dict[str, Any] | None = None
    error: str | None = None
    created_at: str
    updated_at: str


class Candidate(Record):
    json_columns: ClassVar[tuple[str, ...]] = ("candidate", "parents", "val_scores")
    optimization_id: int
    idx: int
    candidate: dict[str, str]
    parents: list[int] | None = None
    val_score: float | None = None
    val_scores: dict[str, float] | None = None
    created_at: str


class OptimizationRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def create(self, *, eval_id: int, seed_version_id: int, profile: str, model: str,
               reflection_profile: str, reflection_model: str, parts: list[str],
               split: dict[str, Any], seed: int, max_metric_calls: int, max_usd: float | None,
               estimate: dict[str, Any], run_dir_root: str) -> Optimization:
        now = now_iso()
        with write(self.db):
            opt_id = self.db.execute(
                """INSERT INTO optimizations (status, eval_id, seed_version_id, profile, model,
                   reflection_profile, reflection_model, parts_json, split_json, seed,
                   max_metric_calls, max_usd, estimate_json, run_dir, created_at, updated_at)
                   VALUES ('searching', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?)""",
                [eval_id, seed_version_id, profile, model, reflection_profile,
                 reflection_model, dumps(parts), dumps(split), seed, max_metric_calls, max_usd,
                 dumps(estimate), now, now],
            ).lastrowid
            # The run_dir names the row, so two optimizations never share GEPA's state.
            self.db.execute("UPDATE optimizations SET run_dir = ? WHERE id = ?",
                            [f"{run_dir_root.rstrip('/')}/optimization-{opt_id}", opt_id])
        return self.get(opt_id)

    def get(self, opt_id: int) -> Optimization:
        rows = list(self.db.query("SELECT * FROM optimizations WHERE id = ?", [opt_id]))
        if not rows:
            raise KeyError(f"no optimization {opt_id}")
        return Optimization.from_row(rows[0])

    def list(self) -> list[Optimization]:
        rows = self.db.query("SELECT * FROM optimizations ORDER BY id DESC")
        return [Optimization.from_row(r) for r in rows]

    def update(self, opt_id: int, **fields: Any) -> None:
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"unknown optimization fields: {sorted(unknown)}")
        columns, values = ["updated_at"], [now_iso()]
        for key, value in fields.items():
            columns.append(f"{key}_json" if key in _JSON_FIELDS else key)
            values.append(maybe_dumps(value) if key in _JSON_FIELDS else value)
        assignments = ", ".join(f"{c} = ?" for c in columns)
        with write(self.db):
            self.db.execute(f"UPDATE optimizations SET {assignments} WHERE id = ?",
                            [*values, opt_id])

    def add_reflection(self, opt_id: int, cost_usd: float) -> None:
        with write(self.db):
            self.db.execute(
                "UPDATE optimizations SET reflection_calls = reflection_calls + 1, "
                "reflection_cost_usd = reflection_cost_usd + ?, updated_at = ? WHERE id = ?",
                [cost_usd, now_iso(), opt_id])

    # -- candidates -----------------------------------------------------------
    def record_candidate(self, opt_id: int, idx: int, candidate: dict[str, str], *,
                         parents: list[int], val_score: float,
                         val_scores: dict[str, float]) -> None:
        """Write (or, on a resume that scored it again, refresh) one candidate."""
        with write(self.db):
            self.db.execute(
                """INSERT INTO optimization_candidates (optimization_id, idx, candidate_json,
                   parents_json, val_score, val_scores_json, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (optimization_id, idx) DO UPDATE SET
                   candidate_json = excluded.candidate_json, val_score = excluded.val_score,
                   val_scores_json = excluded.val_scores_json""",
                [opt_id, idx, dumps(candidate), dumps(parents), val_score, dumps(val_scores),
                 now_iso()])

    def candidates(self, opt_id: int) -> list[Candidate]:
        rows = self.db.query("SELECT * FROM optimization_candidates WHERE optimization_id = ? "
                             "ORDER BY idx", [opt_id])
        return [Candidate.from_row(r) for r in rows]

    # -- the search's eval runs ------------------------------------------------
    def tag_run(self, opt_id: int, eval_run_id: int, *, candidate_hash: str,
                batch_key: str) -> None:
        with write(self.db):
            self.db.execute(
                """INSERT INTO optimization_runs (eval_run_id, optimization_id, candidate_hash,
                   batch_key, created_at) VALUES (?, ?, ?, ?, ?)""",
                [eval_run_id, opt_id, candidate_hash, batch_key, now_iso()])

    def find_run(self, opt_id: int, candidate_hash: str, batch_key: str) -> int | None:
        row = self.db.execute(
            "SELECT eval_run_id FROM optimization_runs WHERE optimization_id = ? AND "
            "candidate_hash = ? AND batch_key = ? ORDER BY eval_run_id DESC LIMIT 1",
            [opt_id, candidate_hash, batch_key]).fetchone()
        return int(row[0]) if row else None

    def run_ids(self, opt_id: int) -> list[int]:
        rows = self.db.execute("SELECT eval_run_id FROM optimization_runs WHERE "
                               "optimization_id = ? ORDER BY eval_run_id", [opt_id])
        return [int(r[0]) for r in rows]

    def search_cost(self, opt_id: int) -> float:
        """Dollars the search's eval runs recorded so far, item by item (runs in flight too)."""
        row = self.db.execute(
            """SELECT COALESCE(SUM(r.cost_usd), 0) FROM eval_results r
               JOIN optimization_runs o ON o.eval_run_id = r.run_id
               WHERE o.optimization_id = ?""", [opt_id]).fetchone()
        return float(row[0] or 0.0)

    def max_item_cost(self, opt_id: int) -> float:
        """The dearest item the search has recorded (what the dollar cap plans with)."""
        row = self.db.execute(
            """SELECT COALESCE(MAX(r.cost_usd), 0) FROM eval_results r
               JOIN optimization_runs o ON o.eval_run_id = r.run_id
               WHERE o.optimization_id = ?""", [opt_id]).fetchone()
        return float(row[0] or 0.0)

    def set_run_prompt(self, eval_run_id: int, prompt_version_id: int) -> None:
        """A held-out run names the prompt version it sampled (lineage), not the eval's."""
        with write(self.db):
            self.db.execute("UPDATE eval_runs SET prompt_version_id = ? WHERE id = ?",
                            [prompt_version_id, eval_run_id])

