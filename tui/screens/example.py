"""One example as a transcript, with its validation verdict; edit or exclude it."""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from store.records import Example
from tui.core.untrusted import visible
from tui.widgets.transcript import Transcript


class ExampleScreen(ModalScreen[tuple[str, str] | None]):
    """Dismisses with ("edit", new_text), ("exclude", "") or None."""

    BINDINGS = [
        Binding("escape,q", "close", "Close", id="example.close"),
        Binding("e", "edit", "Edit (new version)", id="example.edit"),
        Binding("x", "exclude", "Exclude (new version)", id="example.exclude"),
    ]

    def __init__(self, example: Example) -> None:
        super().__init__()
        self.example = example

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box tall"):
            yield Static(id="example-header")
            yield Transcript(id="example-transcript")
            yield Static("[dim]e edit · x exclude · esc close[/dim]")

    def on_mount(self) -> None:
        ex = self.example
        header = Text(f"line {ex.line} · {visible(ex.format or '?')} · ", style="bold")
        if ex.status == "valid":
            header.append("valid", style="bold green")
        else:
            # The validator's message quotes the line (keys, values): data.
            header.append(visible(f"{ex.category}: {ex.message}"), style="bold red")
        if ex.tokens is not None:
            header.append(f" · {ex.tokens} tokens", style="dim")
        self.query_one("#example-header", Static).update(header)
        self.query_one(Transcript).show(ex.data)
        self.query_one(Transcript).focus()

    def action_edit(self) -> None:
        from tui.screens.text_prompt import EditAndSave

        try:
            pretty = json.dumps(json.loads(self.example.data), indent=2, ensure_ascii=False)
        except (json.JSONDecodeError, RecursionError):
            pretty = self.example.data

        def done(result: tuple[str, str] | None) -> None:
            if result is not None:
                self.dismiss(("edit", result[1]))

        self.app.push_screen(
            EditAndSave(
                f"Edit line {self.example.line} (saved as a new version)",
                f"line {self.example.line}",
                pretty,
                target_label="example",
            ),
            done,
        )

    def action_exclude(self) -> None:
        self.dismiss(("exclude", ""))

    def action_close(self) -> None:
        self.dismiss(None)
