"""The import form: a path (typed, `~` allowed, or picked from a tree), a name, a model.

A path that is not a readable file is said in the form, which stays open with
what was typed: the check runs in a thread (a stat on a stalled network mount
must not freeze the screen).
"""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static

from tui.ui_text import plain
from tui.widgets.path_suggester import PathSuggester
from tui.widgets.visible_fields import VisibleDirectoryTree, VisibleInput
from tui.worker_errors import ReportsWorkerErrors


class ImportScreen(ReportsWorkerErrors, ModalScreen[tuple[str, str, str] | None]):
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
            yield VisibleInput(placeholder="path, e.g. ~/data/train.jsonl (→ completes it)",
                               id="import-path", suggester=PathSuggester())
            error = Static("", id="import-error")
            error.display = False  # shown only with something to say
            yield error
            yield VisibleInput(placeholder="dataset name (default: the file's name)",
                               id="import-name")
            yield Input(
                self.model, placeholder="target model (sets the token encoding)", id="import-model"
            )
            yield VisibleDirectoryTree(self.start_dir, id="import-tree")

    def on_mount(self) -> None:
        self.query_one("#import-path", Input).focus()

    @on(DirectoryTree.FileSelected)
    def picked(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#import-path", Input).value = str(event.path)
        self.query_one("#import-name", Input).focus()

    @on(Input.Changed, "#import-path")
    def _path_changed(self) -> None:
        # The error was about the path as it was: once it is edited, it no longer applies.
        self.query_one("#import-error", Static).display = False

    @on(Input.Submitted)
    def action_submit(self) -> None:
        path = self.query_one("#import-path", Input).value.strip()
        if not path:
            self._refuse("Type or pick a path first")
            return
        self._check_then_import(path)

    @work(thread=True, exclusive=True, group="import-check", exit_on_error=False)
    def _check_then_import(self, path: str) -> None:
        from tui.core.dataset_versions import DatasetImportError, check_path

        try:
            check_path(path)
        except DatasetImportError as exc:
            self.app.call_from_thread(self._refuse, str(exc))
        else:
            self.app.call_from_thread(self._import, path)

    def _refuse(self, message: str) -> None:
        error = self.query_one("#import-error", Static)
        error.update(plain(message, "b red"))  # it quotes the path: plain text
        error.display = True
        self.query_one("#import-path", Input).focus()

    def _import(self, path: str) -> None:
        if not self.is_active:  # cancelled while the path was being checked
            return
        name = self.query_one("#import-name", Input).value.strip()
        if not name:
            name = Path(path).expanduser().stem or "dataset"
        model = self.query_one("#import-model", Input).value.strip() or self.model
        self.dismiss((path, name, model))

    def action_cancel(self) -> None:
        self.dismiss(None)
