"""What a distillation made, for the dataset's and the student model's cards.

Read from the store alone (a dataset, an eval or a prompt since renamed shows
as it was stored); no provider, no teacher needed.
"""

from __future__ import annotations

from typing import Any


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
        "batch": bool((run.params or {}).get("batch")),
        "filter": None if run.filter_eval_id is None else {
            "eval": eval_name(run.filter_eval_id),
            "keep": "pass" if run.min_score is None else f"score >= {run.min_score:g}"},
        "sampled": sampled, "kept": run.kept,
        "kept_fraction": (run.kept or 0) / sampled if sampled else None,
        "cost_usd": run.cost_usd, "into": version_ref(run.output_version_id),
    }
