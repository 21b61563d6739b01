"""The item rows of one eval run, paged from the store for a VirtualTable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text

from tui.core.evals.context import output_text
from tui.widgets.virtual_table import Column, Row

COLUMNS = [Column("item", 6, "right"), Column("status", 7), Column("score", 7, "right"),
           Column("graders", 24), Column("output", 0)]
STATUS_STYLE = {"pass": "green", "fail": "red", "error": "yellow"}


def _short(value: Any, width: int = 80) -> str:
    text = str(value).replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


class EvalItemSource:
    def __init__(self, store: Any, run_id: int, *, status: str | None = None,
                 order: str = "item", marked: set[int] | None = None) -> None:
        self.store, self.run_id, self.status, self.order = store, run_id, status, order
        self.marked = marked or set()

    def count(self) -> int:
        return self.store.evals.count_results(self.run_id, self.status)

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        rows = []
        for r in self.store.evals.page_results(self.run_id, offset=offset, limit=limit,
                                               status=self.status, order=self.order):
            graders = " ".join(("✓" if g.get("passed") else "!" if g.get("error") else "✗")
                               + str(g.get("name", "?"))[:8] for g in r.results or [])
            chosen = r.item_index in self.marked
            rows.append(Row(key=r.item_index, style="bold" if chosen else "", cells=(
                ("● " if chosen else "") + str(r.item_index), Text(r.status, style=STATUS_STYLE.get(r.status, "")),
                "-" if r.score is None else f"{r.score:.3f}", graders,
                _short(r.error or output_text(r.sample)))))
        return rows
