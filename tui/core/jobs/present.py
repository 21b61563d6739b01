"""Jobs in words: progress, ETA, age, method, and errors explained for people.

Times take an explicit `now` (epoch seconds) so screens and snapshots can pin it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.records import Job

BAR_WIDTH = 10
STATUS_STYLE = {
    "succeeded": "green",
    "failed": "red",
    "cancelled": "yellow",
    "running": "cyan",
    "paused": "magenta",
    "queued": "blue",
    "validating_files": "blue",
}


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            rest = seconds % size
            second = {"d": ("h", 3600), "h": ("m", 60), "m": ("s", 1)}[unit]
            tail = f"{rest // second[1]}{second[0]}" if rest // second[1] else ""
            return f"{seconds // size}{unit}{tail}"
    return f"{seconds}s"


def age(epoch_seconds: int | None, now: float) -> str:
    return "-" if not epoch_seconds else duration(now - epoch_seconds)


def eta(job: Job, now: float) -> str:
    if job.status not in ("running", "queued", "validating_files") or not job.estimated_finish:
        return "-"
    left = job.estimated_finish - now
    return "now" if left <= 0 else duration(left)


def progress_bar(step: int | None, total: int | None, width: int = BAR_WIDTH) -> str:
    if not total or step is None:
        return "-"
    ratio = max(0.0, min(1.0, step / total))
    full = int(ratio * width)
    return f"{step}/{total} " + "█" * full + "░" * (width - full)


def status_style(status: str) -> str:
    """The colour a status is shown in; "" (unstyled) for one this code does not know.

    A style, not markup: the status is the provider's text, shown as it came.
    """
    return STATUS_STYLE.get(status, "")


@dataclass(frozen=True)
class ExplainedError:
    title: str
    detail: str
    hint: str
    line: int | None = None


_LINE = re.compile(r"\b(?:line|example)\s+(\d+)", re.IGNORECASE)

_HINTS = {
    "invalid_training_file": "fix the line it names in the dataset, make a new version, relaunch",
    "invalid_validation_file": "fix the validation dataset, make a new version, relaunch",
    "invalid_file_format": "every line must be one JSON object in the method's format",
    "invalid_n_examples": "add examples: fine-tuning needs at least 10",
    "server_error": "the provider failed, not your data: launch again",
    "invalid_hyperparameter": "pick a value within the API's range (or auto)",
}


def explain_job_error(error: dict | None) -> ExplainedError | None:
    """A job's `error{code,message,param}` in plain words, with the offending line if named."""
    if not error or not (error.get("message") or error.get("code")):
        return None
    code = str(error.get("code") or "error")
    message = str(error.get("message") or code)
    param = error.get("param")
    match = _LINE.search(message)
    line = int(match.group(1)) if match else None
    where = {"training_file": "the training file", "validation_file": "the validation file"}.get(
        str(param), str(param) if param else ""
    )
    title = f"The job failed ({code})" + (f" because of {where}" if where else "")
    hint = _HINTS.get(code, "read the message; fix and launch again")
    if line is not None and where:
        hint = f"look at line {line} of {where}: " + hint
    return ExplainedError(title, message, hint, line)


def offending_line(store, job: Job, line: int | None) -> str | None:  # noqa: ANN001
    """The dataset line the provider named, from the stored (uploaded valid-only) version."""
    if line is None:
        return None
    error = job.error or {}
    version_id = (
        job.validation_version_id if error.get("param") == "validation_file"
        else job.training_version_id
    )
    if version_id is None:
        return None
    from tui.core.dataset_versions import version_lines

    for number, text in enumerate(version_lines(store, version_id, only_valid=True), start=1):
        if number == line:
            return text
    return None


Series = dict[str, list[tuple[int, float]]]

LOSS_KEYS = (("train", "train_loss"), ("valid", "valid_loss"), ("full valid", "full_valid_loss"))
ACCURACY_KEYS = (
    ("train", "train_mean_token_accuracy"),
    ("valid", "valid_mean_token_accuracy"),
    ("full valid", "full_valid_mean_token_accuracy"),
)


def metric_series(metrics: list) -> dict[str, Series]:  # list[JobMetric]
    """Chart series by step: loss and token accuracy, or rewards for reinforcement jobs."""
    charts: dict[str, Series] = {"loss": {}, "accuracy": {}}
    for title, keys in (("loss", LOSS_KEYS), ("accuracy", ACCURACY_KEYS)):
        for name, key in keys:
            points = [(m.step, getattr(m, key)) for m in metrics if getattr(m, key) is not None]
            if points:
                charts[title][name] = points
    rewards: Series = {}
    for m in metrics:
        for key, value in (m.data or {}).items():
            if "reward" in key and isinstance(value, int | float):
                rewards.setdefault(key.replace("_", " "), []).append((m.step, float(value)))
    if rewards:
        charts["reward"] = rewards
    return {title: series for title, series in charts.items() if series}
