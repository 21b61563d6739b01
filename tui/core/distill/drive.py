"""Driving a distillation run to its probe or its end: what `tunedeck distill` and the
TUI's distill flow both call, so there is one way a run is sampled.

A run's `params` hold the teacher's sampling parameters beside three of the run's own
settings: `batch` (through the Batch API), `concurrency` (live requests in flight) and
`confirmed` (the user said go after the pre-flight). A confirmed run that is still
sampling is resumed when the TUI starts, as unfinished guided loops are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.core.distill.distiller import DistillProgress

RUN_SETTINGS = ("batch", "concurrency", "confirmed")


def teacher_params(run: Any) -> dict[str, Any]:
    """The sampling parameters the teacher is asked with (the run's settings left out)."""
    return {k: v for k, v in (run.params or {}).items() if k not in RUN_SETTINGS}


def confirm(store: Any, run_id: int) -> None:
    """The user went on after the pre-flight: from now on the run resumes by itself."""
    run = store.distills.get(run_id)
    store.distills.update(run_id, params={**(run.params or {}), "confirmed": True})


def unfinished(store: Any) -> list[Any]:
    """Confirmed runs still sampling (a quit or a kill stopped them), oldest first."""
    return [r for r in reversed(store.distills.list())
            if r.status == "sampling" and (r.params or {}).get("confirmed")]


async def drive(store: Any, settings: Any, run_id: int, *, probe: int | None = None,
                concurrency: int | None = None, poll_s: float | None = None,
                on_progress: Callable[[DistillProgress], None] | None = None,
                calls: list[int] | None = None) -> Any:
    """With `probe`: ask the teacher about the first `probe` prompts (live) and return the
    Preflight. Without: sample what is pending (live or through the Batch API, as the run
    was started) and write the version; returns the finished run. `calls` collects the
    teacher requests made."""
    from tui.core.distill.distill_batch import BatchSampler
    from tui.core.distill.distill_report import preflight
    from tui.core.distill.distiller import Distiller
    from tui.core.distill.teacher import Teacher
    from tui.core.evals.batch import DISCOUNT
    from tui.core.evals.service import client_for, options_for

    run = store.distills.get(run_id)
    profile = settings.profile(run.teacher_profile)
    stored = (run.params or {}).get("concurrency")
    overrides = {"concurrency": concurrency or stored} if (concurrency or stored) else {}
    options = options_for(profile, settings, **overrides)
    batch = bool((run.params or {}).get("batch"))
    async with client_for(profile) as client:
        teacher = Teacher(client, run.teacher, options, teacher_params(run))
        distiller = Distiller(store, run.id, teacher, on_progress=on_progress)
        try:
            if probe is not None:
                return await preflight(distiller, probe, discount=DISCOUNT if batch else 1.0)
            if not (run.params or {}).get("confirmed"):
                confirm(store, run.id)
            sampler = BatchSampler(distiller, poll_s=poll_s) if batch else None
            return await distiller.run_all(sampler)
        finally:
            if calls is not None:
                calls.append(teacher.calls)
