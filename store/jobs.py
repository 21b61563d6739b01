"""Fine-tuning jobs and everything fetched about them: events, metrics, checkpoints.

Writes are idempotent upserts keyed by the provider's ids, so a watcher that
restarts (or a second sync) never duplicates anything.
"""

from __future__ import annotations

from typing import Any

from store._sqlite import sqlite_utils
from store._util import dumps, maybe_dumps, now_iso
from store.db import write
from store.records import Job, JobCheckpoint, JobEvent, JobMetric

# Statuses after which a job never changes again (no polling needed).
FINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled"})

_METRIC_KEYS = (
    "total_steps",
    "train_loss",
    "train_mean_token_accuracy",
    "valid_loss",
    "valid_mean_token_accuracy",
    "full_valid_loss",
    "full_valid_mean_token_accuracy",
)


class JobRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def upsert(
        self,
        profile: str,
        job: dict[str, Any],
        *,
        training_version_id: int | None = None,
        validation_version_id: int | None = None,
        estimated_cost_usd: float | None = None,
    ) -> Job:
        """Store a job as the provider returned it (a FineTuningJob dumped to a dict).

        `estimated_cost_usd` is the pre-flight's estimate, given once at launch.
        """
        method = (job.get("method") or {}).get("type")
        now = now_iso()
        values = {
            "status": job["status"],
            "method": method,
            "model": job["model"],
            "fine_tuned_model": job.get("fine_tuned_model"),
            "training_file": job.get("training_file"),
            "validation_file": job.get("validation_file"),
            "suffix": job.get("suffix") or (job.get("user_provided_suffix")),
            "seed": job.get("seed"),
            "trained_tokens": job.get("trained_tokens"),
            "estimated_finish": job.get("estimated_finish"),
            "error_json": maybe_dumps(job.get("error") or None),
            "raw_json": dumps(job),
            "remote_created_at": job.get("created_at"),
            "finished_at": job.get("finished_at"),
            "updated_at": now,
        }
        with write(self.db):
            existing = self.db.execute(
                "SELECT id FROM jobs WHERE profile = ? AND remote_id = ?", [profile, job["id"]]
            ).fetchone()
            if existing is None:
                columns = [
                    "profile",
                    "remote_id",
                    "training_version_id",
                    "validation_version_id",
                    "estimated_cost_usd",
                    "created_at",
                    *values,
                ]
                params = [
                    profile,
                    job["id"],
                    training_version_id,
                    validation_version_id,
                    estimated_cost_usd,
                    now,
                    *values.values(),
                ]
                job_id = self.db.execute(
                    f"INSERT INTO jobs ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))})",
                    params,
                ).lastrowid
            else:
                job_id = existing[0]
                assignments = ", ".join(f"{c} = ?" for c in values)
                self.db.execute(
                    f"UPDATE jobs SET {assignments} WHERE id = ?", [*values.values(), job_id]
                )
                if training_version_id or validation_version_id:
                    self.db.execute(
                        """UPDATE jobs SET
                           training_version_id = COALESCE(?, training_version_id),
                           validation_version_id = COALESCE(?, validation_version_id)
                           WHERE id = ?""",
                        [training_version_id, validation_version_id, job_id],
                    )
                if estimated_cost_usd is not None:
                    self.db.execute("UPDATE jobs SET estimated_cost_usd = ? WHERE id = ?",
                                    [estimated_cost_usd, job_id])
        return self.get(job_id)

    def get(self, job_id: int) -> Job:
        rows = list(self.db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
        if not rows:
            raise KeyError(f"no job {job_id}")
        return Job.from_row(rows[0])

    def by_model(self, model: str) -> Job | None:
        """The job that produced `model`: its fine-tuned model or one of its checkpoints."""
        rows = list(self.db.query(
            """SELECT jobs.* FROM jobs WHERE fine_tuned_model = ?
               UNION SELECT jobs.* FROM jobs JOIN job_checkpoints c ON c.job_id = jobs.id
               WHERE c.fine_tuned_model_checkpoint = ? LIMIT 1""", [model, model]))
        return Job.from_row(rows[0]) if rows else None

    def by_remote_id(self, profile: str, remote_id: str) -> Job | None:
        rows = list(
            self.db.query(
                "SELECT * FROM jobs WHERE profile = ? AND remote_id = ?", [profile, remote_id]
            )
        )
        return Job.from_row(rows[0]) if rows else None

    def list(self, profile: str | None = None) -> list[Job]:
        if profile is None:
            rows = self.db.query("SELECT * FROM jobs ORDER BY remote_created_at DESC, id DESC")
        else:
            rows = self.db.query(
                "SELECT * FROM jobs WHERE profile = ? ORDER BY remote_created_at DESC, id DESC",
                [profile],
            )
        return [Job.from_row(r) for r in rows]

    def unfinished(self, profile: str) -> list[Job]:
        placeholders = ", ".join("?" * len(FINAL_STATUSES))
        rows = self.db.query(
            f"SELECT * FROM jobs WHERE profile = ? AND status NOT IN ({placeholders}) ORDER BY id",
            [profile, *sorted(FINAL_STATUSES)],
        )
        return [Job.from_row(r) for r in rows]

    # -- events and metrics -------------------------------------------------
    def add_events(self, job_id: int, events: list[dict[str, Any]]) -> int:
        """Insert new events (OpenAI's FineTuningJobEvent dicts); returns how many were new.

        Metrics events also fill job_metrics, one row per step.
        """
        added = 0
        with write(self.db):
            # The API lists events newest first; storing them oldest first makes the
            # row id a tie-breaker for events stamped in the same second.
            for event in reversed(events):
                cursor = self.db.execute(
                    """INSERT INTO job_events (job_id, remote_id, remote_created_at, level,
                       type, message, data_json) VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (job_id, remote_id) DO NOTHING""",
                    [
                        job_id,
                        event["id"],
                        event.get("created_at") or 0,
                        event.get("level"),
                        event.get("type"),
                        event.get("message") or "",
                        maybe_dumps(event.get("data")),
                    ],
                )
                added += cursor.rowcount
                data = event.get("data") or {}
                if event.get("type") == "metrics" and isinstance(data, dict) and "step" in data:
                    self._add_metric(job_id, data)
            newest = max(events, key=lambda e: e.get("created_at") or 0, default=None)
            if newest is not None and added:
                self.db.execute(
                    "UPDATE jobs SET last_event_id = ? WHERE id = ?", [newest["id"], job_id]
                )
        return added

    def _add_metric(self, job_id: int, data: dict[str, Any]) -> None:
        def number(key: str) -> Any:
            value = data.get(key)
            return value if isinstance(value, int | float) else None

        self.db.execute(
            f"""INSERT INTO job_metrics (job_id, step, {", ".join(_METRIC_KEYS)}, data_json)
                VALUES (?, ?, {", ".join("?" * len(_METRIC_KEYS))}, ?)
                ON CONFLICT (job_id, step) DO NOTHING""",
            [job_id, int(data["step"]), *(number(k) for k in _METRIC_KEYS), dumps(data)],
        )

    def events(self, job_id: int, *, limit: int = 500) -> list[JobEvent]:
        rows = self.db.query(
            """SELECT * FROM job_events WHERE job_id = ?
               ORDER BY remote_created_at DESC, id DESC LIMIT ?""",
            [job_id, limit],
        )
        return [JobEvent.from_row(r) for r in rows]

    def metrics(self, job_id: int) -> list[JobMetric]:
        rows = self.db.query("SELECT * FROM job_metrics WHERE job_id = ? ORDER BY step", [job_id])
        return [JobMetric.from_row(r) for r in rows]

    # -- checkpoints and results --------------------------------------------
    def add_checkpoints(self, job_id: int, checkpoints: list[dict[str, Any]]) -> int:
        added = 0
        with write(self.db):
            for ckpt in checkpoints:
                added += self.db.execute(
                    """INSERT INTO job_checkpoints (job_id, remote_id, step_number,
                       fine_tuned_model_checkpoint, metrics_json, remote_created_at)
                       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, remote_id) DO NOTHING""",
                    [
                        job_id,
                        ckpt["id"],
                        ckpt["step_number"],
                        ckpt["fine_tuned_model_checkpoint"],
                        dumps(ckpt.get("metrics") or {}),
                        ckpt.get("created_at"),
                    ],
                ).rowcount
        return added

    def checkpoints(self, job_id: int) -> list[JobCheckpoint]:
        rows = self.db.query(
            "SELECT * FROM job_checkpoints WHERE job_id = ? ORDER BY step_number", [job_id]
        )
        return [JobCheckpoint.from_row(r) for r in rows]

    def save_result_file(self, job_id: int, file_id: str, content: str) -> None:
        with write(self.db):
            self.db.execute(
                """INSERT INTO job_result_files (job_id, file_id, content) VALUES (?, ?, ?)
                   ON CONFLICT (job_id, file_id) DO UPDATE SET content = excluded.content""",
                [job_id, file_id, content],
            )

    def result_file(self, job_id: int) -> str | None:
        row = self.db.execute(
            "SELECT content FROM job_result_files WHERE job_id = ? ORDER BY file_id LIMIT 1",
            [job_id],
        ).fetchone()
        return row[0] if row else None

    def progress(self, profile: str) -> dict[int, tuple[int, int | None]]:
        """Latest metrics step and total steps of every job of the profile (one query)."""
        rows = self.db.execute(
            """SELECT m.job_id, m.step, m.total_steps FROM job_metrics m
               JOIN (SELECT job_id, MAX(step) AS step FROM job_metrics
                     WHERE job_id IN (SELECT id FROM jobs WHERE profile = ?) GROUP BY job_id) last
               ON last.job_id = m.job_id AND last.step = m.step""",
            [profile],
        ).fetchall()
        return {job_id: (step, total) for job_id, step, total in rows}

    def latest_step(self, job_id: int) -> tuple[int, int | None] | None:
        """(step, total steps) of one job's latest metrics, or None before the first."""
        row = self.db.execute(
            "SELECT step, total_steps FROM job_metrics WHERE job_id = ? ORDER BY step DESC "
            "LIMIT 1", [job_id]).fetchone()
        return (row[0], row[1]) if row else None

    def count_events(self, job_id: int) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM job_events WHERE job_id = ?", [job_id]
        ).fetchone()[0]
