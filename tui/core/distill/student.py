"""The student loop: fine-tune a student on a distilled version and put it beside its teacher.

The guided loop (tui.core.loop) runs the eval on the student's base model,
fine-tunes it on the distilled version and runs the eval on the tuned model;
the teacher is then run on the same eval (on its own profile), so the store
holds the three runs the model chooser compares: teacher, student base and
student tuned.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tui.core.lineage import pass_rate_of


@dataclass
class ThreeWay:
    loop_id: int
    teacher: str
    student_base: str
    student_tuned: str | None
    teacher_run_id: int | None
    base_run_id: int | None
    tuned_run_id: int | None
    teacher_pass_rate: float | None
    base_pass_rate: float | None
    tuned_pass_rate: float | None
    stage: str
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rate(store: Any, run_id: int | None) -> float | None:
    return None if run_id is None else pass_rate_of(store.evals.run(run_id).result_counts)[0]


async def teacher_run(store: Any, settings: Any, run: Any, eval_id: int) -> int:
    """The eval on the teacher, on its profile; a completed one already stored is reused."""
    from tui.core.evals import definition as defs
    from tui.core.evals import service

    done = [r for r in store.evals.runs(eval_id)
            if r.model == run.teacher and r.profile == run.teacher_profile
            and r.status == "completed"]
    if done:
        return done[0].id
    eval_row = store.evals.get(eval_id)
    profile = settings.profile(run.teacher_profile)
    created = service.new_run(store, eval_row, defs.from_store(eval_row), model=run.teacher,
                              profile=profile.name, name="teacher")
    async with service.client_for(profile) as client:
        finished = await service.execute(store, created.id, client=client,
                                         options=service.options_for(profile, settings))
    return finished.id


async def student_loop(store: Any, settings: Any, distill_id: int, *, eval_id: int,
                       student: str, profile: str, hyperparameters: dict[str, Any] | None = None,
                       poll_s: float | None = None, provider: Any = None) -> ThreeWay:
    from tui.core import loop as loops
    from tui.core.distill.distiller import DistillError
    from tui.core.loop_drive import drive_loop

    run = store.distills.get(distill_id)
    if run.status != "done" or run.output_version_id is None:
        raise DistillError(f"distillation {distill_id} has written no version yet "
                           f"({run.status}); finish it first")
    loop = loops.create(store, profile=profile, eval_id=eval_id,
                        training_version_id=run.output_version_id, base_model=student,
                        hyperparameters=hyperparameters)
    loop = await drive_loop(store, settings, loop.id, poll_s=poll_s, provider=provider)
    return await three_way(store, settings, run, loop)


async def three_way(store: Any, settings: Any, run: Any, loop: Any) -> ThreeWay:
    """A finished loop on a distilled version beside its teacher: the teacher's run of the
    loop's eval is made (or reused), and the three pass rates are put side by side."""
    student = loop.base_model
    teacher_id = await teacher_run(store, settings, run, loop.eval_id)
    tuned = store.jobs.get(loop.job_id).fine_tuned_model if loop.job_id else None
    return ThreeWay(
        loop_id=loop.id, teacher=run.teacher, student_base=student, student_tuned=tuned,
        teacher_run_id=teacher_id, base_run_id=loop.baseline_run_id,
        tuned_run_id=loop.tuned_run_id, teacher_pass_rate=_rate(store, teacher_id),
        base_pass_rate=_rate(store, loop.baseline_run_id),
        tuned_pass_rate=_rate(store, loop.tuned_run_id), stage=loop.stage, error=loop.error)


def distilled_loop(store: Any, loop: Any) -> Any:
    """The distillation that wrote the loop's training version, if it was distilled."""
    return store.distills.producing(loop.training_version_id)
