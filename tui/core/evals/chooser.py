"""Which model and prompt to ship: every run of one eval on pass rate against cost.

Read from the store only, so a fine-tuned model that has since been retired
still has its point. A run is one candidate (model × prompt version × profile):
its pass rate with a Wilson 95% interval, its sampling cost per 1,000 requests
(graders' own calls left out: they are the eval's cost, not the model's), and
its p50 latency. The Pareto front is the runs no other run beats on both pass
rate and cost; "cheapest that meets X%" is the cheapest run whose pass rate
reaches X, with an exact McNemar test against the best run on the same items.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from store import Store
from tui.core.evals.compare import compare_runs
from tui.core.inference_prices import estimate_cost

Z95 = 1.959963984540054
FINISHED = ("completed",)  # a run cut short would be judged on part of the items


@dataclass
class Candidate:
    run_id: int
    run_name: str
    model: str | None
    profile: str | None
    prompt: str | None  # NAME@N of the run's prompt version, when it used one
    status: str
    graded: int  # items that passed or failed (errored items are left out)
    passed: int
    errored: int
    pass_rate: float
    ci_low: float
    ci_high: float
    cost_per_1k: float | None  # None: no price known for this model
    p50_latency_ms: float | None
    on_front: bool = False

    @property
    def label(self) -> str:
        parts = [self.model or "given samples"]
        if self.prompt:
            parts.append(self.prompt)
        if self.profile:
            parts.append(self.profile)
        return " · ".join(parts)


@dataclass
class Pick:
    """The cheapest candidate meeting the target, tested against the best one."""

    target: float
    run_id: int | None
    best_run_id: int | None
    mcnemar_p: float | None = None
    paired: int = 0
    worse_on: int = 0  # items the best passes and the pick fails
    better_on: int = 0
    verdict: str = ""


@dataclass
class Chooser:
    eval_id: int
    eval_name: str
    candidates: list[Candidate] = field(default_factory=list)
    pick: Pick | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "eval_id": self.eval_id, "eval": self.eval_name,
            "candidates": [asdict(c) | {"label": c.label} for c in self.candidates],
            "front": [c.run_id for c in self.candidates if c.on_front],
            "pick": asdict(self.pick) if self.pick else None,
        }


def wilson(passed: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (sane at 0%, 100% and small n)."""
    if n == 0:
        return 0.0, 1.0
    p = passed / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    denominator = 1 + z * z / n
    # The bounds are exactly 0 and 1 at 0% and 100%; float rounding would leave 0.9999….
    low = 0.0 if passed == 0 else max(0.0, (centre - spread) / denominator)
    high = 1.0 if passed == n else min(1.0, (centre + spread) / denominator)
    return low, high


def _grader_cost(results: list[dict[str, Any]] | None, prices: dict[str, Any]) -> float:
    """What the run's model graders cost on this item, priced as the runner priced them."""
    total = 0.0
    for result in results or []:
        sample = result.get("sample") or {}
        usage = sample.get("usage") or {}
        if sample.get("model"):
            total += estimate_cost(sample["model"], usage.get("prompt_tokens"),
                                   usage.get("completion_tokens"), **prices) or 0.0
    return total


def _prompt_ref(store: Store, version_id: int | None) -> str | None:
    if version_id is None:
        return None
    rows = list(store.db.query(
        """SELECT p.name, v.version FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id
           WHERE v.id = ?""", [version_id]))
    return f"{rows[0]['name']}@{rows[0]['version']}" if rows else None


def candidate(store: Store, run_id: int, prices: dict[str, Any] | None = None) -> Candidate:
    run = store.evals.run(run_id)
    passed = graded = errored = 0
    costs: list[float] = []
    priced = True
    latencies: list[float] = []
    for result in store.evals.iter_results(run_id):
        if result.status in ("pass", "fail"):
            graded += 1
            passed += result.status == "pass"
        else:
            errored += 1
        if result.latency_ms is not None:
            latencies.append(result.latency_ms)
        if result.sample is None:
            continue
        if result.cost_usd is None:
            priced = False
        else:
            costs.append(max(0.0, result.cost_usd - _grader_cost(result.results, prices or {})))
    low, high = wilson(passed, graded)
    return Candidate(
        run_id=run.id, run_name=run.name, model=run.model, profile=run.profile,
        prompt=_prompt_ref(store, run.prompt_version_id), status=run.status,
        graded=graded, passed=passed, errored=errored,
        pass_rate=passed / graded if graded else 0.0, ci_low=low, ci_high=high,
        cost_per_1k=1000 * statistics.fmean(costs) if costs and priced else None,
        p50_latency_ms=statistics.median(latencies) if latencies else None,
    )


