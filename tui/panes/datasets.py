"""Datasets: imported JSONL files, their versions and validation results."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import DataTable

from tui.panes.base import Pane


class DatasetsPane(Pane):
    pane_id = "datasets"
    pane_title = "Datasets"
    empty_text = (
        "[b]Datasets[/b] hold the training and eval data of the flywheel.\n\n"
        "Every JSONL file you import is validated line by line, exactly as the provider\n"
        "will, before anything is uploaded or paid for.\n\n"
        "No datasets yet. From a shell:  [b]tunedeck validate FILE[/b]  checks a file offline."
    )

    def compose_body(self) -> ComposeResult:
        table = DataTable(id="datasets-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("dataset", "ver", "format", "examples", "invalid", "status", "created")
        yield table

    def reload(self) -> None:
        repo = self.tunedeck.store.datasets
        table = self.query_one("#datasets-table", DataTable)
        table.clear()
        for dataset in repo.list():
            for version in repo.versions(dataset.id):
                table.add_row(
                    dataset.name,
                    f"v{version.version}",
                    version.format or "-",
                    f"{version.n_examples:,}",
                    f"{version.n_invalid:,}",
                    version.status,
                    version.created_at[:16].replace("T", " "),
                    key=str(version.id),
                )
        self.show_empty(table.row_count == 0)
        table.display = table.row_count > 0
