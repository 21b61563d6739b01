"""What every pane shares: a title, an empty state, re-reading the store."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from tui.worker_errors import ReportsWorkerErrors

if TYPE_CHECKING:
    from tui.host import Host


def is_shown(widget: Widget) -> bool:
    """Displayed, and so are all its ancestors (display:none hides a whole subtree)."""
    return all(getattr(node, "display", True) for node in widget.ancestors_with_self)


class EmptyState(Static):
    """What the pane is for and the first thing to do, shown while it has nothing.

    The text is written in short source lines; a single newline joins (the
    paragraph reflows to the terminal: hard breaks at 80 columns left ragged
    half-lines on an 80-column SSH session), a blank line stays a paragraph break.
    """

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(re.sub(r"(?<!\n)\n(?!\n)", " ", text), **kwargs)


class Pane(ReportsWorkerErrors, Vertical, can_focus=True):
    """Base of the four panes. Subclasses fill `compose_body` and `reload`."""

    pane_id: ClassVar[str] = ""
    pane_title: ClassVar[str] = ""
    empty_text: ClassVar[str] = ""

    @property
    def tunedeck(self) -> Host:
        return self.app  # type: ignore[return-value]

    @on(events.Mount)
    def _subscribe_store_changes(self) -> None:
        self.tunedeck.store_changes.subscribe(self, self._store_changed)

    @on(events.Show)
    def _shown(self) -> None:
        self.tunedeck.pane_shown()

    def _store_changed(self) -> None:
        """New data in the store: the pane on screen re-reads it (one hidden in another
        tab re-reads when it is shown)."""
        if self.tunedeck.store_ready.is_set() and is_shown(self):
            self.reload()
            # A reload may hide what had focus (an emptied list): keep the pane's keys live.
            focused = self.screen.focused
            if self.screen is self.app.screen and (focused is None or not is_shown(focused)):
                self.focus_first()

    def allow_focus(self) -> bool:
        """The pane takes focus only where focus_first would give it focus: while it shows
        no list or table (empty, or only text fields), so its keys still work. With a list
        shown, Tab and a click on the background put focus on the bare pane, where nothing
        showed it and the arrows did nothing."""
        return self.can_focus and self.focus_target() is None

    def compose(self) -> ComposeResult:
        yield EmptyState(self.empty_text, classes="empty-state")
        yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def show_empty(self, empty: bool) -> None:
        self.query_one(EmptyState).display = empty
        self.set_class(empty, "-empty")

    def focus_first(self) -> None:
        """Focus the pane's first list or table, so its keys act at once.

        Text fields are skipped: focused, they would swallow the digit keys
        that switch panes (F2…F5 work everywhere).
        """
        target = self.focus_target()
        # Nothing to focus (an empty pane): focus the pane so its keys still work.
        self.focus_now(target if target is not None else self)

    def focus_target(self) -> Widget | None:
        """Where the pane's keys start: the first shown widget that can take focus and is
        not a text field; None for the pane itself (focus_first and allow_focus both
        follow it)."""
        from textual.widgets import Input, TextArea

        for widget in self.query("*"):
            if widget.focusable and is_shown(widget) and not isinstance(widget, Input | TextArea):
                return widget
        return None

    def focus_now(self, widget: Widget) -> None:
        """Focus at once. Widget.focus() waits its turn in the message queue, behind a
        key typed (or pasted) right after the pane switch, which then found nothing
        focused and was lost."""
        self.screen.set_focus(widget)

    def reload(self) -> None:
        """Re-read what the pane shows from the store (called when a worker reports)."""
