"""The import form: a path (typed, `~` allowed, or picked from a tree), a name, a model."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static


class ImportScreen(ModalScreen[tuple[str, str, str] | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="import.cancel"),
        Binding("ctrl+s", "submit", "Import", id="import.submit"),
    ]

    def __init__(self, start_dir: Path, model: str = "gpt-4o-mini") -> None:
        super().__init__()
        self.start_dir = start_dir
        self.model = model

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box tall"):
            yield Static(
                "[b]Import a JSONL file[/b]  (enter or ctrl+s imports, esc cancels; "
                "pick a file in the tree or type its path)"
            )
            yield Input(placeholder="path, e.g. ~/data/train.jsonl", id="import-path")
            yield Input(placeholder="dataset name (default: the file's name)", id="import-name")
            yield Input(
                self.model, placeholder="target model (sets the token encoding)", id="import-model"
            )
            yield DirectoryTree(self.start_dir, id="import-tree")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    @on(DirectoryTree.FileSelected)
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#import-path", Input).value = str(event.path)
        self.query_one("#import-name", Input).focus()

    @on(Input.Submitted)
    def action_submit(self) -> None:
        path = self.query_one("#import-path", Input).value.strip()
        if not path:
            self.notify("Type or pick a path first", severity="warning")
            return
        name = self.query_one("#import-name", Input).value.strip()
        if not name:
            name = Path(path).expanduser().stem or "dataset"
        model = self.query_one("#import-model", Input).value.strip() or self.model
        self.dismiss((path, name, model))

    def action_cancel(self) -> None:
        self.dismiss(None)
