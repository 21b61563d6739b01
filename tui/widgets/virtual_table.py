"""A table whose rows live in SQLite: only the visible page is ever read.

DataTable holds every row in memory and builds each one up front; a
100,000-example dataset would stall it. VirtualTable asks its RowSource for
the row count and for pages of rows as they scroll into view (Line API,
with an LRU cache of pages), so opening and scrolling cost the same at any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.untrusted import visible

PAGE_SIZE = 200
FLEX_MIN = 24  # what the flexible column (a preview, a name) needs to say something


@dataclass(frozen=True)
class Column:
    title: str
    width: int  # 0 = take the remaining width
    justify: str = "left"
    # Narrow tables (80 columns): a column may give way so the flexible one stays readable.
    hide_below: int = 0  # hidden when the table is narrower than this
    min_width: int = 0  # shrinks down to this while the flexible column has under FLEX_MIN


@dataclass(frozen=True)
class Row:
    key: int  # a stable id for the row (e.g. the example's line number)
    cells: tuple[str | Text, ...]
    style: str = ""


class RowSource(Protocol):
    def count(self) -> int: ...

    def fetch(self, offset: int, limit: int) -> Sequence[Row]: ...


class VirtualTable(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
    }
    VirtualTable > .virtual-table--header {
        text-style: bold;
        background: $panel;
    }
    VirtualTable > .virtual-table--cursor {
        background: $accent 40%;
    }
    VirtualTable:focus > .virtual-table--cursor {
        background: $accent;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
    }
    BINDINGS: ClassVar = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.pageup"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.pagedown"),
        Binding("home,g", "jump(0)", "First", show=False, id="table.first"),
        Binding("end,G", "jump(-1)", "Last", show=False, id="table.last"),
        Binding("enter", "select", "Open", show=False, id="table.open"),
    ]

    cursor_row: reactive[int] = reactive(0)

    class RowHighlighted(Message):
        def __init__(self, table: VirtualTable, index: int, row: Row | None) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

    class RowSelected(Message):
        def __init__(self, table: VirtualTable, index: int, row: Row) -> None:
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

    def __init__(
        self,
        columns: Sequence[Column],
        source: RowSource | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns = list(columns)
        self._source = source
        self._count = 0
        self._pages: LRUCache[int, Sequence[Row]] = LRUCache(maxsize=32)
        self.fetches = 0  # page reads from the source, for tests and benchmarks

    # -- data --------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return self._count

    def set_source(self, source: RowSource | None) -> None:
        self._source = source
        self.reload()

    def reload(self) -> None:
        """Forget cached pages and re-count (after the store changed)."""
        self._pages.clear()
        self._count = self._source.count() if self._source is not None else 0
        self.virtual_size = Size(self.size.width, self._count + 1)
        if self.cursor_row >= self._count:
            self.cursor_row = max(0, self._count - 1)
        self.refresh()

    def row_at(self, index: int) -> Row | None:
        if self._source is None or not 0 <= index < self._count:
            return None
        page_no = index // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            page = self._source.fetch(page_no * PAGE_SIZE, PAGE_SIZE)
            self.fetches += 1
            self._pages[page_no] = page
        offset = index - page_no * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    # -- rendering ---------------------------------------------------------
    def _widths(self, total: int) -> list[int]:
        """Each column's width; 0 for a column hidden at this width."""
        shown = [total >= c.hide_below for c in self.columns]
        widths = [c.width if on else 0 for c, on in zip(self.columns, shown, strict=True)]
        n_flex = sum(1 for c, on in zip(self.columns, shown, strict=True) if on and not c.width)

        def rest() -> int:
            used = sum(w + 1 for w in widths if w)
            return (total - used - n_flex) // max(1, n_flex)

        for index, column in enumerate(self.columns):
            short = FLEX_MIN - rest()
            if n_flex and short > 0 and widths[index] and column.min_width:
                widths[index] = max(column.min_width, widths[index] - short * n_flex)
        flex = max(8, rest())
        return [w or (flex if on and not c.width else 0)
                for c, w, on in zip(self.columns, widths, shown, strict=True)]

    def _line(self, cells: Sequence[str | Text], style: Style, width: int) -> Strip:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        for column, cell_width, cell in zip(self.columns, self._widths(width), cells, strict=False):
            if not cell_width:
                continue  # hidden at this width
            # Rows are data: a str cell is plain text with its controls made visible
            # (a Text cell was built from parts by its source, see tui/ui_text.py).
            cell_text = cell.copy() if isinstance(cell, Text) else Text(visible(cell))
            cell_text.truncate(cell_width, overflow="ellipsis", pad=False)
            pad = cell_width - cell_text.cell_len
            if column.justify == "right":
                text.append(" " * pad)
                text.append_text(cell_text)
            else:
                text.append_text(cell_text)
                text.append(" " * pad)
            text.append(" ")
        text.truncate(width, pad=True)
        segments = [
            Segment(seg.text, style + seg.style if seg.style else style)
            for seg in text.render(self.app.console)
        ]
        return Strip(segments, width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            header_style = self.get_component_rich_style("virtual-table--header")
            return self._line([c.title for c in self.columns], header_style, width)
        _, scroll_y = self.scroll_offset
        index = scroll_y + y - 1
        row = self.row_at(index)
        base = self.rich_style
        if row is None:
            return Strip.blank(width, base)
        style = base + Style.parse(row.style) if row.style else base
        if index == self.cursor_row:
            style = style + self.get_component_rich_style("virtual-table--cursor")
        return self._line(row.cells, style, width)

    def on_resize(self) -> None:
        # +1 line so the last row is reachable below the header line.
        self.virtual_size = Size(self.size.width, self._count + 1)

    # -- cursor ------------------------------------------------------------
    def watch_cursor_row(self, old: int, new: int) -> None:
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.RowHighlighted(self, new, self.row_at(new)))

    def _scroll_cursor_into_view(self) -> None:
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_offset.y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + visible:
            self.scroll_to(y=self.cursor_row - visible + 1, animate=False)

    def _move_to(self, index: int) -> None:
        if self._count:
            self.cursor_row = max(0, min(self._count - 1, index))

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor_row + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor_row + direction * max(1, self.size.height - 2))

    def action_jump(self, index: int) -> None:
        self._move_to(self._count - 1 if index < 0 else index)

    def action_select(self) -> None:
        row = self.row_at(self.cursor_row)
        if row is not None:
            self.post_message(self.RowSelected(self, self.cursor_row, row))

    def on_click(self, event: Click) -> None:
        if event.y == 0:
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < self._count:
            already = index == self.cursor_row
            self.cursor_row = index
            if already or event.chain > 1:
                self.action_select()
