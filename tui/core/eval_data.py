"""Datasets that hold eval items, not training examples.

Playground ctrl+g (and any eval data file) stores `{"item": {...}}` lines: the shape
an eval reads (tui/core/evals/items.py), which the fine-tuning validator rightly
rejects line by line. The datasets pane asks here first and shows such a version as
what it is: eval data, valid when every line carries an item object.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from store import Store
from store.records import DatasetVersion

_FIELDS_SAMPLE = 200  # lines read to list the items' fields


@dataclass
class EvalItems:
    items: int  # lines with an item object
    lines: int  # non-blank lines
    fields: list[str] = field(default_factory=list)  # the items' fields, most common first
    first_bad_line: int | None = None

    @property
    def valid(self) -> bool:
        return self.items == self.lines and self.items > 0


def eval_items(store: Store, version: DatasetVersion) -> EvalItems | None:
    """The eval-item summary of a version whose lines are eval items; None otherwise.

    Cheap for training data: only a version with no valid training example whose first
    line is `{"item": {...}}` is counted (one indexed query, then a sample of lines).
    """
    if version.status != "ready" or not version.n_examples:
        return None
    if version.n_invalid < version.n_examples:
        return None
    db = store.db
    first = db.execute("SELECT data FROM examples WHERE version_id = ? ORDER BY line LIMIT 1",
                       [version.id]).fetchone()
    if first is None or not is_item(first[0]):
        return None
    total, items = db.execute(
        "SELECT COUNT(*), SUM(CASE WHEN json_valid(data) AND json_type(data, '$.item') = "
        "'object' THEN 1 ELSE 0 END) FROM examples WHERE version_id = ?", [version.id]
    ).fetchone()
    bad = db.execute(
        "SELECT MIN(line) FROM examples WHERE version_id = ? AND NOT (json_valid(data) AND "
        "COALESCE(json_type(data, '$.item'), '') = 'object')", [version.id]).fetchone()[0]
    fields: Counter[str] = Counter()
    for (data,) in db.execute("SELECT data FROM examples WHERE version_id = ? ORDER BY line "
                              "LIMIT ?", [version.id, _FIELDS_SAMPLE]):
        if is_item(data):
            fields.update(json.loads(data)["item"].keys())
    return EvalItems(items=int(items or 0), lines=int(total), first_bad_line=bad,
                     fields=[name for name, _ in fields.most_common()])


def is_item(data: str) -> bool:
    try:
        row = json.loads(data)
    except (json.JSONDecodeError, RecursionError):
        return False
    return isinstance(row, dict) and isinstance(row.get("item"), dict)
