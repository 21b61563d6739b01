"""The help screen: every binding of the app and of each pane, with its id."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

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
        Binding("slash", "filter", "Filter keys", id="help.filter"),
    ]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filters: type part of a key, an action or an id",
                    id="help-filter")
        with VerticalScroll(id="help-body"):
            yield Static(self._text(""), id="help-text")

    def on_mount(self) -> None:
        # The filter waits for `/`: focused at once, it would swallow `?` and `q`, which
        # close help.
        self.query_one("#help-body").focus()

    def _text(self, query: str):
        # Keys come from the user's keymap: parts, not markup (a key named "[" is text).
        needle = query.strip().casefold()
        rows: list = [
            styled(("tunedeck — keys", "b"),
                   "  (remap any binding by its id in config.toml [keymap])"),
            "",
        ]
        for title, bindings in self.sections:
            shown = [b for b in bindings
                     if not needle or any(needle in part.casefold() for part in b)]
            if not shown:
                continue
            rows.append(styled((title, "b $accent")))
            for keys, description, binding_id in shown:
                rows.append(styled("  ", (f"{keys:<22}", "b"), f" {description:<34} ",
                                   (binding_id, "dim")))
            rows.append("")
        if needle and len(rows) == 2:
            rows.append(plain(f"No key matches {query.strip()!r}.", "dim"))
        rows.append(plain("ctrl+p opens the command palette: every action, searchable.", "dim"))
        return lines(rows)

    def action_filter(self) -> None:
        self.query_one("#help-filter", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#help-text", Static).update(self._text(event.value))

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.dismiss(None)
