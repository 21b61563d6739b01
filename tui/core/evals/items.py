"""Eval items: `{"item": {...}, "sample"?: {...}}` lines or plain objects, read lazily.

A run's `data_source.source` says where its items live, so a resumed run reads
the same items: `file_content` (OpenAI's inline shape), `file` (a local JSONL
path) or `dataset_version` (a version in the store).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class ItemError(ValueError):
    pass


def normalize(row: Any, where: str = "item") -> dict[str, Any]:
    """`{"item": {...}, "sample": ...}` from either shape; plain objects become the item."""
    if not isinstance(row, dict):
        raise ItemError(f"{where}: an item must be a JSON object")
    if isinstance(row.get("item"), dict):
        out = {"item": row["item"]}
        if row.get("sample") is not None:
            out["sample"] = row["sample"]
        return out
    return {"item": row}


def parse_lines(lines: Iterable[str], where: str = "data") -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise ItemError(f"{where} line {number}: not JSON ({exc})") from None
        yield normalize(row, f"{where} line {number}")


def read_file(path: str | Path) -> Iterator[dict[str, Any]]:
    """The items of a .json list or a JSONL file; only a regular file is read (an eval
    file naming /dev/zero or a FIFO as its data would read, or wait, for ever)."""
    from tui.core.datasets.source import NotRegularFile, open_regular

    path = Path(path)
    try:
        raw = open_regular(path)
    except NotRegularFile as exc:
        raise ItemError(f"{path}: {exc}") from None
    with raw:
        if path.suffix == ".json":
            data = json.loads(raw.read().decode("utf-8"))
            if not isinstance(data, list):
                raise ItemError(f"{path}: a .json data file must hold a list of items")
            for i, row in enumerate(data):
                yield normalize(row, f"{path.name}[{i}]")
            return
        with io.TextIOWrapper(raw, encoding="utf-8") as handle:
            yield from parse_lines(handle, path.name)


def iter_source(source: dict[str, Any], store: Any = None) -> Iterator[dict[str, Any]]:
    """The items a data source names, in order."""
    kind = source.get("type")
    if kind == "file_content":
        for i, row in enumerate(source.get("content") or []):
            yield normalize(row, f"content[{i}]")
    elif kind == "file":
        yield from read_file(source["path"])
    elif kind == "dataset_version":
        from tui.core.dataset_versions import version_lines

        yield from parse_lines(version_lines(store, int(source["id"])), "dataset")
    else:
        raise ItemError(f"unknown item source {kind!r} (file_content, file, dataset_version)")


def count_source(source: dict[str, Any], store: Any = None) -> int:
    if source.get("type") == "file_content":
        return len(source.get("content") or [])
    if source.get("type") == "dataset_version" and store is not None:
        row = store.db.execute(
            "SELECT COUNT(*) FROM examples WHERE version_id = ?", [int(source["id"])]
        ).fetchone()
        return int(row[0])
    return sum(1 for _ in iter_source(source, store))
