"""Retirement awareness: when models stop answering, and which of the user's soon will.

`GET /v1/models` gives each model's `shutdown_date` (YYYY-MM-DD, or null while none is
announced); tunedeck keeps it with the cached model list (store.models). A fine-tuned
model follows its base model's schedule ("Fine-tuned versions follow the same
schedule"), so a tuned model without a date of its own takes its base's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.core.finetune.port import FineTuningProvider

WINDOW_DAYS = 60


@dataclass
class Retiring:
    model: str
    profile: str
    shutdown_date: str
    days_left: int  # negative: already retired
    via: str | None = None  # the base model whose date it follows
    used_by: list[str] = field(default_factory=list)  # "job ftjob-…", "eval run 12"

    def line(self) -> str:
        when = (f"retired on {self.shutdown_date}" if self.days_left < 0
                else f"retires on {self.shutdown_date} ({self.days_left} days)")
        via = f", with its base model {self.via}" if self.via else ""
        used = f"; used by {', '.join(self.used_by[:3])}" + (
            f" and {len(self.used_by) - 3} more" if len(self.used_by) > 3 else "")
        return (f"{self.model} ({self.profile}) {when}{via}{used if self.used_by else ''}: "
                f"tunedeck jobs retrain moves it to another provider")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def refresh_models(provider: FineTuningProvider, store: Any, profile: str
                         ) -> list[Retiring]:
    """Re-read the provider's model list (with shutdown dates) into the store; what now
    retires within the window. A provider without a model list leaves the cache alone."""
    import openai

    from tui.core.finetune.port import Feature
    from tui.core.pagination import PaginationStopped

    if not provider.capabilities.can(Feature.MODEL_LIST):
        return []
    try:
        models = await provider.list_models()
    except (openai.APIError, PaginationStopped):
        # The jobs themselves synced; dates stay as last seen (a list cut short would
        # replace the cache with part of it).
        return []
    if models:
        store.models.replace(profile, models)
    return retiring(store, profile=profile)


def _days(shutdown: str, today: date) -> int | None:
    try:
        return (date.fromisoformat(shutdown[:10]) - today).days
    except ValueError:
        return None


def shutdown_of(store: Any, profile: str, model: str,
                dates: dict[tuple[str, str], str] | None = None) -> tuple[str | None, str | None]:
    """(shutdown date, base model it comes from or None) of `model` on `profile`."""
    dates = store.models.shutdown_dates(profile) if dates is None else dates
    own = dates.get((profile, model))
    if own:
        return own, None
    job = store.jobs.by_model(model)
    if job is not None and job.model != model:
        base = dates.get((job.profile, job.model))
        if base:
            return base, job.model
    return None, None


def retiring(store: Any, *, within_days: int = WINDOW_DAYS, today: date | None = None,
             profile: str | None = None) -> list[Retiring]:
    """Models the user's jobs or eval runs used that retire within `within_days` (or
    already have), soonest first."""
    today = today or date.today()
    dates = store.models.shutdown_dates(profile)
    used: dict[tuple[str, str], list[str]] = {}
    for job in store.jobs.list(profile):
        for model in (job.fine_tuned_model, job.model):
            if model:
                used.setdefault((job.profile, model), []).append(f"job {job.remote_id}")
    sql = "SELECT id, profile, model FROM eval_runs WHERE model IS NOT NULL AND profile IS NOT NULL"
    params: list[Any] = []
    if profile is not None:
        sql += " AND profile = ?"
        params.append(profile)
    for run_id, run_profile, model in store.db.execute(sql, params).fetchall():
        served = store.deployments.model_of(model) or model
        used.setdefault((run_profile, served), []).append(f"eval run {run_id}")
    out: list[Retiring] = []
    for (where, model), users in used.items():
        shutdown, via = shutdown_of(store, where, model, dates)
        if not shutdown:
            continue
        days = _days(shutdown, today)
        if days is not None and days <= within_days:
            out.append(Retiring(model, where, shutdown, days, via, users))
    return sorted(out, key=lambda r: (r.days_left, r.model))


def shutdown_note(shutdown: str | None, today: date | None = None) -> tuple[str, str] | None:
    """(" retires YYYY-MM-DD", style) for a table cell; None when no date is announced.
    Within the window the note is yellow, once past it red."""
    if not shutdown:
        return None
    days = _days(shutdown, today or date.today())
    if days is None:
        return None
    if days < 0:
        return f" retired {shutdown[:10]}", "red"
    return f" retires {shutdown[:10]}", "yellow" if days <= WINDOW_DAYS else "dim"


def notice_lines(store: Any, profile: str, today: date | None = None) -> list[str]:
    """The Jobs pane's notice: models this profile's jobs and eval runs use that retire
    within the window, and what to do about it in the TUI."""
    out = []
    items = retiring(store, profile=profile, today=today)
    for item in items[:3]:
        when = (f"retired on {item.shutdown_date}" if item.days_left < 0
                else f"retires on {item.shutdown_date} ({item.days_left} days)")
        via = f" with its base model {item.via}" if item.via else ""
        used = ", ".join(item.used_by[:2]) + (
            f" and {len(item.used_by) - 2} more" if len(item.used_by) > 2 else "")
        out.append(f"⚠ {item.model} {when}{via}; used by {used}")
    if len(items) > 3:
        out.append(f"  … and {len(items) - 3} more models (the base model column shows dates)")
    if out:
        out.append("  R on one of its jobs retrains it on another profile and compares the "
                   "two on the same eval.")
    return out
