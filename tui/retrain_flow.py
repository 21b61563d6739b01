"""Retrain elsewhere from the TUI: form -> plan and pre-flight -> the same flow as
`tunedeck jobs retrain` (tui.core.retrain; with an eval, the guided loop the app's
LoopRunner drives through tui.core.loop_drive; without, a launch on the target).

Called from the Jobs pane, the job detail and the model card with the running app
(typed loosely: this module must not import the app, which would close an import cycle).
"""

from __future__ import annotations

from typing import Any


def start_retrain(app: Any, job_id: int, *, eval_id: int | None = None) -> None:
    from tui.core.finetune.form_choices import base_model_choices
    from tui.screens.job_retrain import RetrainForm, describe_profiles

    store, settings = app.store, app.settings
    job = store.jobs.get(job_id)
    profiles = describe_profiles(settings, job.profile)
    if not profiles:
        app.notify("No profile that fine-tunes is configured: add one to config.toml "
                   "(docs/providers.md has an example per provider)", severity="warning")
        return
    models = {name: base_model_choices(settings.profiles[name].kind,
                                       [m.model_id for m in store.models.list(name)],
                                       settings.profiles[name])
              for name, _ in profiles}
    evals = [(e.name, e.id) for e in store.evals.list()]
    line = (f"{job.remote_id}: {job.method or 'supervised'} on {job.model} "
            f"({job.profile}) → {job.fine_tuned_model or job.status}")

    def chosen(request: Any) -> None:
        if request is not None:
            _preflight(app, job_id, request)

    app.push_screen(RetrainForm(line, profiles, models, evals, eval_id=eval_id), chosen)


def _preflight(app: Any, job_id: int, request: Any) -> None:
    from tui.screens.retrain_preflight import RetrainPreflight

    def confirmed(answer: Any) -> None:
        if answer is not None:
            plan, pre = answer
            begin(app, plan, pre)

    app.push_screen(RetrainPreflight(job_id, request, app.db_path, app.settings), confirmed)


def begin(app: Any, plan: Any, pre: Any) -> None:
    """With an eval: the loop starts and the loops view shows its progress and, at the
    end, the comparison. Without: the job is launched on the target profile."""
    from tui.core.retrain import loop_for

    if plan.eval_id is not None:
        loop = loop_for(app.store, plan)
        app.loops.start(loop.id)
        app.notify(f"Loop #{loop.id} started: {loop.name}", title="Retrain elsewhere")
        app.action_loops(loop.id)
        return
    app.run_worker(_launch(app, plan, pre), group="retrain-launch", exit_on_error=False,
                   name="retrain: launch")


async def _launch(app: Any, plan: Any, pre: Any) -> None:
    from tui.core.finetune import provider_for
    from tui.core.jobs.actions import launch

    provider = provider_for(plan.target, max_retries=2)
    try:
        job = await launch(provider, app.store, pre)
    finally:
        await provider.close()
    app.notify(f"Launched {job.remote_id} on {plan.target.name} ({job.status}); switch to "
               f"that profile (p) to watch it", title="Retrain elsewhere", timeout=12)
