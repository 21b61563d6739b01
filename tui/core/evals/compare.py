"""Two runs of one eval, item by item: flips, score deltas, McNemar and a paired bootstrap."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from tui.core.evals.summary import pass_rate


@dataclass
class Comparison:
    run_a: int
    run_b: int
    paired: int = 0
    both_pass: int = 0
    both_fail: int = 0
    pass_to_fail: list[int] = field(default_factory=list)  # item indexes
    fail_to_pass: list[int] = field(default_factory=list)
    errored: int = 0  # items errored in either run (left out of the tests)
    deltas: list[tuple[int, float, float]] = field(default_factory=list)  # (index, a, b)
    mcnemar_p: float = 1.0
    mean_delta: float = 0.0
    ci: tuple[float, float] = (0.0, 0.0)
    bootstrap_p: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_a": self.run_a, "run_b": self.run_b, "paired": self.paired,
            "both_pass": self.both_pass, "both_fail": self.both_fail,
            "pass_to_fail": self.pass_to_fail, "fail_to_pass": self.fail_to_pass,
            "errored": self.errored, "mcnemar_p": self.mcnemar_p,
            "mean_score_delta": self.mean_delta, "score_delta_ci95": list(self.ci),
            "bootstrap_p": self.bootstrap_p,
        }


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value: discordant pairs b, c under Binomial(b + c, 1/2)."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_bootstrap(diffs: list[float], *, samples: int = 2000,
                     seed: int = 0) -> tuple[float, tuple[float, float], float]:
    """(mean difference, 95% percentile interval, two-sided p that the mean is 0)."""
    n = len(diffs)
    if n == 0:
        return 0.0, (0.0, 0.0), 1.0
    mean = sum(diffs) / n
    rng = random.Random(seed)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(samples))
    low, high = means[int(0.025 * samples)], means[min(samples - 1, int(0.975 * samples))]
    if all(d == 0 for d in diffs):
        return 0.0, (0.0, 0.0), 1.0
    below = sum(1 for m in means if m <= 0) / samples
    above = sum(1 for m in means if m >= 0) / samples
    return mean, (low, high), min(1.0, 2 * min(below, above))


def compare_results(a: dict[int, tuple[str, float | None]], b: dict[int, tuple[str, float | None]],
                    *, run_a: int = 0, run_b: int = 0, samples: int = 2000) -> Comparison:
    """Compare {item_index: (status, score)} maps of two runs."""
    out = Comparison(run_a=run_a, run_b=run_b)
    diffs = []
    for index in sorted(a.keys() & b.keys()):
        (sa, score_a), (sb, score_b) = a[index], b[index]
        out.paired += 1
        if sa not in ("pass", "fail") or sb not in ("pass", "fail"):
            out.errored += 1
            continue
        if sa == sb == "pass":
            out.both_pass += 1
        elif sa == sb == "fail":
            out.both_fail += 1
        elif sa == "pass":
            out.pass_to_fail.append(index)
        else:
            out.fail_to_pass.append(index)
        if score_a is not None and score_b is not None:
            out.deltas.append((index, score_a, score_b))
            diffs.append(score_b - score_a)
    out.mcnemar_p = mcnemar_exact(len(out.pass_to_fail), len(out.fail_to_pass))
    out.mean_delta, out.ci, out.bootstrap_p = paired_bootstrap(diffs, samples=samples)
    return out


def _statuses(store: Any, run_id: int) -> dict[int, tuple[str, float | None]]:
    rows = store.db.execute(
        "SELECT item_index, status, score FROM eval_results WHERE run_id = ?", [run_id])
    return {index: (status, score) for index, status, score in rows}


def compare_runs(store: Any, run_a: int, run_b: int, *, samples: int = 2000) -> Comparison:
    a, b = store.evals.run(run_a), store.evals.run(run_b)
    if a.eval_id != b.eval_id:
        raise ValueError("compare runs of the same eval")
    return compare_results(_statuses(store, run_a), _statuses(store, run_b),
                           run_a=run_a, run_b=run_b, samples=samples)


def trend(store: Any, eval_id: int) -> list[dict[str, Any]]:
    """Pass rate of every run of an eval, oldest first."""
    out = []
    for run in store.evals.runs(eval_id):
        counts = run.result_counts or {}
        if not counts:
            statuses = store.evals.status_counts(run.id)
            counts = {"total": sum(statuses.values()), "passed": statuses.get("pass", 0)}
        out.append({"run_id": run.id, "name": run.name, "model": run.model,
                    "status": run.status, "pass_rate": pass_rate(counts),
                    "created_at": run.created_at})
    return out
