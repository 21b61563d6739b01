"""Eval definitions, their runs and per-item results."""

from __future__ import annotations

import json
from typing import Any

import orjson

from store._sqlite import sqlite_utils
from store._util import dumps, maybe_dumps, now_iso
from store.db import write
from store.records import Eval, EvalResult, EvalRun

# Runs a prompt optimization's search made (store.optimizations) stay out of run lists.
_NOT_OPTIMIZATION = "AND id NOT IN (SELECT eval_run_id FROM optimization_runs)"


class EvalRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def create(
        self,
        name: str,
        *,
        testing_criteria: list[dict[str, Any]],
        data_source_config: dict[str, Any] | None = None,
        input_messages: Any = None,
        source: str = "local",
        profile: str | None = None,
        remote_id: str | None = None,
        definition_path: str | None = None,
        prompt_version_id: int | None = None,
        dataset_version_id: int | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Eval:
        now = now_iso()
        with write(self.db):
            eval_id = self.db.execute(
                """INSERT INTO evals (name, source, profile, remote_id, definition_path,
                   data_source_config_json, testing_criteria_json, input_messages_json,
                   prompt_version_id, dataset_version_id, metadata_json, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    name,
                    source,
                    profile,
                    remote_id,
                    definition_path,
                    dumps(data_source_config or {}),
                    dumps(testing_criteria),
                    maybe_dumps(input_messages),
                    prompt_version_id,
                    dataset_version_id,
                    dumps(metadata or {}),
                    now,
                    now,
                ],
            ).lastrowid
        return self.get(eval_id)

    def get(self, eval_id: int) -> Eval:
        rows = list(self.db.query("SELECT * FROM evals WHERE id = ?", [eval_id]))
        if not rows:
            raise KeyError(f"no eval {eval_id}")
        return Eval.from_row(rows[0])

    def list(self) -> list[Eval]:
        return [Eval.from_row(r) for r in self.db.query("SELECT * FROM evals ORDER BY name, id")]

    def find(self, name: str) -> Eval | None:
        """The newest eval with this name, or None."""
        rows = list(self.db.query("SELECT * FROM evals WHERE name = ? ORDER BY id DESC LIMIT 1",
                                  [name]))
        return Eval.from_row(rows[0]) if rows else None

    def find_remote(self, profile: str, remote_id: str) -> Eval | None:
        rows = list(self.db.query("SELECT * FROM evals WHERE profile = ? AND remote_id = ?",
                                  [profile, remote_id]))
        return Eval.from_row(rows[0]) if rows else None

    def update(self, eval_id: int, **fields: Any) -> None:
        json_fields = {"testing_criteria", "data_source_config", "input_messages", "metadata"}
        plain = {"name", "definition_path", "prompt_version_id", "dataset_version_id"}
        columns, values = ["updated_at"], [now_iso()]
        for key, value in fields.items():
            if key in json_fields:
                columns.append(f"{key}_json")
                values.append(dumps(value) if key != "input_messages" else maybe_dumps(value))
            elif key in plain:
                columns.append(key)
                values.append(value)
            else:
                raise ValueError(f"unknown eval field {key!r}")
        assignments = ", ".join(f"{c} = ?" for c in columns)
        with write(self.db):
            self.db.execute(f"UPDATE evals SET {assignments} WHERE id = ?", [*values, eval_id])

    # -- runs --------------------------------------------------------------
    def create_run(
        self,
        eval_id: int,
        *,
        model: str | None,
        status: str = "queued",
        name: str = "",
        profile: str | None = None,
        remote_id: str | None = None,
        prompt_version_id: int | None = None,
        data_source: dict[str, Any] | None = None,
    ) -> EvalRun:
        with write(self.db):
            run_id = self.db.execute(
                """INSERT INTO eval_runs (eval_id, name, profile, remote_id, model, status,
                   prompt_version_id, data_source_json, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    eval_id,
                    name,
                    profile,
                    remote_id,
                    model,
                    status,
                    prompt_version_id,
                    dumps(data_source or {}),
                    now_iso(),
                ],
            ).lastrowid
        return self.run(run_id)

    def run(self, run_id: int) -> EvalRun:
        rows = list(self.db.query("SELECT * FROM eval_runs WHERE id = ?", [run_id]))
        if not rows:
            raise KeyError(f"no eval run {run_id}")
        return EvalRun.from_row(rows[0])

    def runs(self, eval_id: int, *, include_optimization: bool = False) -> list[EvalRun]:
        """The eval's runs; those a prompt optimization's search made are left out unless
        asked for (dozens of small runs, listed with their optimization instead)."""
        hide = "" if include_optimization else _NOT_OPTIMIZATION
        rows = self.db.query(f"SELECT * FROM eval_runs WHERE eval_id = ? {hide} ORDER BY id",
                             [eval_id])
        return [EvalRun.from_row(r) for r in rows]

    def find_run_remote(self, profile: str, remote_id: str) -> EvalRun | None:
        rows = list(self.db.query("SELECT * FROM eval_runs WHERE profile = ? AND remote_id = ?",
                                  [profile, remote_id]))
        return EvalRun.from_row(rows[0]) if rows else None

    def unfinished_runs(self) -> list[EvalRun]:
        """Local runs a quit, crash or network loss left queued or in progress (an
        optimization's search runs resume with their optimization, not on their own)."""
        rows = self.db.query(
            "SELECT * FROM eval_runs WHERE status IN ('queued', 'in_progress') "
            f"AND remote_id IS NULL {_NOT_OPTIMIZATION} ORDER BY id"
        )
        return [EvalRun.from_row(r) for r in rows]

    def update_run(self, run_id: int, **fields: Any) -> None:
        json_fields = {"result_counts", "per_testing_criteria_results", "usage", "data_source"}
        plain = {"status", "cost_usd", "error", "started_at", "finished_at", "model", "name"}
        columns, values = [], []
        for key, value in fields.items():
            if key in json_fields:
                columns.append(f"{key}_json")
                values.append(maybe_dumps(value))
            elif key in plain:
                columns.append(key)
                values.append(value)
            else:
                raise ValueError(f"unknown eval run field {key!r}")
        assignments = ", ".join(f"{c} = ?" for c in columns)
        with write(self.db):
            self.db.execute(f"UPDATE eval_runs SET {assignments} WHERE id = ?", [*values, run_id])

    # -- results -----------------------------------------------------------
    def record_result(
        self,
        run_id: int,
        item_index: int,
        *,
        item: Any,
        status: str,
        sample: Any = None,
        score: float | None = None,
        results: list[dict[str, Any]] | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        latency_ms: float | None = None,
        cost_usd: float | None = None,
        error: str | None = None,
        remote_id: str | None = None,
    ) -> None:
        """Write one item's result; an item already recorded is kept, never duplicated."""
        with write(self.db):
            self.db.execute(
                """INSERT INTO eval_results (run_id, item_index, remote_id, item_json,
                   sample_json, status, score, results_json, input_tokens, output_tokens,
                   latency_ms, cost_usd, error, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (run_id, item_index) DO NOTHING""",
                [
                    run_id,
                    item_index,
                    remote_id,
                    dumps(item),
                    maybe_dumps(sample),
                    status,
                    score,
                    dumps(results or []),
                    input_tokens,
                    output_tokens,
                    latency_ms,
                    cost_usd,
                    error,
                    now_iso(),
                ],
            )

    def record_results(self, run_id: int, results: list[dict[str, Any]]) -> int:
        """Write many items' results in one transaction (keys: record_result's arguments);
        returns how many were new (an item already stored keeps its first result).

        The eval runner writes what finished together at once: a transaction an item cost
        more than the item's grading at high concurrency.
        """
        created = now_iso()
        with write(self.db):
            cursor = self.db.conn.executemany(
                """INSERT INTO eval_results (run_id, item_index, remote_id, item_json,
                   sample_json, status, score, results_json, input_tokens, output_tokens,
                   latency_ms, cost_usd, error, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (run_id, item_index) DO NOTHING""",
                [(run_id, r["item_index"], r.get("remote_id"), dumps(r["item"]),
                  maybe_dumps(r.get("sample")), r["status"], r.get("score"),
                  dumps(r.get("results") or []), r.get("input_tokens"), r.get("output_tokens"),
                  r.get("latency_ms"), r.get("cost_usd"), r.get("error"), created)
                 for r in results])
        return cursor.rowcount

    def done_indexes(self, run_id: int) -> set[int]:
        rows = self.db.execute("SELECT item_index FROM eval_results WHERE run_id = ?", [run_id])
        return {r[0] for r in rows}

    def count_results(self, run_id: int, status: str | None = None) -> int:
        if status is None:
            sql, params = "SELECT COUNT(*) FROM eval_results WHERE run_id = ?", [run_id]
        else:
            sql = "SELECT COUNT(*) FROM eval_results WHERE run_id = ? AND status = ?"
            params = [run_id, status]
        return self.db.execute(sql, params).fetchone()[0]

    def status_counts(self, run_id: int) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT status, COUNT(*) FROM eval_results WHERE run_id = ? GROUP BY status", [run_id]
        )
        return {status: n for status, n in rows}

    def iter_results(self, run_id: int, *, batch: int = 500):
        """Every result of a run in item order, read a page at a time."""
        last = -1
        while True:
            rows = list(self.db.query(
                "SELECT * FROM eval_results WHERE run_id = ? AND item_index > ? "
                "ORDER BY item_index LIMIT ?", [run_id, last, batch]))
            if not rows:
                return
            for row in rows:
                yield EvalResult.from_row(row)
            last = rows[-1]["item_index"]

    def iter_totals_rows(self, run_id: int, *, batch: int = 2000):
        """(item_index, status, results, sample, input_tokens, output_tokens, cost_usd,
        latency_ms) of every result in item order, decoded but not made into records: what
        a run's totals need, at ~3 µs a result instead of ~15 µs (issue 19)."""
        last = -1
        while True:
            rows = self.db.execute(
                "SELECT item_index, status, results_json, sample_json, input_tokens, "
                "output_tokens, cost_usd, latency_ms FROM eval_results "
                "WHERE run_id = ? AND item_index > ? ORDER BY item_index LIMIT ?",
                [run_id, last, batch]).fetchall()
            if not rows:
                return
            for index, status, results, sample, *rest in rows:
                yield (index, status, _json_value(results), _json_value(sample), *rest)
            last = rows[-1][0]

    def result(self, run_id: int, item_index: int) -> EvalResult | None:
        rows = list(self.db.query(
            "SELECT * FROM eval_results WHERE run_id = ? AND item_index = ?", [run_id, item_index]))
        return EvalResult.from_row(rows[0]) if rows else None

    def page_results(
        self, run_id: int, *, offset: int = 0, limit: int = 100, status: str | None = None,
        order: str = "item",
    ) -> list[EvalResult]:
        where, params = "run_id = ?", [run_id]
        if status:
            where += " AND status = ?"
            params.append(status)
        order_by = {"item": "item_index", "score": "score IS NULL, score, item_index",
                    "-score": "score IS NULL, score DESC, item_index"}[order]
        rows = self.db.query(
            f"SELECT * FROM eval_results WHERE {where} ORDER BY {order_by} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [EvalResult.from_row(r) for r in rows]


def _json_value(raw: str | None) -> Any:
    """A JSON column's value, as `Record.from_row` decodes it (orjson, with the standard
    library for what orjson refuses: NaN and Infinity, which json.dumps writes)."""
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)
