"""Playground: prompt versions and the runs made with them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable

from tui.panes.base import Pane


class PlaygroundPane(Pane):
    pane_id = "playground"
    pane_title = "Playground"
    empty_text = (
        "[b]Playground[/b]: iterate on prompts against any model of the active profile,\n"
        "compare models side by side, and keep every version and run.\n\n"
        "No runs yet."
    )

    def compose_body(self) -> ComposeResult:
        table = DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("run", "model", "status", "out tok", "latency", "output", "when")
        yield table

    def reload(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        table.clear()
        for run in self.tunedeck.store.prompts.runs(limit=200):
            latency = f"{run.latency_ms / 1000:.2f}s" if run.latency_ms is not None else "-"
            table.add_row(
                f"#{run.id}",
                run.model,
                run.status,
                str(run.output_tokens) if run.output_tokens is not None else "-",
                latency,
                run.output_text.replace("\n", " ")[:60],
                run.created_at[:16].replace("T", " "),
                key=str(run.id),
            )
        self.show_empty(table.row_count == 0)
        table.display = table.row_count > 0
