"""Launch a job from a confirmed pre-flight; cancel, pause and resume it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from store import Store
from store.jobs import FINAL_STATUSES
from store.records import Job
from tui.core.finetune.port import ACTIONS, Feature
from tui.core.jobs.preflight import Preflight
from tui.core.jobs.upload import Progress, ensure_uploaded

if TYPE_CHECKING:
    from tui.core.finetune.port import FineTuningProvider


class ActionError(Exception):
    """The action makes no sense for the job's state; the message says why."""


async def launch(
    provider: FineTuningProvider,
    store: Store,
    preflight: Preflight,
    *,
    progress: Progress | None = None,
    say: Callable[[str], None] | None = None,
) -> Job:
    """Upload what is not on the provider yet, create the job, store it."""
    if not preflight.ok:
        raise ActionError("; ".join(preflight.problems))
    profile = preflight.profile
    spec = preflight.spec
    file_ids: dict[str, str | None] = {"training": None, "validation": None}
    for prepared in (preflight.training, preflight.validation):
        if prepared is None:
            continue
        file_id, uploaded = await ensure_uploaded(
            provider, store, profile, prepared.data, filename=prepared.filename,
            dataset_version_id=prepared.version_id, sha256=prepared.sha256, progress=progress,
        )
        file_ids[prepared.which] = file_id
        if say is not None:
            say(f"{'Uploaded' if uploaded else 'Reusing'} {prepared.label} as {file_id}")
    training = file_ids["training"]
    assert training is not None
    remote = await provider.create_job(spec, training, file_ids["validation"])
    return store.jobs.upsert(
        profile, remote,
        training_version_id=spec.training_version_id,
        validation_version_id=spec.validation_version_id,
        estimated_cost_usd=preflight.estimated_cost_usd,
    )


__all__ = ["ACTIONS", "ActionError", "act", "check_action", "launch"]


def check_action(job: Job, action: str, provider: FineTuningProvider | None = None) -> None:
    """Raise ActionError when `action` cannot apply to the job as stored (or on its provider)."""
    if action not in ACTIONS:
        raise ActionError(f"unknown action {action!r}")
    if provider is not None and not provider.capabilities.can(Feature(action)):
        raise ActionError(f"{provider.rules.provider} cannot {action} a job: "
                          f"{provider.capabilities.why_not(Feature(action))}")
    if job.status in FINAL_STATUSES:
        raise ActionError(f"job {job.remote_id} has {job.status}: nothing to {action}")
    if action == "resume" and job.status != "paused":
        raise ActionError(f"job {job.remote_id} is {job.status}, not paused: nothing to resume")
    if action == "pause" and job.status == "paused":
        raise ActionError(f"job {job.remote_id} is already paused")


async def act(provider: FineTuningProvider, store: Store, job: Job, action: str) -> Job:
    """Cancel, pause or resume the job on the provider and store its new state."""
    check_action(job, action, provider)
    remote = await provider.act(job.remote_id, action)
    return store.jobs.upsert(job.profile, remote)
