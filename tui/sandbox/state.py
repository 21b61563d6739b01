"""The sandbox's state: named collections of JSON records plus file bytes.

Everything is mutated only from the server's event loop, so no locks. With a
state path, every write goes through to SQLite (sqlite-utils) and the whole
state is loaded back at start, so files, jobs, models, evals and batches
survive a restart.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from store._sqlite import sqlite_utils
from tui.core.private_files import FILE_MODE, create_private

KINDS = (
    "files", "uploads", "parts", "jobs", "events", "checkpoints", "models",
    "batches", "evals", "runs", "output_items", "responses",
    # The other providers' dialects: Azure deployments (ARM), Fireworks datasets,
    # deployments and loaded LoRAs, and signed upload URLs waiting for their bytes.
    "deployments", "fw_datasets", "fw_deployments", "fw_deployed", "signed",
    # Chat completions created with `store: true`, with their input messages.
    "chat_completions",
)


class State:
    def __init__(self, path: str | Path | None = None) -> None:
        self._data: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self._blobs: dict[str, bytes] = {}
        self._db: sqlite_utils.Database | None = None
        if path is not None:
            # It holds uploaded training data: 0600 before SQLite opens it (its -wal and
            # -shm files take the main file's mode), narrowed if an older one was wider.
            create_private(path)
            # The loop thread is the only user, but it is not the thread that opens it.
            conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db = sqlite_utils.Database(conn)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=5000")
            if "objects" not in self._db.table_names():
                self._db["objects"].create(
                    {"kind": str, "id": str, "seq": int, "body": str}, pk=("kind", "id")
                )
            if "blobs" not in self._db.table_names():
                self._db["blobs"].create({"id": str, "data": bytes}, pk="id")
            self._load()
            for suffix in ("-wal", "-shm"):
                side = Path(f"{path}{suffix}")
                if side.exists():
                    os.chmod(side, FILE_MODE)
        self._seq = sum(len(v) for v in self._data.values())
        self._in_transaction = False

    def _load(self) -> None:
        assert self._db is not None
        for row in self._db.query("select kind, id, body from objects order by seq"):
            if row["kind"] in self._data:
                self._data[row["kind"]][row["id"]] = orjson.loads(row["body"])
        for row in self._db.query("select id, data from blobs"):
            self._blobs[row["id"]] = bytes(row["data"])

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes that land together or not at all: a kill between them cannot half-record a step."""
        if self._db is None or self._in_transaction:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._in_transaction = False

    # Records -----------------------------------------------------------------

    def put(self, kind: str, record: dict[str, Any]) -> dict[str, Any]:
        self._data[kind][record["id"]] = record
        self.save(kind, record)
        return record

    def save(self, kind: str, record: dict[str, Any]) -> None:
        """Write a (mutated) record through to disk; a no-op in memory."""
        if self._db is None:
            return
        self._seq += 1
        existing = self._db.execute(
            "select seq from objects where kind = ? and id = ?", [kind, record["id"]]
        ).fetchone()
        seq = existing[0] if existing else self._seq
        self._db["objects"].upsert(
            {"kind": kind, "id": record["id"], "seq": seq, "body": orjson.dumps(record).decode()},
            pk=("kind", "id"),
        )

    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        return self._data[kind].get(ident)

    def delete(self, kind: str, ident: str) -> dict[str, Any] | None:
        record = self._data[kind].pop(ident, None)
        if self._db is not None and record is not None:
            self._db.execute("delete from objects where kind = ? and id = ?", [kind, ident])
        return record

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Records in creation order (oldest first)."""
        return list(self._data[kind].values())

    def where(self, kind: str, **match: Any) -> list[dict[str, Any]]:
        return [r for r in self._data[kind].values() if all(r.get(k) == v for k, v in match.items())]

    # File bytes ----------------------------------------------------------------

    def put_blob(self, ident: str, data: bytes) -> None:
        self._blobs[ident] = data
        if self._db is not None:
            self._db["blobs"].upsert({"id": ident, "data": data}, pk="id")

    def blob(self, ident: str) -> bytes | None:
        return self._blobs.get(ident)

    def delete_blob(self, ident: str) -> None:
        self._blobs.pop(ident, None)
        if self._db is not None:
            self._db.execute("delete from blobs where id = ?", [ident])

    def close(self) -> None:
        if self._db is not None:
            self._db.conn.close()
            self._db = None
