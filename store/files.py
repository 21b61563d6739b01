"""Files uploaded to (or seen on) a provider, and the provider's model list cache."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from store._util import now_iso
from store.db import write
from store.records import CachedModel, ProviderFile


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
                """INSERT INTO models (profile, model_id, owned_by, remote_created, fetched_at)
                   VALUES (?, ?, ?, ?, ?)""",
                [[profile, m["id"], m.get("owned_by"), m.get("created"), now] for m in models],
            )

    def list(self, profile: str) -> list[CachedModel]:
        rows = self.db.query("SELECT * FROM models WHERE profile = ? ORDER BY model_id", [profile])
        return [CachedModel.from_row(r) for r in rows]
