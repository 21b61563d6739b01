"""Evals: definitions, runs and their pass rates."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable

from tui.panes.base import Pane


def pass_rate(counts: dict[str, int] | None) -> str:
    if not counts or not counts.get("total"):
        return "-"
    return f"{100 * counts.get('passed', 0) / counts['total']:.1f}%"


class EvalsPane(Pane):
    pane_id = "evals"
    pane_title = "Evals"
    empty_text = (
        "[b]Evals[/b] measure a model before and after every change, with OpenAI's grader\n"
        "schema, run locally against any provider. Results stay here after the hosted\n"
        "Evals API shuts down (2026-11-30).\n\n"
        "No evals yet."
    )

    def compose_body(self) -> ComposeResult:
        table = DataTable(id="eval-runs-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("eval", "run", "model", "status", "pass rate", "items", "source")
        yield table

    def reload(self) -> None:
        repo = self.tunedeck.store.evals
        table = self.query_one("#eval-runs-table", DataTable)
        table.clear()
        for ev in repo.list():
            runs = repo.runs(ev.id)
            if not runs:
                table.add_row(ev.name, "-", "-", "no runs", "-", "-", ev.source, key=f"e{ev.id}")
            for run in runs:
                counts = run.result_counts or {}
                table.add_row(
                    ev.name,
                    run.name or f"#{run.id}",
                    run.model or "-",
                    run.status,
                    pass_rate(counts),
                    str(counts.get("total", repo.count_results(run.id))),
                    ev.source,
                    key=f"r{run.id}",
                )
        self.show_empty(table.row_count == 0)
        table.display = table.row_count > 0
