"""A modal that shows one long, scrollable text (details, reports).

The text is Content built from parts by the caller (tui/ui_text.py): it quotes
data, so it is never a markup string.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class TextViewScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    TextViewScreen { align: center middle; }
    TextViewScreen > Vertical { width: 90%; height: 85%; border: round $accent;
                                background: $surface; padding: 0 1; }
    """
    BINDINGS: ClassVar = [Binding("escape,q", "dismiss", "Close", id="text_view.close")]
    # The id tests and callers use to find the text.
    text_id: ClassVar[str] = "text-view-detail"

    def __init__(self, text: Content) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            with VerticalScroll():
                yield Static(self.text, id=self.text_id)
