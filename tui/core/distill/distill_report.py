"""What a distillation will cost before it spends (pre-flight), and what it made (lineage).

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


async def preflight(distiller: Distiller, probe_prompts: int = PROBE_PROMPTS) -> Preflight:
    await distiller.sample(limit_prompts=probe_prompts)
    run = distiller.run
    rows = distiller.store.distills.samples(run.id)
    costs = [r["cost_usd"] for r in rows]
    priced = bool(rows) and all(c is not None for c in costs)
    probe_cost = sum(costs) if priced else None
    total = (run.n_prompts or 0) * run.samples
    kept = sum(r["status"] == "kept" for r in rows)
    return Preflight(
        run_id=run.id, teacher=run.teacher, n_prompts=run.n_prompts or 0, samples=run.samples,
        probed=len(rows), probe_cost_usd=probe_cost,
        estimated_cost_usd=probe_cost / len(rows) * total if priced else None,
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


def lineage(store: Any, run: Any) -> dict[str, Any]:
    """Where a distilled version came from: teacher, profile, prompts, filter, yield, cost."""
    def version_ref(version_id: int | None) -> str | None:
        if version_id is None:
            return None
        version = store.datasets.version(version_id)
        row = store.db.execute("SELECT name FROM datasets WHERE id = ?",
                               [version.dataset_id]).fetchone()
        return f"{row[0] if row else 'dataset'}@{version.version}"

    def eval_name(eval_id: int | None) -> str | None:
        return None if eval_id is None else store.evals.get(eval_id).name

    prompt = None
    if run.prompt_version_id is not None:
        row = store.db.execute(
            "SELECT p.name, v.version FROM prompt_versions v JOIN prompts p ON p.id = v.prompt_id"
            " WHERE v.id = ?", [run.prompt_version_id]).fetchone()
        prompt = f"{row[0]}@{row[1]}" if row else None
    sampled = run.sampled or 0
    return {
        "distillation": run.id, "status": run.status, "teacher": run.teacher,
        "teacher_profile": run.teacher_profile,
        "source": version_ref(run.source_version_id) if run.source_kind == "dataset"
        else f"eval {eval_name(run.source_eval_id)}",
        "prompt_version": prompt, "samples_per_prompt": run.samples,
        "filter": None if run.filter_eval_id is None else {
            "eval": eval_name(run.filter_eval_id),
            "keep": "pass" if run.min_score is None else f"score >= {run.min_score:g}"},
        "sampled": sampled, "kept": run.kept,
        "kept_fraction": (run.kept or 0) / sampled if sampled else None,
        "cost_usd": run.cost_usd, "into": version_ref(run.output_version_id),
    }
