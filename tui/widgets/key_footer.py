"""The app's footer: the focused pane's keys first, and `?` help always on the right.

Textual's Footer lists keys from the focused widget outwards and cuts what does not
fit, so the app's own keys (help above all) were the first to go, even at 120
columns. Help is docked on the right where Textual puts its palette key (the help
screen names ctrl+p for the palette); the pane-switching keys stay in the tab titles.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

HELP_ACTION = "help"


class KeyFooter(Footer):
    # Two keys docked on one edge overlap: help takes the place of the palette's key.
    DEFAULT_CSS = """
    KeyFooter.-compact FooterKey.-help, KeyFooter FooterKey.-help {
        dock: right;
        padding: 0 1 0 0;
        margin: 0;
        border-left: vkey $foreground 20%;
        background: $footer-background;
    }
    """

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        help_key = None
        for node in super().compose():
            if isinstance(node, FooterKey) and node.action == HELP_ACTION:
                help_key = node
                continue
            yield node
        if help_key is not None:
            yield FooterKey(help_key.key, help_key.key_display, help_key.description,
                            help_key.action, classes="-help").data_bind(compact=Footer.compact)
