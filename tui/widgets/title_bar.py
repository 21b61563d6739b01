"""The app's title line: Textual's Header drawn by one widget.

Textual's Header is four widgets (icon, title, clock space, the header) that
watch four reactives and update the title widget, each update a layout pass;
at start-up that was ~15 ms of CPU before the first frame (issue 19). This draws
the same line (the icon in an 8-cell box on the left, the title and the dimmed
sub-title centred between it and a 10-cell space on the right) from the App's
`title` and `sub_title`, and clicking the icon opens the command palette, as
Header's does. The Header's click-to-grow (three lines tall) is not kept.
"""

from __future__ import annotations

from textual import events
from textual.app import RenderResult
from textual.content import Content
from textual.widget import Widget

ICON_CELLS = 8  # Header's icon box: one cell of padding either side of six
RIGHT_CELLS = 10  # Header's clock space, kept empty


class TitleBar(Widget):
    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, icon: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.icon = icon

    def on_mount(self) -> None:
        # A title change repaints this line only: its size never changes.
        self.watch(self.app, "title", self._title_changed, init=False)
        self.watch(self.app, "sub_title", self._title_changed, init=False)

    def _title_changed(self) -> None:
        self.refresh()

    def title_content(self) -> Content:
        return self.app.format_title(self.app.title, self.app.sub_title)

    def render(self) -> RenderResult:
        width = self.size.width
        icon = Content(f" {self.icon}").truncate(ICON_CELLS, pad=True)
        room = max(0, width - ICON_CELLS - RIGHT_CELLS)
        title = self.title_content().truncate(room, ellipsis=True)
        left = (room - title.cell_length) // 2
        line = Content.assemble(icon, title.pad(left, room - title.cell_length - left))
        return line.extend_right(max(0, width - line.cell_length))

    async def on_click(self, event: events.Click) -> None:
        if event.x < ICON_CELLS and self.app.ENABLE_COMMAND_PALETTE:
            event.stop()
            await self.run_action("app.command_palette")
