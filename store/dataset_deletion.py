"""Deleting a dataset version: what still uses it, and the delete itself.

A version a job trained on, an eval reads its items from, or a loop runs on is
kept: deleting it would leave those records pointing at nothing. Versions
derived from the deleted one are re-linked to its parent, so lineage stays a
chain; the provider file cache forgets the link (the file itself is untouched).
"""

from __future__ import annotations

import json
from typing import Any

from store._sqlite import sqlite_utils
from store.db import write


def _names_version(obj: Any, version_id: int) -> bool:
    """Whether a data-source JSON value names `{"type": "dataset_version", "id": version_id}`."""
    if isinstance(obj, dict):
        if obj.get("type") == "dataset_version" and str(obj.get("id")) == str(version_id):
            return True
        return any(_names_version(v, version_id) for v in obj.values())
    if isinstance(obj, list):
        return any(_names_version(v, version_id) for v in obj)
    return False


def version_uses(db: sqlite_utils.Database, version_id: int) -> list[str]:
    """What refers to the version, in words ("job ftjob-1", "eval qa", "loop 3 (name)")."""
    uses = [
        f"job {row[0]}"
        for row in db.execute(
            "SELECT remote_id FROM jobs WHERE training_version_id = ? "
            "OR validation_version_id = ? ORDER BY id", [version_id, version_id])
    ]
    uses += [
        f"loop {row[0]} ({row[1]})"
        for row in db.execute(
            "SELECT id, name FROM loops WHERE training_version_id = ? "
            "OR validation_version_id = ? ORDER BY id", [version_id, version_id])
    ]
    for eval_id, name, direct, config, meta in db.execute(
        "SELECT id, name, dataset_version_id, data_source_config_json, metadata_json "
        "FROM evals ORDER BY id"
    ):
        sources = [json.loads(config or "{}"), json.loads(meta or "{}")]
        if direct == version_id or _names_version(sources, version_id):
            uses.append(f"eval {eval_id} ({name})")
    for run_id, source in db.execute(
        "SELECT id, data_source_json FROM eval_runs WHERE data_source_json LIKE "
        "'%dataset_version%' ORDER BY id"
    ):
        if _names_version(json.loads(source or "{}"), version_id):
            uses.append(f"eval run {run_id}")
    return uses


class VersionInUse(ValueError):
    """The version is referenced; the message lists by what."""


def delete_version(db: sqlite_utils.Database, version_id: int) -> None:
    """Delete one version and its examples (and its dataset, if it was the last version)."""
    with write(db):
        row = db.execute(
            "SELECT dataset_id, parent_version_id FROM dataset_versions WHERE id = ?",
            [version_id]).fetchone()
        if row is None:
            raise KeyError(f"no dataset version {version_id}")
        uses = version_uses(db, version_id)
        if uses:
            raise VersionInUse("still used by " + ", ".join(uses))
        dataset_id, parent = row
        db.execute("UPDATE dataset_versions SET parent_version_id = ? "
                   "WHERE parent_version_id = ?", [parent, version_id])
        db.execute("UPDATE provider_files SET dataset_version_id = NULL "
                   "WHERE dataset_version_id = ?", [version_id])
        db.execute("DELETE FROM dataset_versions WHERE id = ?", [version_id])
        left = db.execute("SELECT COUNT(*) FROM dataset_versions WHERE dataset_id = ?",
                          [dataset_id]).fetchone()[0]
        if not left:
            db.execute("DELETE FROM datasets WHERE id = ?", [dataset_id])
