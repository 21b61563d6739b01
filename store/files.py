"""Files uploaded to (or seen on) a provider, and the provider's model list cache."""

from __future__ import annotations

from typing import Any

from store._sqlite import sqlite_utils
from store._util import dumps, now_iso
from store.db import write
from store.records import CachedModel, Deployment, ProviderFile


class FileRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def record(
        self,
        profile: str,
        remote: dict[str, Any],
        *,
        content_hash: str | None = None,
        dataset_version_id: int | None = None,
    ) -> ProviderFile:
        """Store a provider FileObject (as a dict); re-recording updates its status only."""
        with write(self.db):
            self.db.execute(
                """INSERT INTO provider_files (profile, remote_id, purpose, filename, bytes,
                   content_hash, dataset_version_id, status, remote_created_at, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (profile, remote_id) DO UPDATE SET
                     status = excluded.status,
                     content_hash = COALESCE(excluded.content_hash, content_hash),
                     dataset_version_id = COALESCE(excluded.dataset_version_id,
                                                   dataset_version_id)""",
                [
                    profile,
                    remote["id"],
                    remote.get("purpose", ""),
                    remote.get("filename", ""),
                    remote.get("bytes"),
                    content_hash,
                    dataset_version_id,
                    remote.get("status"),
                    remote.get("created_at"),
                    now_iso(),
                ],
            )
        return self.get(profile, remote["id"])

    def get(self, profile: str, remote_id: str) -> ProviderFile:
        rows = list(
            self.db.query(
                "SELECT * FROM provider_files WHERE profile = ? AND remote_id = ?",
                [profile, remote_id],
            )
        )
        if not rows:
            raise KeyError(f"no file {remote_id} on profile {profile}")
        return ProviderFile.from_row(rows[0])

    def find_by_hash(self, profile: str, content_hash: str, purpose: str) -> ProviderFile | None:
        """The file already holding these bytes on this provider, so we never upload twice."""
        rows = list(
            self.db.query(
                """SELECT * FROM provider_files WHERE profile = ? AND content_hash = ?
                   AND purpose = ? AND COALESCE(status, '') NOT IN ('deleted', 'error')
                   ORDER BY id DESC LIMIT 1""",
                [profile, content_hash, purpose],
            )
        )
        return ProviderFile.from_row(rows[0]) if rows else None

    def list(self, profile: str) -> list[ProviderFile]:
        rows = self.db.query(
            "SELECT * FROM provider_files WHERE profile = ? ORDER BY id DESC", [profile]
        )
        return [ProviderFile.from_row(r) for r in rows]

    def mark(self, profile: str, remote_id: str, status: str) -> None:
        with write(self.db):
            self.db.execute(
                "UPDATE provider_files SET status = ? WHERE profile = ? AND remote_id = ?",
                [status, profile, remote_id],
            )


class ModelRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def replace(self, profile: str, models: list[dict[str, Any]]) -> None:
        """Replace the cached model list of a profile with a fresh one."""
        now = now_iso()
        with write(self.db):
            self.db.execute("DELETE FROM models WHERE profile = ?", [profile])
            self.db.conn.executemany(
                """INSERT INTO models (profile, model_id, owned_by, remote_created,
                   shutdown_date, fetched_at) VALUES (?, ?, ?, ?, ?, ?)""",
                [[profile, m["id"], m.get("owned_by"), m.get("created"),
                  _date(m.get("shutdown_date")), now] for m in models],
            )

    def list(self, profile: str) -> list[CachedModel]:
        rows = self.db.query("SELECT * FROM models WHERE profile = ? ORDER BY model_id", [profile])
        return [CachedModel.from_row(r) for r in rows]

    def shutdown_dates(self, profile: str | None = None) -> dict[tuple[str, str], str]:
        """(profile, model) -> shutdown date of every cached model that has one announced."""
        sql = "SELECT profile, model_id, shutdown_date FROM models WHERE shutdown_date IS NOT NULL"
        params: list[Any] = []
        if profile is not None:
            sql += " AND profile = ?"
            params.append(profile)
        return {(p, m): d for p, m, d in self.db.execute(sql, params).fetchall()}


def _date(value: Any) -> str | None:
    """A provider's shutdown date as YYYY-MM-DD (it may send a date-time or a timestamp)."""
    if value in (None, ""):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        from datetime import UTC, datetime

        return datetime.fromtimestamp(value, UTC).date().isoformat()
    return str(value)[:10]


class DeploymentRepo:
    """Deployments of tuned models, by profile and deployment name."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def record(self, profile: str, model: str, name: str, status: str,
               detail: dict[str, Any] | None = None) -> Deployment:
        now = now_iso()
        with write(self.db):
            self.db.execute(
                """INSERT INTO deployments (profile, model, name, status, detail_json,
                   created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (profile, name) DO UPDATE SET model = excluded.model,
                   status = excluded.status, detail_json = excluded.detail_json,
                   updated_at = excluded.updated_at""",
                [profile, model, name, status, dumps(detail or {}), now, now])
        return self.get(profile, name)

    def get(self, profile: str, name: str) -> Deployment:
        rows = list(self.db.query(
            "SELECT * FROM deployments WHERE profile = ? AND name = ?", [profile, name]))
        if not rows:
            raise KeyError(f"no deployment {name} on profile {profile}")
        return Deployment.from_row(rows[0])

    def for_model(self, model: str, profile: str | None = None) -> list[Deployment]:
        sql, params = "SELECT * FROM deployments WHERE model = ?", [model]
        if profile is not None:
            sql += " AND profile = ?"
            params.append(profile)
        return [Deployment.from_row(r) for r in self.db.query(sql + " ORDER BY id", params)]

    def model_of(self, name: str) -> str | None:
        """The model a deployment name serves (any profile), or None."""
        row = self.db.execute("SELECT model FROM deployments WHERE name = ? ORDER BY id DESC "
                              "LIMIT 1", [name]).fetchone()
        return row[0] if row else None
