"""The Evals pane's list of runs: what each cell says, in how many columns.

Each eval is a heading row with its runs beneath it, so an eval's name is said
once instead of on every run, and the columns get fixed widths fitted to the
list's width: a model id is shortened in the middle (its fine-tune suffix stays),
a live status never re-widens a column, and no column is squeezed to nothing.
Kept apart from the pane so the pane stays about its actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from tui.core.untrusted import visible

RUN_COLUMNS = ("run", "pass", "model", "status")
PASS_WIDTH = 6  # "100.0%"
STATUS_WIDTH = 11  # "interrupted", "running 9/9"; longer live ones end in "…"
MIN_LABEL, MIN_MODEL = 10, 12
CELL_PADDING = 2  # DataTable pads each cell by one on both sides
SCROLLBAR = 2
LIVE_STATUS_EXTRA = 14  # "batch 120/400 in_progress", where there is room for it


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


@dataclass(frozen=True)
class RunRow:
    key: str  # "e{eval id}" for an eval's heading, "r{run id}" for a run
    label: str
    pass_text: str = ""
    model: str = ""
    status: str = ""

    @property
    def is_eval(self) -> bool:
        return self.key.startswith("e")


def column_widths(width: int, rows: list[RunRow]) -> dict[str, int]:
    """Fixed widths for the columns in a list `width` cells wide: the pass rate and the
    status whole, then the label and the model share the rest, each at least readable.
    Room left over goes to the status, for a live batch's longer one; nothing here
    depends on a status, so a run's progress never moves the columns."""
    room = max(0, width - SCROLLBAR - CELL_PADDING * len(RUN_COLUMNS) - PASS_WIDTH
               - STATUS_WIDTH)
    label_need = max([len(visible(r.label)) for r in rows] + [MIN_LABEL])
    model_need = max([len(visible(r.model)) for r in rows] + [MIN_MODEL])
    if label_need + model_need <= room:
        label, model = label_need, model_need  # the status right after the model
    else:
        label = max(MIN_LABEL, min(label_need, room * 9 // 20))
        model = max(MIN_MODEL, room - label)
    status = STATUS_WIDTH + max(0, min(LIVE_STATUS_EXTRA, room - label - model))
    return {"run": label, "pass": PASS_WIDTH, "model": model, "status": status}


def fit(value: str, width: int, *, keep_end: bool = False) -> Text:
    """One cell's text (untrusted: shown as data) cut to `width` with an ellipsis; a model
    id keeps its end, where a fine-tune's distinct suffix is."""
    text = visible(value)
    if keep_end:
        text = short_model(text, width)
    elif len(text) > width:
        text = text[:width - 1] + "…"
    return Text(text, no_wrap=True, overflow="ellipsis")


def row_cells(row: RunRow, widths: dict[str, int]) -> tuple[Text, ...]:
    if row.is_eval:
        return (Text.assemble(fit(row.label, widths["run"]), style="bold"),
                Text(""), Text(""),
                fit(row.status, widths["status"]))
    return (fit(row.label, widths["run"]), Text(row.pass_text, justify="right"),
            fit(row.model, widths["model"], keep_end=True),
            fit(row.status, widths["status"]))


def eval_heading(eval_id: int, name: str, n_runs: int) -> RunRow:
    from tui.core.wording import count_of

    return RunRow(f"e{eval_id}", name, status=count_of(n_runs, "run") if n_runs else "no runs")


def run_row(run: Any, status: str, *, marked: bool) -> RunRow:
    """A run under its eval's heading, indented (◆ marks the run `c` compares with)."""
    label = ("◆ " if marked else "  ") + run_label(run.name, run.model, run.id)
    return RunRow(f"r{run.id}", label, pass_rate(run.result_counts), run.model or "-", status)


def list_rows(repo: Any, *, live: dict[int, Any], running: Any, launched: Any,
              marked: int | None) -> list[RunRow]:
    """Every eval's heading with its runs beneath: a run with a thread shows its live
    status; one queued or in progress without a thread (a quit left it) is "interrupted"."""
    rows: list[RunRow] = []
    for ev in repo.list():
        runs = repo.runs(ev.id)
        rows.append(eval_heading(ev.id, ev.name, len(runs)))
        for run in runs:
            status = run.status
            progress = live.get(run.id)
            if progress is not None and run.id in running:
                status = live_status(progress)
            elif status in ("queued", "in_progress") and run.id not in launched \
                    and run.id not in running:
                status = "interrupted"
            rows.append(run_row(run, status, marked=run.id == marked))
    return rows


class RunList(DataTable):
    """The run list: rows in columns of fixed widths, rebuilt only when the widths change,
    the cursor put back on the selected row after every re-read."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows_shown: list[RunRow] = []
        self.widths: dict[str, int] = {}

    def show(self, rows: list[RunRow], *, fallback_width: int = 60) -> None:
        self.rows_shown = rows
        widths = column_widths(self.size.width or max(40, fallback_width), rows)
        # Re-filling moves the cursor to the top: that is not the user choosing run 1.
        with self.prevent(DataTable.RowHighlighted):
            if widths != self.widths:
                self.widths = widths
                self.clear(columns=True)
                for column in RUN_COLUMNS:
                    self.add_column(column, key=column, width=widths[column])
            else:
                self.clear()
            for row in rows:
                self.add_row(*row_cells(row, widths), key=row.key)

    def on_resize(self) -> None:
        # A fill before the list had its size (the store opens after the first frame)
        # used the fallback width; the first real size fits the columns again, cursor kept.
        if not self.rows_shown or column_widths(self.size.width, self.rows_shown) == self.widths:
            return
        key = None
        if self.row_count:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        self.show(self.rows_shown)
        if key is not None:
            self.keep_cursor(key)

    def keep_cursor(self, key: str) -> None:
        with self.prevent(DataTable.RowHighlighted):
            try:
                self.move_cursor(row=self.get_row_index(key), animate=False)
            except (KeyError, RowDoesNotExist):
                pass  # gone from the store: the cursor stays where the table put it

    def refit(self, key: str) -> None:
        """After a resize: the same rows in widths for the new size."""
        if self.rows_shown:
            self.show(self.rows_shown)
            self.keep_cursor(key)