def mark_front(candidates: list[Candidate]) -> None:
    """On the front: no other priced run is at least as good on both axes and better on one."""
    priced = [c for c in candidates if c.cost_per_1k is not None and c.graded]
    for c in candidates:
        c.on_front = c in priced and not any(
            o is not c and o.pass_rate >= c.pass_rate and o.cost_per_1k <= c.cost_per_1k
            and (o.pass_rate > c.pass_rate or o.cost_per_1k < c.cost_per_1k)
            for o in priced)


def choose(store: Store, candidates: list[Candidate], target: float) -> Pick:
    graded = [c for c in candidates if c.graded]
    if not graded:
        return Pick(target=target, run_id=None, best_run_id=None,
                    verdict="no run of this eval has graded items yet")
    # Ties on pass rate go to a priced run, then to the cheaper one.
    best = max(graded, key=lambda c: (c.pass_rate, c.cost_per_1k is not None,
                                      -(c.cost_per_1k or 0.0)))
    meeting = [c for c in graded if c.pass_rate >= target and c.cost_per_1k is not None]
    if not meeting:
        return Pick(target=target, run_id=None, best_run_id=best.run_id,
                    verdict=f"no priced run reaches {target:.0%}; the best is run "
                            f"{best.run_id} at {best.pass_rate:.1%}")
    pick = min(meeting, key=lambda c: (c.cost_per_1k, -c.pass_rate))
    out = Pick(target=target, run_id=pick.run_id, best_run_id=best.run_id)
    if pick.run_id == best.run_id:
        out.verdict = (f"run {pick.run_id} ({pick.label}) is both the best and the cheapest "
                       f"at or above {target:.0%}")
        return out
    comparison = compare_runs(store, best.run_id, pick.run_id)
    out.mcnemar_p = comparison.mcnemar_p
    out.paired = comparison.paired - comparison.errored
    out.worse_on, out.better_on = len(comparison.pass_to_fail), len(comparison.fail_to_pass)
    if comparison.mcnemar_p < 0.05 and out.worse_on > out.better_on:
        judged = "is significantly worse than the best"
    else:
        judged = "is not significantly worse than the best"
    out.verdict = (f"run {pick.run_id} ({pick.label}) meets {target:.0%} at "
                   f"${pick.cost_per_1k:.4g} per 1,000 requests and {judged} "
                   f"(run {best.run_id}; McNemar p = {comparison.mcnemar_p:.3g} on "
                   f"{out.paired} paired items, {out.worse_on} worse, {out.better_on} better)")
    return out


def build_chooser(store: Store, eval_id: int, *, target: float = 0.9,
                  input_prices: dict[str, float] | None = None,
                  output_prices: dict[str, float] | None = None) -> Chooser:
    """Every completed run of the eval as a candidate, the front marked, the pick made.

    The prices are the settings' overrides, so graders' calls are taken out of a run's
    cost at the prices the runner added them at.
    """
    evaluation = store.evals.get(eval_id)
    runs = [r for r in store.evals.runs(eval_id) if r.status in FINISHED]
    prices = {"input_overrides": input_prices, "output_overrides": output_prices}
    candidates = [candidate(store, r.id, prices) for r in runs]
    candidates = [c for c in candidates if c.graded or c.errored]
    mark_front(candidates)
    candidates.sort(key=lambda c: (c.cost_per_1k is None, c.cost_per_1k or 0.0, -c.pass_rate))
    return Chooser(eval_id=eval_id, eval_name=evaluation.name, candidates=candidates,
                   pick=choose(store, candidates, target))
