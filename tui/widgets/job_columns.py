"""The Jobs list's columns: the ones a newcomer looks for first, fitted to the width.

At 80 columns the job id (30 characters), the method and the base model pushed the
ETA, the age and the fine-tuned model id past the right edge, and even at 120 the
fine-tuned model id was cut (issue 21, item 10). So the key columns come first and
share the width: the progress bar is shorter on a narrow screen, and the job id and
the fine-tuned model id are shortened in the middle, keeping their distinct ends
(both are whole in the job's detail, and `y` copies the model id). Method, base model
and tokens follow, whole, where room is left.
"""

from __future__ import annotations

from rich.text import Text

from tui.core.jobs.present import BAR_WIDTH
from tui.widgets.eval_runs import short_model

KEY_COLUMNS = ("job", "status", "progress", "ETA", "age", "fine-tuned model")
MORE_COLUMNS = ("base model", "method", "tokens")
COLUMNS = KEY_COLUMNS + MORE_COLUMNS
WIDE = 120  # from here the progress bar has its full width
NARROW_BAR = 5
MIN_ID, MIN_MODEL = 14, 16  # "ftjob-…3cbc6a6", "ft:gpt-4…:AbC12"
CELL_PADDING = 2  # DataTable pads each cell by one on both sides
# Room kept for the cells that change as a job runs ("running" → "succeeded", the
# ETA "12m34s" → "now"), so the columns do not shift on every refresh.
STEADY = {"status": len("succeeded"), "ETA": 6}
SCROLLBAR = 2


def bar_width(width: int) -> int:
    return BAR_WIDTH if width >= WIDE else NARROW_BAR


def _need(column: str, values: list[str]) -> int:
    return max([len(column), *(len(v) for v in values)])


def key_widths(width: int, rows: list[dict[str, str]]) -> dict[str, int]:
    """Widths of the key columns for a table `width` cells wide: status, progress, ETA
    and age whole; the job id and the fine-tuned model id share what is left, each at
    least readable, the model id (what a user tries, evaluates, ships) first; then the
    base model where its name fits (absent: it follows whole, past the edge)."""
    widths = {c: _need(c, [r[c] for r in rows]) for c in KEY_COLUMNS}
    fixed = sum(widths[c] for c in ("status", "progress", "ETA", "age"))
    room = max(0, width - SCROLLBAR - CELL_PADDING * len(KEY_COLUMNS) - fixed)
    extra = {c: max(0, need - widths[c]) for c, need in STEADY.items()}
    if room - sum(extra.values()) >= MIN_ID + MIN_MODEL:  # steady where it costs no id
        for column, more in extra.items():
            widths[column] += more
        room -= sum(extra.values())
    job_need, model_need = widths["job"], widths["fine-tuned model"]
    if job_need + model_need > room:
        job = min(job_need, max(MIN_ID, room - model_need, room * 2 // 5))
        widths["job"], widths["fine-tuned model"] = job, max(MIN_MODEL, room - job)
    # The base model next, where its name fits beside the model id: at 120 columns the
    # job id gives up its middle for it (the id is whole in the detail).
    base_name = max([0, *(len(r.get("base name", "")) for r in rows)])
    base_full = _need("base model", [r.get("base model", "") for r in rows])
    left = room - widths["fine-tuned model"] - CELL_PADDING
    if base_name and left - MIN_ID >= max(base_name, len("base model")):
        widths["base model"] = min(base_full, left - MIN_ID)
        widths["job"] = min(job_need, left - widths["base model"])
    return widths


def fitted(value: str, width: int) -> str:
    """An id cut to `width` in the middle, its distinct end kept."""
    return value if len(value) <= width else short_model(value, width)


def key_cells(row: dict[str, str], widths: dict[str, int],
              status: Text) -> tuple[Text, ...]:
    """One row's key cells (Text: the ids and the status are the provider's text)."""
    return (Text(fitted(row["job"], widths["job"]), no_wrap=True), status,
            Text(row["progress"]), Text(row["ETA"]), Text(row["age"]),
            Text(fitted(row["fine-tuned model"], widths["fine-tuned model"]), no_wrap=True))
