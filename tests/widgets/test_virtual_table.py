"""VirtualTable reads only the pages it shows, whatever the number of rows."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.virtual_table import PAGE_SIZE, Column, Row, VirtualTable


class CountingSource:
    def __init__(self, n: int) -> None:
        self.n = n
        self.reads: list[tuple[int, int]] = []

    def count(self) -> int:
        return self.n

    def fetch(self, offset: int, limit: int) -> list[Row]:
        self.reads.append((offset, limit))
        end = min(self.n, offset + limit)
        return [Row(key=i, cells=(str(i), f"row {i}")) for i in range(offset, end)]


class TableApp(App[None]):
    def __init__(self, source: CountingSource) -> None:
        super().__init__()
        self.source = source
        self.selected: list[int] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable([Column("#", 8, "right"), Column("text", 0)], self.source)

    def on_mount(self) -> None:
        self.query_one(VirtualTable).reload()
        self.query_one(VirtualTable).focus()

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        self.selected.append(event.row.key)


async def test_a_million_rows_open_with_one_page_read():
    source = CountingSource(1_000_000)
    app = TableApp(source)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        assert table.row_count == 1_000_000
        assert source.reads == [(0, PAGE_SIZE)]
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == 999_999
        last_page = (999_999 // PAGE_SIZE) * PAGE_SIZE
        assert (last_page, PAGE_SIZE) in source.reads
        assert len(source.reads) <= 3
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [999_999]


async def test_cursor_keys_and_click_select():
    app = TableApp(CountingSource(50))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        await pilot.press("down", "down", "up")
        assert table.cursor_row == 1
        await pilot.press("pagedown")
        assert table.cursor_row > 10
        await pilot.click(VirtualTable, offset=(3, 3))  # header is line 0, rows start at 1
        await pilot.pause()
        await pilot.click(VirtualTable, offset=(3, 3))
        await pilot.pause()
        assert app.selected and app.selected[-1] == table.cursor_row
        assert "row" in str(table.render_line(1).text)


async def test_reload_after_the_source_shrinks_keeps_cursor_in_range():
    source = CountingSource(100)
    app = TableApp(source)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        await pilot.press("end")
        source.n = 10
        table.reload()
        await pilot.pause()
        assert table.cursor_row == 9
