"""Bring the store up to date with the provider: one job, or every job of a profile.

Provider-neutral: everything goes through the fine-tuning port, which answers in
OpenAI's shapes. Nothing is fetched twice: events are read only until the stored
`last_event_id` (the port stops there); checkpoints are listed when an event announces
one or when the job ends; the result CSV is fetched once. Events are stored only after
they reach what is already known, so an interrupted fetch leaves no gap.

A list the provider will not end (`tui.core.pagination.PaginationStopped`, raised by
the port) keeps what cannot leave a gap: every event read when the job had none
stored, the checkpoints read, every job listed; then the exception goes on up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store import Store
from store.jobs import FINAL_STATUSES
from store.records import Job
from tui.core.finetune.port import Feature
from tui.core.finetune.shapes import decode_result, dump
from tui.core.pagination import PaginationStopped

if TYPE_CHECKING:
    from tui.core.finetune.port import FineTuningProvider

__all__ = ["Counter", "SyncResult", "decode_result", "dump", "hydrate", "sync_all", "sync_job"]


@dataclass
class SyncResult:
    job: Job
    new_events: int = 0
    status_before: str | None = None
    requests: int = 0
    checkpoints: int = 0
    result_file: bool = False
    retrieved: bool = False
    checkpoints_deferred: bool = False  # an event mentioned one; the list was not read yet
    checkpoints_listed: bool = False

    @property
    def status_changed(self) -> bool:
        return self.status_before != self.job.status

    @property
    def moved(self) -> bool:
        """Something happened: the poller speeds up."""
        return bool(self.new_events) or self.status_changed

    @property
    def finished(self) -> bool:
        """The job reached a final status in this sync (notify the user once)."""
        return self.status_changed and self.job.status in FINAL_STATUSES


class Counter:
    """Counts API requests made through one sync or watcher."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, n: int = 1) -> None:
        self.n += n


class _Meter:
    """Reports the provider's requests made since the last look to `count`."""

    def __init__(self, provider: FineTuningProvider, count: Callable[..., None] | None) -> None:
        self.provider, self.count = provider, count
        self.start = self.last = provider.requests

    def tick(self) -> None:
        now = self.provider.requests
        if self.count is not None and now > self.last:
            for _ in range(now - self.last):
                self.count()
        self.last = now

    @property
    def total(self) -> int:
        return self.provider.requests - self.start


async def _new_events(provider: FineTuningProvider, store: Store, job: Job,
                      since: str | None) -> list[dict[str, Any]]:
    """The port's events after `since`; a list cut short stores what it read (the port
    hands over only events that leave no gap: all of them when `since` is None)."""
    try:
        return await provider.events(job.remote_id, since)
    except PaginationStopped as stop:
        if stop.read:
            store.jobs.add_events(job.id, stop.read)
        raise


async def _store_checkpoints(provider: FineTuningProvider, store: Store, job: Job) -> int:
    """Fetch and store a job's checkpoints; a list cut short keeps what it read."""
    try:
        checkpoints = await provider.checkpoints(job.remote_id)
    except PaginationStopped as stop:
        store.jobs.add_checkpoints(job.id, stop.read)
        raise
    return store.jobs.add_checkpoints(job.id, checkpoints)


async def list_checkpoints(provider: FineTuningProvider, store: Store, job: Job, *,
                           count: Callable[..., None] | None = None) -> int:
    """Read and store a job's checkpoint list now; returns how many were new."""
    meter = _Meter(provider, count)
    try:
        return await _store_checkpoints(provider, store, job)
    finally:
        meter.tick()


def _mentions_checkpoint(events: list[dict[str, Any]]) -> bool:
    return any("checkpoint" in str(e.get("message") or "").lower() for e in events)


