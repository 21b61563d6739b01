"""Run history: search every playground run, re-open one, diff two prompt versions."""

from __future__ import annotations

import difflib
import json

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from store import Store
from tui.core.untrusted import visible
from tui.ui_text import cells
from tui.widgets.visible_fields import VisibleInput


def version_diff(store: Store, older_id: int, newer_id: int) -> Text:
    """A unified diff of two prompt versions (messages and parameters)."""

    def lines(version_id: int) -> list[str]:
        version = store.prompts.version(version_id)
        body = {"messages": version.messages, "params": version.params, "model": version.model}
        return json.dumps(body, indent=2, ensure_ascii=False).splitlines()

    older = store.prompts.version(older_id)
    newer = store.prompts.version(newer_id)
    text = Text()
    for line in difflib.unified_diff(
        lines(older_id), lines(newer_id), f"v{older.version}", f"v{newer.version}", lineterm=""
    ):
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        text.append(visible(line) + "\n", style=style)
    return text if text else Text("(no difference)")


class HistoryScreen(ModalScreen[int | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Close", id="history.close"),
        Binding("ctrl+d", "diff", "Diff with previous version", id="history.diff"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box tall"):
            yield Static(
                "[b]Run history[/b]  enter re-opens · ctrl+d diffs the run's prompt "
                "version with the one before · esc closes"
            )
            yield VisibleInput(placeholder="search outputs, inputs and models",
                               id="history-search")
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="history-diff")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("run", "when", "model", "prompt", "status", "out tok", "output")
        self.fill("")
        table.focus()

    @on(Input.Changed, "#history-search")
    def search(self, event: Input.Changed) -> None:
        self.fill(event.value)

    def fill(self, query: str) -> None:
        table = self.query_one(DataTable)
        table.clear()
        names = {p.id: p.name for p in self.store.prompts.list()}
        for run in self.store.prompts.runs(limit=500, search=query or None):
            prompt = "-"
            if run.prompt_version_id:
                version = self.store.prompts.version(run.prompt_version_id)
                prompt = f"{names.get(version.prompt_id, '?')} v{version.version}"
            # Models, prompt names and answers are data: Text cells (a str cell is markup).
            table.add_row(
                f"#{run.id}",
                run.created_at[:19].replace("T", " "),
                *cells(run.model, prompt, run.status),
                str(run.output_tokens or "-"),
                *cells(run.output_text.replace("\n", " ")[:50]),
                key=str(run.id),
            )

    def _current_run_id(self) -> int | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key else None

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(int(event.row_key.value))

    def action_diff(self) -> None:
        run_id = self._current_run_id()
        if run_id is None:
            return
        run = self.store.prompts.run(run_id)
        if run.prompt_version_id is None:
            return
        version = self.store.prompts.version(run.prompt_version_id)
        previous = [
            v
            for v in self.store.prompts.versions_of(version.prompt_id)
            if v.version < version.version
        ]
        diff_view = self.query_one("#history-diff", Static)
        if not previous:
            diff_view.update(f"v{version.version} is the first version of this prompt")
            return
        diff_view.update(version_diff(self.store, previous[0].id, version.id))

    def action_cancel(self) -> None:
        self.dismiss(None)
