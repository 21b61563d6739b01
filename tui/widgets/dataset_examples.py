"""The Datasets pane's example list as a VirtualTable source: rows paged from the store.

A version may hold a million lines, so rows are fetched a page at a time with the
pane's filters (status, error category, search, token floor) applied in SQL; an
eval data version counts a line holding an item as fine.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from tui.core.eval_data import is_item
from tui.core.example_preview import preview
from tui.widgets.virtual_table import Row

if TYPE_CHECKING:
    from store import Store


class ExampleSource:
    """Rows of one dataset version, filtered, paged from the store."""

    def __init__(
        self,
        store: Store,
        version_id: int,
        *,
        status: str | None = None,
        category: str | None = None,
        search: str | None = None,
        min_tokens: int | None = None,
        eval_items: bool = False,
    ) -> None:
        self.store = store
        self.version_id = version_id
        # Eval data: a line is fine when it holds an item (the training verdict does not apply).
        self.eval_items = eval_items
        self.filters = {
            "status": status,
            "category": category,
            "search": search,
            "min_tokens": min_tokens,
        }

    def count(self) -> int:
        return self.store.datasets.count_examples(self.version_id, **self.filters)

    def fetch(self, offset: int, limit: int) -> Sequence[Row]:
        rows = []
        for ex in self.store.datasets.page_examples(
            self.version_id, offset=offset, limit=limit, **self.filters
        ):
            as_item = self.eval_items and is_item(ex.data)
            ok = ex.status == "valid" or as_item
            rows.append(
                Row(
                    key=ex.line,
                    cells=(
                        str(ex.line),
                        Text("ok", style="green") if ok else Text("ERR", "bold red"),
                        "item" if as_item else ex.format or "-",
                        "-" if ex.tokens is None else f"{ex.tokens:,}",
                        "-" if ex.n_messages is None else str(ex.n_messages),
                        "" if as_item else ex.category or "",
                        preview(ex.data, None if as_item else ex.message),
                    ),
                )
            )
        return rows