async def sync_job(
    provider: FineTuningProvider,
    store: Store,
    profile: str,
    job: Job,
    *,
    retrieve: bool | None = True,
    count: Callable[..., None] | None = None,
    defer_checkpoints: bool = False,
) -> SyncResult:
    """Fetch what is new about one job and store it.

    retrieve=True always re-reads the job object; None re-reads it only when an
    event other than metrics or a checkpoint's arrived (status changes come with
    one), False only
    when any event arrived. A quiet poll then costs one request where the provider
    lists events (more where events are made from the job and its metrics).
    defer_checkpoints=True leaves the checkpoint list unread when an event of a
    running job mentions one and says so in `checkpoints_deferred` (the watcher
    reads it later, once per minute at most); a finished job's list is always read.
    """
    meter = _Meter(provider, count)
    result = SyncResult(job=job, status_before=job.status)
    try:
        events = await _new_events(provider, store, job, job.last_event_id)
        meter.tick()
        if retrieve is None:
            # A checkpoint's event changes the checkpoint list, not the job object:
            # it costs a checkpoints request below, not a job read too.
            wanted = any(e.get("type") != "metrics" and not _mentions_checkpoint([e])
                         for e in events)
        else:
            wanted = retrieve or bool(events)
        if wanted:
            remote = await provider.retrieve_job(job.remote_id)
            meter.tick()
            result.retrieved = True
            job = store.jobs.upsert(profile, remote)
            if job.status in FINAL_STATUSES and result.status_before not in FINAL_STATUSES:
                # The last events may have been written after our first read: one more look.
                since = events[0]["id"] if events else job.last_event_id
                try:
                    events = await _new_events(provider, store, job, since) + events
                except PaginationStopped:
                    if events:  # complete down to the stored cursor: they leave no gap
                        store.jobs.add_events(job.id, events)
                    raise
                meter.tick()
        if events:
            result.new_events = store.jobs.add_events(job.id, events)
        job = store.jobs.get(job.id)
        final = job.status in FINAL_STATUSES
        can_list = provider.capabilities.can(Feature.CHECKPOINTS)
        mentioned = _mentions_checkpoint(events)
        if can_list and mentioned and defer_checkpoints and not final:
            result.checkpoints_deferred = True
        elif can_list and (mentioned or (
                final and job.status == "succeeded" and not store.jobs.checkpoints(job.id)
                and result.status_before not in FINAL_STATUSES)):
            result.checkpoints = await _store_checkpoints(provider, store, job)
            result.checkpoints_listed = True
            meter.tick()
        if final:
            result.result_file = await _fetch_results(provider, store, job)
            meter.tick()
    finally:
        meter.tick()
    result.job = job
    result.requests = meter.total
    return result


async def _fetch_results(provider: FineTuningProvider, store: Store, job: Job) -> bool:
    if store.jobs.result_file(job.id) is not None:
        return False
    found = await provider.result_file(job.raw)
    if found is None:
        return False
    file_id, text = found
    store.jobs.save_result_file(job.id, file_id, text)
    return True


async def hydrate(
    provider: FineTuningProvider, store: Store, profile: str, job: Job,
    count: Callable[..., None] | None = None,
) -> SyncResult:
    """Fill in a job known only from the list (imported): events, checkpoints, results."""
    result = await sync_job(provider, store, profile, job, retrieve=False, count=count)
    current = result.job
    meter = _Meter(provider, count)
    try:
        if current.status == "succeeded" and not store.jobs.checkpoints(current.id) \
                and provider.capabilities.can(Feature.CHECKPOINTS):
            result.checkpoints = await _store_checkpoints(provider, store, current)
        if current.status in FINAL_STATUSES and store.jobs.result_file(current.id) is None:
            result.result_file = await _fetch_results(provider, store, current)
    finally:
        meter.tick()
    result.requests += meter.total
    return result


async def sync_all(
    provider: FineTuningProvider, store: Store, profile: str,
    count: Callable[..., None] | None = None,
) -> list[Job]:
    """Pull every job of the profile into the store, page by page; idempotent.

    Each job is stored as it arrives: on PaginationStopped those jobs stay stored and
    the exception's `read` lists them.
    """
    meter = _Meter(provider, count)
    jobs: list[Job] = []
    try:
        async for remote in provider.list_jobs():
            jobs.append(store.jobs.upsert(profile, remote))
            meter.tick()
    except PaginationStopped as stop:
        stop.read = jobs
        raise
    finally:
        meter.tick()
    return jobs
