"""The help screen: every binding of the app and of each pane, with its id."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.ui_text import lines, plain, styled


def binding_rows(bindings: list[BindingType], keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    rows = []
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        keys = keymap.get(binding.id or "", binding.key) if binding.id else binding.key
        rows.append((keys, binding.description or binding.action, binding.id or ""))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark,f1", "dismiss", "Close help", id="help.close"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        # Keys come from the user's keymap: parts, not markup (a key named "[" is text).
        rows: list = [
            styled(("tunedeck — keys", "b"),
                   "  (remap any binding by its id in config.toml [keymap])"),
            "",
        ]
        for title, bindings in self.sections:
            rows.append(styled((title, "b $accent")))
            for keys, description, binding_id in bindings:
                rows.append(styled("  ", (f"{keys:<22}", "b"), f" {description:<34} ",
                                   (binding_id, "dim")))
            rows.append("")
        rows.append(plain("ctrl+p opens the command palette: every action, searchable.", "dim"))
        with VerticalScroll(id="help-body"):
            yield Static(lines(rows), id="help-text")

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
