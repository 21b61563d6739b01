"""Jobs: fine-tuning jobs of the active profile, kept locally with their history."""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from tui.core.config import Capability
from tui.panes.base import Pane


def age(epoch_seconds: int | None) -> str:
    if not epoch_seconds:
        return "-"
    seconds = max(0, int(time.time()) - epoch_seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class JobsPane(Pane):
    pane_id = "jobs"
    pane_title = "Jobs"
    empty_text = (
        "[b]Jobs[/b]: fine-tuning jobs (supervised, DPO, reinforcement), watched live,\n"
        "with every event, metric and checkpoint kept here after the provider retires\n"
        "the model.\n\n"
        "No jobs for this profile yet."
    )

    def compose_body(self) -> ComposeResult:
        yield Static("", id="jobs-capability", classes="notice")
        table = DataTable(id="jobs-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(
            "job", "status", "method", "base model", "fine-tuned model", "tokens", "age"
        )
        yield table

    def reload(self) -> None:
        profile = self.tunedeck.profile
        notice = self.query_one("#jobs-capability", Static)
        if profile.has(Capability.FINE_TUNING):
            notice.display = False
        else:
            notice.update(
                f"Profile [b]{profile.name}[/b] ({profile.kind}) has no fine-tuning capability: "
                "jobs can be browsed but not created. Switch profile with [b]p[/b]."
            )
            notice.display = True
        table = self.query_one("#jobs-table", DataTable)
        table.clear()
        for job in self.tunedeck.store.jobs.list(profile.name):
            table.add_row(
                job.remote_id,
                job.status,
                job.method or "-",
                job.model,
                job.fine_tuned_model or "-",
                f"{job.trained_tokens:,}" if job.trained_tokens else "-",
                age(job.remote_created_at),
                key=str(job.id),
            )
        self.show_empty(table.row_count == 0)
        table.display = table.row_count > 0
