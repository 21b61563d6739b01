"""Datasets, their immutable versions and their examples (paged reads)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from store._sqlite import sqlite_utils
from store._util import dumps, now_iso
from store.codec import pack_text, unpack
from store.db import write
from store.records import Dataset, DatasetVersion, Example

# The order of a pre-serialised example row (`add_rows`); `body` is `codec.pack`ed.
EXAMPLE_COLUMNS = (
    "line",
    "status",
    "format",
    "category",
    "message",
    "tokens",
    "assistant_tokens",
    "n_messages",
    "body",
)
_INSERT_EXAMPLE = (
    f"INSERT OR REPLACE INTO examples (version_id, {', '.join(EXAMPLE_COLUMNS)}) "
    f"VALUES ({', '.join('?' * (len(EXAMPLE_COLUMNS) + 1))})"
)
ExampleRow = tuple[int, str, str | None, str | None, str | None, int | None, int | None,
                   int | None, bytes]


def _example(row: dict[str, Any]) -> Example:
    values = dict(row)
    values["data"] = unpack(values.pop("body"))
    return Example.from_row(values)


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
        """Insert a batch of examples (dicts with `data` as text) in one transaction."""
        return self.add_rows(version_id, [
            (row["line"], row["status"], row.get("format"), row.get("category"),
             row.get("message"), row.get("tokens"), row.get("assistant_tokens"),
             row.get("n_messages"), pack_text(row["data"]))
            for row in rows])

    def add_rows(self, version_id: int, rows: Sequence[ExampleRow], *, line_shift: int = 0,
                 skip_through: int = 0) -> int:
        """Insert pre-serialised rows (EXAMPLE_COLUMNS order) in one transaction.

        Lines are renumbered by `line_shift` (rows scanned in a chunk count from 1 there)
        and those at or below `skip_through` (already stored) are left out. Returns how
        many were inserted.
        """
        if line_shift or skip_through:
            values = [(version_id, row[0] + line_shift, *row[1:]) for row in rows
                      if row[0] + line_shift > skip_through]
        else:
            values = [(version_id, *row) for row in rows]
        if values:
            with write(self.db):
                self.db.conn.executemany(_INSERT_EXAMPLE, values)
        return len(values)

    def lines(self, version_id: int, *, only_valid: bool = False, after: int = 0,
              limit: int = 2_000) -> list[tuple[int, str]]:
        """(line, text) of up to `limit` examples after line `after`, in order."""
        status = " AND status = 'valid'" if only_valid else ""
        rows = self.db.execute(
            f"SELECT line, body FROM examples WHERE version_id = ? AND line > ?{status} "
            "ORDER BY line LIMIT ?", [version_id, after, limit]).fetchall()
        return [(line, unpack(body)) for line, body in rows]

    def example_rows(self, version_id: int, *, only_valid: bool = False, after: int = 0,
                     limit: int = 2_000) -> list[dict[str, Any]]:
        """line, status, category, tokens and data (the text) of up to `limit` examples
        after line `after`, in order: what an export writes."""
        status = " AND status = 'valid'" if only_valid else ""
        rows = self.db.execute(
            "SELECT line, status, category, tokens, body FROM examples "
            f"WHERE version_id = ? AND line > ?{status} ORDER BY line LIMIT ?",
            [version_id, after, limit]).fetchall()
        return [{"line": line, "status": st, "category": category, "tokens": tokens,
                 "data": unpack(body)} for line, st, category, tokens, body in rows]

    def last_line(self, version_id: int) -> int:
        """The highest line stored for a version (0 when none): where an import resumes."""
        return self.db.execute("SELECT COALESCE(MAX(line), 0) FROM examples WHERE version_id = ?",
                               [version_id]).fetchone()[0]

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
            clauses.append("example_contains(body, ?)")
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
        return [_example(r) for r in rows]

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
        return _example(rows[0])

    # -- deleting -----------------------------------------------------------
    def version_uses(self, version_id: int) -> list[str]:
        from store.dataset_deletion import version_uses

        return version_uses(self.db, version_id)

    def delete_version(self, version_id: int) -> None:
        """Delete a version nothing uses; VersionInUse (a ValueError) says what does."""
        from store.dataset_deletion import delete_version

        delete_version(self.db, version_id)
