"""The spend ledger: what fine-tuning jobs, eval runs, playground runs and prompt
optimizations' reflection calls cost, and budgets.

Read from the rows that already carry costs (no second bookkeeping to drift):
a job's estimate is the pre-flight's, its actual cost is the tokens the
provider billed at the configured training price; eval and playground runs
record their cost item by item as they go. Only what cost something is listed:
an entry of $0, from any source, is left out. A profile's `budget_usd` is a
calendar-month (UTC) budget: `check_budget` tells whether spending more
would pass it, so callers can ask first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.pricing import training_price_per_1m
from tui.core.wording import money

GROUPINGS = ("day", "provider", "profile", "model", "source", "ref")


@dataclass(frozen=True)
class SpendEntry:
    day: str  # YYYY-MM-DD (UTC)
    profile: str
    provider: str  # the profile's kind: openai, azure, compatible, sandbox, local
    source: str  # "job" | "eval run" | "playground"
    ref: str  # job id, "eval name #run", or "playground"
    model: str
    estimated_usd: float | None
    actual_usd: float | None

    @property
    def usd(self) -> float:
        """The best figure: actual when known, otherwise the estimate."""
        if self.actual_usd is not None:
            return self.actual_usd
        return self.estimated_usd or 0.0


def _day_from_epoch(seconds: int | None, fallback: str) -> str:
    if seconds:
        return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d")
    return fallback[:10]


def ledger(store: Any, settings: Any = None) -> list[SpendEntry]:
    """Every spend the store knows of, oldest day first."""
    profiles = getattr(settings, "profiles", {}) or {}
    prices = getattr(getattr(settings, "prices", None), "training", None)

    def provider(profile: str | None) -> str:
        found = profiles.get(profile or "")
        return found.kind if found is not None else "unknown"

    entries: list[SpendEntry] = []
    for job in store.jobs.list():
        actual = None
        price = training_price_per_1m(job.model, prices)
        if job.trained_tokens and price is not None and job.status == "succeeded":
            actual = job.trained_tokens * price / 1_000_000
        # The rule for every source: a line is something that cost. A job at $0 (the
        # sandbox's, a local engine's) is left out like a $0 eval or playground run.
        if (actual if actual is not None else job.estimated_cost_usd or 0.0) <= 0:
            continue
        entries.append(SpendEntry(_day_from_epoch(job.remote_created_at, job.created_at),
                                  job.profile, provider(job.profile), "job", job.remote_id,
                                  job.model, job.estimated_cost_usd, actual))
    rows = store.db.execute(
        """SELECT r.id, r.profile, r.model, r.cost_usd, r.created_at, e.name
           FROM eval_runs r JOIN evals e ON e.id = r.eval_id
           WHERE r.cost_usd IS NOT NULL AND r.cost_usd > 0""").fetchall()
    for run_id, profile, model, cost, created, eval_name in rows:
        entries.append(SpendEntry(created[:10], profile or "", provider(profile), "eval run",
                                  f"{eval_name} #{run_id}", model or "", None, float(cost)))
    rows = store.db.execute(
        """SELECT substr(created_at, 1, 10), profile, model, SUM(cost_usd)
           FROM playground_runs WHERE cost_usd IS NOT NULL AND cost_usd > 0
           GROUP BY 1, 2, 3""").fetchall()
    for day, profile, model, cost in rows:
        entries.append(SpendEntry(day, profile, provider(profile), "playground", "playground",
                                  model, None, float(cost)))
    # A prompt optimization's reflection calls (its search's samples are eval runs above).
    rows = store.db.execute(
        """SELECT id, reflection_profile, reflection_model, reflection_cost_usd, created_at
           FROM optimizations WHERE reflection_cost_usd > 0""").fetchall()
    for opt_id, profile, model, cost, created in rows:
        entries.append(SpendEntry(created[:10], profile, provider(profile), "reflection",
                                  f"optimization #{opt_id}", model, None, float(cost)))
    entries.sort(key=lambda e: (e.day, e.source, e.ref))
    return entries


@dataclass(frozen=True)
class SpendTotal:
    key: str
    estimated_usd: float
    actual_usd: float
    usd: float
    entries: int


def totals(entries: Iterable[SpendEntry], by: str) -> list[SpendTotal]:
    """Sums grouped by one of GROUPINGS, biggest first."""
    if by not in GROUPINGS:
        raise ValueError(f"group by one of {', '.join(GROUPINGS)}")
    sums: dict[str, list[float]] = {}
    for entry in entries:
        key = getattr(entry, by)
        acc = sums.setdefault(key, [0.0, 0.0, 0.0, 0])
        acc[0] += entry.estimated_usd or 0.0
        acc[1] += entry.actual_usd or 0.0
        acc[2] += entry.usd
        acc[3] += 1
    out = [SpendTotal(k, v[0], v[1], v[2], int(v[3])) for k, v in sums.items()]
    if by == "day":
        return sorted(out, key=lambda t: t.key)
    return sorted(out, key=lambda t: (-t.usd, t.key))


def month_of(day: str) -> str:
    return day[:7]


@dataclass(frozen=True)
class BudgetCheck:
    profile: str
    budget_usd: float | None
    spent_usd: float  # this month, for this profile
    adding_usd: float

    @property
    def after_usd(self) -> float:
        return self.spent_usd + self.adding_usd

    @property
    def exceeds(self) -> bool:
        return self.budget_usd is not None and self.after_usd > self.budget_usd

    @property
    def over(self) -> bool:
        """Already past the budget, before anything is added ("$7.91 of $0.00")."""
        return self.budget_usd is not None and self.spent_usd > self.budget_usd

    def spent_text(self) -> str:
        """"$7.91 of $10.00 this month", with "over budget by …" when it is."""
        assert self.budget_usd is not None
        over = (f", over budget by {money(self.spent_usd - self.budget_usd)}" if self.over
                else "")
        return f"{money(self.spent_usd)} of {money(self.budget_usd)} this month{over}"

    def message(self) -> str:
        if self.budget_usd is None:
            return f"No budget set for profile {self.profile}."
        over = (f" (over it by {money(self.spent_usd - self.budget_usd)})" if self.over
                else "")
        return (f"Profile {self.profile} has spent {money(self.spent_usd)} of its "
                f"{money(self.budget_usd)} budget this month{over}; this would add about "
                f"{money(self.adding_usd)} (total {money(self.after_usd)}).")


def check_budget(store: Any, settings: Any, profile: str, adding_usd: float | None, *,
                 today: dt.date | None = None,
                 entries: list[SpendEntry] | None = None) -> BudgetCheck:
    """Would spending `adding_usd` more on `profile` pass its monthly budget?

    `entries`: a ledger already read, when checking several profiles at once.
    """
    found = (getattr(settings, "profiles", {}) or {}).get(profile)
    budget = getattr(found, "budget_usd", None)
    month = (today or dt.datetime.now(dt.UTC).date()).strftime("%Y-%m")
    if entries is None:
        entries = ledger(store, settings)
    spent = sum(e.usd for e in entries if e.profile == profile and month_of(e.day) == month)
    return BudgetCheck(profile, budget, spent, float(adding_usd or 0.0))


def estimate_eval_runs(store: Any, eval_id: int, models: list[str | None], *,
                       batch: bool = False) -> float:
    """One more run per model; through the Batch API at its discount (the one place that
    rule is applied to an estimate: the Evals pane and `tunedeck eval run` both ask here)."""
    from tui.core.evals.batch import DISCOUNT

    total = sum(estimate_eval_run(store, eval_id, model) for model in models)
    return total * (DISCOUNT if batch else 1.0)


def estimate_loop_evals(store: Any, eval_id: int, base_model: str) -> float:
    """What a guided loop's evals add to its job: the base model's run and the tuned
    model's, both estimated from the base model's past runs (the tuned one has none)."""
    return 2 * estimate_eval_run(store, eval_id, base_model)


def estimate_eval_run(store: Any, eval_id: int, model: str | None) -> float:
    """A rough cost of one more run of an eval on `model`: the mean cost of its past runs on
    that model (or any model) scaled to the item count; 0 when nothing is known."""
    runs = [r for r in store.evals.runs(eval_id) if r.status == "completed" and r.cost_usd]
    same = [r for r in runs if r.model == model] or runs
    if not same:
        return 0.0
    return sum(r.cost_usd or 0.0 for r in same) / len(same)
