"""Datasets, their immutable versions and their examples (paged reads)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlite_utils

from store._util import dumps, now_iso
from store.db import write
from store.records import Dataset, DatasetVersion, Example

EXAMPLE_COLUMNS = (
    "line",
    "status",
    "format",
    "category",
    "message",
    "tokens",
    "assistant_tokens",
    "n_messages",
    "data",
)


class DatasetRepo:
    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    # -- datasets ---------------------------------------------------------
    def ensure(self, name: str, description: str = "") -> Dataset:
        row = self.db.execute("SELECT * FROM datasets WHERE name = ?", [name]).fetchone()
        if row is None:
            self.db.execute(
                "INSERT INTO datasets (name, description, created_at) VALUES (?, ?, ?)",
                [name, description, now_iso()],
            )
        return self.get_by_name(name)

    def get_by_name(self, name: str) -> Dataset:
        rows = list(self.db.query("SELECT * FROM datasets WHERE name = ?", [name]))
        if not rows:
            raise KeyError(f"no dataset named {name!r}")
        return Dataset.from_row(rows[0])

    def list(self) -> list[Dataset]:
        return [Dataset.from_row(r) for r in self.db.query("SELECT * FROM datasets ORDER BY name")]

    # -- versions ---------------------------------------------------------
    def find_version(self, dataset_id: int, content_hash: str) -> DatasetVersion | None:
        rows = list(
            self.db.query(
                "SELECT * FROM dataset_versions WHERE dataset_id = ? AND content_hash = ?",
                [dataset_id, content_hash],
            )
        )
        return DatasetVersion.from_row(rows[0]) if rows else None

    def create_version(
        self,
        dataset_id: int,
        content_hash: str,
        *,
        source_path: str | None = None,
        parent_version_id: int | None = None,
        note: str = "",
        model: str | None = None,
    ) -> DatasetVersion:
        with write(self.db):
            (next_version,) = self.db.execute(
                "SELECT COALESCE(MAX(version), 0) + 1 FROM dataset_versions WHERE dataset_id = ?",
                [dataset_id],
            ).fetchone()
            cursor = self.db.execute(
                """INSERT INTO dataset_versions
                   (dataset_id, version, content_hash, source_path, parent_version_id,
                    note, model, status, created_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 'importing', ?)""",
                [
                    dataset_id,
                    next_version,
                    content_hash,
                    source_path,
                    parent_version_id,
                    note,
                    model,
                    now_iso(),
                ],
            )
        return self.version(cursor.lastrowid)

    def version(self, version_id: int) -> DatasetVersion:
        rows = list(self.db.query("SELECT * FROM dataset_versions WHERE id = ?", [version_id]))
        if not rows:
            raise KeyError(f"no dataset version {version_id}")
        return DatasetVersion.from_row(rows[0])

    def versions(self, dataset_id: int) -> list[DatasetVersion]:
        return [
            DatasetVersion.from_row(r)
            for r in self.db.query(
                "SELECT * FROM dataset_versions WHERE dataset_id = ? ORDER BY version DESC",
                [dataset_id],
            )
        ]

    def finish_version(
        self,
        version_id: int,
        *,
        status: str,
        format: str | None,
        n_lines: int,
        n_examples: int,
        n_invalid: int,
        bytes: int,
        report: dict[str, Any] | None,
    ) -> None:
        with write(self.db):
            self.db.execute(
                """UPDATE dataset_versions SET status = ?, format = ?, n_lines = ?,
                   n_examples = ?, n_invalid = ?, bytes = ?, report_json = ? WHERE id = ?""",
                [
                    status,
                    format,
                    n_lines,
                    n_examples,
                    n_invalid,
                    bytes,
                    dumps(report) if report is not None else None,
                    version_id,
                ],
            )

    # -- examples ---------------------------------------------------------
    def add_examples(self, version_id: int, rows: Iterable[dict[str, Any]]) -> int:
        """Insert a batch of examples in one transaction; returns the count."""
        values = [[version_id, *(row.get(c) for c in EXAMPLE_COLUMNS)] for row in rows]
        placeholders = ", ".join("?" * (len(EXAMPLE_COLUMNS) + 1))
        with write(self.db):
            self.db.conn.executemany(
                f"INSERT OR REPLACE INTO examples (version_id, {', '.join(EXAMPLE_COLUMNS)}) "
                f"VALUES ({placeholders})",
                values,
            )
        return len(values)

    def _where(
        self,
        version_id: int,
        status: str | None,
        category: str | None,
        search: str | None,
        min_tokens: int | None = None,
    ):
        clauses, params = ["version_id = ?"], [version_id]
        if min_tokens is not None:
            clauses.append("tokens > ?")
            params.append(min_tokens)
        if status:
            clauses.append("status = ?")
            params.append(status)
        if category:
            clauses.append("category = ?")
            params.append(category)
        if search:
            clauses.append("instr(lower(data), lower(?)) > 0")
            params.append(search)
        return " AND ".join(clauses), params

    def count_examples(
        self,
        version_id: int,
        *,
        status: str | None = None,
        category: str | None = None,
        search: str | None = None,
        min_tokens: int | None = None,
    ) -> int:
        where, params = self._where(version_id, status, category, search, min_tokens)
        return self.db.execute(f"SELECT COUNT(*) FROM examples WHERE {where}", params).fetchone()[0]

    def page_examples(
        self,
        version_id: int,
        *,
        offset: int = 0,
        limit: int = 100,
        status: str | None = None,
        category: str | None = None,
        search: str | None = None,
        min_tokens: int | None = None,
    ) -> list[Example]:
        where, params = self._where(version_id, status, category, search, min_tokens)
        rows = self.db.query(
            f"SELECT * FROM examples WHERE {where} ORDER BY line LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [Example.from_row(r) for r in rows]

    def categories(self, version_id: int) -> list[tuple[str, int]]:
        rows = self.db.execute(
            """SELECT category, COUNT(*) FROM examples WHERE version_id = ?
               AND category IS NOT NULL GROUP BY category ORDER BY COUNT(*) DESC""",
            [version_id],
        )
        return [(r[0], r[1]) for r in rows]

    def example(self, version_id: int, line: int) -> Example:
        rows = list(
            self.db.query(
                "SELECT * FROM examples WHERE version_id = ? AND line = ?", [version_id, line]
            )
        )
        if not rows:
            raise KeyError(f"no line {line} in dataset version {version_id}")
        return Example.from_row(rows[0])

    # -- deleting -----------------------------------------------------------
    def version_uses(self, version_id: int) -> list[str]:
        from store.dataset_deletion import version_uses

        return version_uses(self.db, version_id)

    def delete_version(self, version_id: int) -> None:
        """Delete a version nothing uses; VersionInUse (a ValueError) says what does."""
        from store.dataset_deletion import delete_version

        delete_version(self.db, version_id)
