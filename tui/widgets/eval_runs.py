"""The Evals pane's list of runs: what each cell says, in how many columns.

Kept apart from the pane so the pane stays about its actions, and so the
wording of a run (label, model, live status) is testable without an app.
"""

from __future__ import annotations

from typing import Any

# What tells runs apart first: the list is narrow, and its right end is what gets cut.
RUN_COLUMNS = ("eval", "run", "pass", "items", "status", "model")


def pass_rate(counts: dict[str, int] | None) -> str:
    if not counts or not counts.get("total"):
        return "-"
    return f"{100 * counts.get('passed', 0) / counts['total']:.1f}%"


def run_label(name: str | None, model: str | None, run_id: int) -> str:
    """The run's name where it says more than its model column (a loop's "baseline"),
    else its number: a name repeating the model pushed the pass rate out of view."""
    if not name or name in (model, "samples"):
        return f"#{run_id}"
    return name[:18]


def short_model(model: str | None, width: int = 24) -> str:
    """A model id that fits the run list, keeping its end (a fine-tune's distinct suffix)."""
    if not model:
        return "-"
    if len(model) <= width:
        return model
    tail = width // 2
    return f"{model[:width - tail - 1]}…{model[-tail:]}"


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "ETA -"
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"ETA {minutes}m{secs:02d}s" if minutes else f"ETA {secs}s"


def live_status(progress: Any) -> str:
    """A running run's status cell: its batch's progress while it waits, then items done."""
    batch = getattr(progress, "batch", None) or {}
    if batch and not progress.done and batch.get("status") not in ("completed",):
        counts = batch.get("request_counts") or {}
        total = counts.get("total")
        done = f" {counts.get('completed', 0)}/{total}" if total else ""
        return f"batch{done} {batch.get('status') or 'sending'}"
    return f"running {progress.done}/{progress.total or '?'}"
