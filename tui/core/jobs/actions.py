"""Launch a job from a confirmed pre-flight; cancel, pause and resume it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from store import Store
from store.jobs import FINAL_STATUSES
from store.records import Job
from tui.core.jobs.preflight import Preflight
from tui.core.jobs.sync import dump
from tui.core.jobs.upload import Progress, ensure_uploaded

if TYPE_CHECKING:
    from openai import AsyncOpenAI


class ActionError(Exception):
    """The action makes no sense for the job's state; the message says why."""


async def launch(
    client: AsyncOpenAI,
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
            client, store, profile, prepared.data, filename=prepared.filename,
            dataset_version_id=prepared.version_id, sha256=prepared.sha256, progress=progress,
        )
        file_ids[prepared.which] = file_id
        if say is not None:
            say(f"{'Uploaded' if uploaded else 'Reusing'} {prepared.label} as {file_id}")
    training = file_ids["training"]
    assert training is not None
    remote = await client.fine_tuning.jobs.create(
        **spec.create_kwargs(training, file_ids["validation"])
    )
    return store.jobs.upsert(
        profile, dump(remote),
        training_version_id=spec.training_version_id,
        validation_version_id=spec.validation_version_id,
        estimated_cost_usd=preflight.estimated_cost_usd,
    )


ACTIONS = ("cancel", "pause", "resume")


def check_action(job: Job, action: str) -> None:
    """Raise ActionError when `action` cannot apply to the job as stored."""
    if action not in ACTIONS:
        raise ActionError(f"unknown action {action!r}")
    if job.status in FINAL_STATUSES:
        raise ActionError(f"job {job.remote_id} has {job.status}: nothing to {action}")
    if action == "resume" and job.status != "paused":
        raise ActionError(f"job {job.remote_id} is {job.status}, not paused: nothing to resume")
    if action == "pause" and job.status == "paused":
        raise ActionError(f"job {job.remote_id} is already paused")


async def act(client: AsyncOpenAI, store: Store, job: Job, action: str) -> Job:
    """Cancel, pause or resume the job on the provider and store its new state."""
    check_action(job, action)
    method = getattr(client.fine_tuning.jobs, action)
    remote = await method(job.remote_id)
    return store.jobs.upsert(job.profile, dump(remote))
