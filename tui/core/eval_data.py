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
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the Datasets pane imports this before the store has loaded (issue 19)
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
    line is `{"item": {...}}` is read through.
    """
    if version.status != "ready" or not version.n_examples:
        return None
    if version.n_invalid < version.n_examples:
        return None
    # Lines are stored compressed (store/codec.py): read them through the store, a page
    # at a time, rather than with SQL on their text.
    first = store.datasets.example_rows(version.id, limit=1)
    if not first or not is_item(first[0]["data"]):
        return None
    total = items = 0
    bad: int | None = None
    fields: Counter[str] = Counter()
    after = 0
    while rows := store.datasets.example_rows(version.id, after=after):
        for row in rows:
            total += 1
            parsed = _item_of(row["data"])
            if parsed is None:
                bad = row["line"] if bad is None else bad
                continue
            items += 1
            if total <= _FIELDS_SAMPLE:
                fields.update(parsed.keys())
        after = rows[-1]["line"]
    return EvalItems(items=int(items or 0), lines=int(total), first_bad_line=bad,
                     fields=[name for name, _ in fields.most_common()])


def _item_of(data: str) -> dict | None:
    try:
        row = json.loads(data)
    except (json.JSONDecodeError, RecursionError):
        return None
    item = row.get("item") if isinstance(row, dict) else None
    return item if isinstance(item, dict) else None


def is_item(data: str) -> bool:
    return _item_of(data) is not None
