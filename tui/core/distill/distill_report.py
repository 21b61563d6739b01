"""What a distillation will cost before it spends: the pre-flight.

The pre-flight asks the teacher about the first few prompts only: their answers
are stored like any others (the full run does not ask for them again), and
they give the cost per answer and the share the grader filter keeps, which
scale to the whole run as an estimate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tui.core.distill.distiller import Distiller

PROBE_PROMPTS = 5


@dataclass
class Preflight:
    run_id: int
    teacher: str
    n_prompts: int
    samples: int
    probed: int  # answers in the probe
    probe_cost_usd: float | None
    estimated_cost_usd: float | None  # the whole run, probe included; None: unpriced model
    expected_kept_fraction: float | None
    filtered: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


async def preflight(distiller: Distiller, probe_prompts: int = PROBE_PROMPTS, *,
                    discount: float = 1.0) -> Preflight:
    """Ask the teacher about the first prompts (live) and scale: the rest is priced at
    `discount` (0.5 where it goes through the Batch API)."""
    await distiller.sample(limit_prompts=probe_prompts)
    run = distiller.run
    rows = distiller.store.distills.samples(run.id)
    costs = [r["cost_usd"] for r in rows]
    priced = bool(rows) and all(c is not None for c in costs)
    probe_cost: float = sum(costs) if priced else 0.0
    total = (run.n_prompts or 0) * run.samples
    kept = sum(r["status"] == "kept" for r in rows)
    return Preflight(
        run_id=run.id, teacher=run.teacher, n_prompts=run.n_prompts or 0, samples=run.samples,
        probed=len(rows), probe_cost_usd=probe_cost if priced else None,
        estimated_cost_usd=(probe_cost + probe_cost / len(rows) * (total - len(rows)) * discount
                            if priced else None),
        expected_kept_fraction=kept / len(rows) if rows else None,
        filtered=run.filter_eval_id is not None)


def preflight_text(pre: Preflight) -> str:
    cost = ("unpriced (no price known for this model)" if pre.estimated_cost_usd is None
            else f"about ${pre.estimated_cost_usd:.4f}")
    kept = ("" if pre.expected_kept_fraction is None or not pre.filtered
            else f"; the grader filter kept {pre.expected_kept_fraction:.0%} of the probe")
    return (f"distillation {pre.run_id}: {pre.n_prompts} prompts x {pre.samples} samples from "
            f"{pre.teacher}, teacher cost {cost} (probe of {pre.probed} answers"
            f"{'' if pre.probe_cost_usd is None else f': ${pre.probe_cost_usd:.4f}'}){kept}")
