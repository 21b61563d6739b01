"""Bring the store up to date with the provider: one job, or every job of a profile.

Nothing is fetched twice: events are paged newest-first only until the stored
`last_event_id`; checkpoints are listed when an event announces one or when the
job ends; the result CSV is fetched once. Events are stored only after the
pages reach what is already known, so an interrupted fetch leaves no gap.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from store import Store
from store.jobs import FINAL_STATUSES
from store.records import Job
from tui.core.pagination import Pager, PaginationStopped, cursor_kwargs, safe_id

if TYPE_CHECKING:
    from openai import AsyncOpenAI

EVENT_PAGE = 100
# While a known job is watched, new events are few: a small first page keeps a
# quiet poll cheap and limits what a resumed watcher sees again (the API pages
# only towards older events, so the page that holds our cursor is re-sent).
RESUME_PAGE = 20


@dataclass
class SyncResult:
    job: Job
    new_events: int = 0
    status_before: str | None = None
    requests: int = 0
    checkpoints: int = 0
    result_file: bool = False
    retrieved: bool = False

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


def dump(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    # Unknown status strings ("paused", future ones) are kept as they came.
    return obj.model_dump(mode="json", warnings=False)


class Counter:
    """Counts API requests made through one sync or watcher."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, n: int = 1) -> None:
        self.n += n


async def fetch_new_events(
    client: AsyncOpenAI, remote_id: str, last_event_id: str | None, count: Callable[[], None]
) -> list[dict[str, Any]]:
    """Events newer than `last_event_id`, newest first (all of them when it is None).

    A provider that will not end the list raises PaginationStopped. When the job had
    no events stored, its `read` holds those that arrived (storing them leaves no gap);
    otherwise none is kept, since storing a newer part would skip the events between
    it and `last_event_id` for good.
    """

    async def page(cursor: str | None) -> Any:
        first = cursor is None and last_event_id is not None
        result = await client.fine_tuning.jobs.list_events(
            remote_id, **cursor_kwargs(cursor, limit=RESUME_PAGE if first else EVENT_PAGE))
        count()
        return result

    found: list[dict[str, Any]] = []
    try:
        what = f"listing the events of {safe_id(remote_id, 'a job')}"
        async for event in Pager(page, what=what):
            if last_event_id is not None and event.id == last_event_id:
                return found
            found.append(dump(event))
    except PaginationStopped as stop:
        if last_event_id is None:
            stop.read = found
        else:
            stop.kept = "stored none of the new events, so none goes missing"
        raise
    return found


async def fetch_checkpoints(
    client: AsyncOpenAI, remote_id: str, count: Callable[[], None]
) -> list[dict[str, Any]]:
    """Every checkpoint; PaginationStopped's `read` holds those that arrived (as dicts)."""

    async def page(cursor: str | None) -> Any:
        result = await client.fine_tuning.jobs.checkpoints.list(
            remote_id, **cursor_kwargs(cursor, limit=100))
        count()
        return result

    pager = Pager(page, what=f"listing the checkpoints of {safe_id(remote_id, 'a job')}")
    try:
        return [dump(c) for c in await pager.collect()]
    except PaginationStopped as stop:
        stop.read = [dump(c) for c in stop.read]
        raise


async def _store_checkpoints(client: AsyncOpenAI, store: Store, job: Job,
                             count: Callable[[], None]) -> int:
    """Fetch and store a job's checkpoints; a list cut short keeps what it read."""
    try:
        checkpoints = await fetch_checkpoints(client, job.remote_id, count)
    except PaginationStopped as stop:
        store.jobs.add_checkpoints(job.id, stop.read)
        raise
    return store.jobs.add_checkpoints(job.id, checkpoints)


async def _new_events(client: AsyncOpenAI, store: Store, job: Job, last_event_id: str | None,
                      count: Callable[[], None]) -> list[dict[str, Any]]:
    try:
        return await fetch_new_events(client, job.remote_id, last_event_id, count)
    except PaginationStopped as stop:
        if stop.read:
            store.jobs.add_events(job.id, stop.read)
        raise


def decode_result(raw: bytes) -> str:
    """The result CSV as text; the provider may send it base64-encoded."""
    text = raw.decode("utf-8", errors="replace")
    first = text.strip().split("\n", 1)[0]
    if not first or "," in first:
        return text
    try:
        decoded = base64.b64decode("".join(text.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return text
    return decoded


def _mentions_checkpoint(events: list[dict[str, Any]]) -> bool:
    return any("checkpoint" in str(e.get("message") or "").lower() for e in events)


async def sync_job(
    client: AsyncOpenAI,
    store: Store,
    profile: str,
    job: Job,
    *,
    retrieve: bool | None = True,
    count: Callable[[], None] | None = None,
) -> SyncResult:
    """Fetch what is new about one job and store it.

    retrieve=True always re-reads the job object; None re-reads it only when an
    event other than metrics arrived (status changes come with one), False only
    when any event arrived. A quiet poll then costs one request.
    """
    counter = Counter()

    def tick() -> None:
        counter()
        if count is not None:
            count()

    result = SyncResult(job=job, status_before=job.status)
    events = await _new_events(client, store, job, job.last_event_id, tick)
    if retrieve is None:
        wanted = any(e.get("type") != "metrics" for e in events)
    else:
        wanted = retrieve or bool(events)
    if wanted:
        remote = dump(await client.fine_tuning.jobs.retrieve(job.remote_id))
        tick()
        result.retrieved = True
        job = store.jobs.upsert(profile, remote)
        if job.status in FINAL_STATUSES and result.status_before not in FINAL_STATUSES:
            # The last events may have been written after our first read: one more look.
            since = events[0]["id"] if events else job.last_event_id
            try:
                events = await _new_events(client, store, job, since, tick) + events
            except PaginationStopped:
                if events:  # complete down to the stored cursor: they leave no gap
                    store.jobs.add_events(job.id, events)
                raise
    if events:
        result.new_events = store.jobs.add_events(job.id, events)
    job = store.jobs.get(job.id)
    final = job.status in FINAL_STATUSES
    if _mentions_checkpoint(events) or (
        final and job.status == "succeeded" and not store.jobs.checkpoints(job.id)
        and result.status_before not in FINAL_STATUSES
    ):
        result.checkpoints = await _store_checkpoints(client, store, job, tick)
    if final:
        result.result_file = await _fetch_results(client, store, job, tick)
    result.job = job
    result.requests = counter.n
    return result


async def _fetch_results(
    client: AsyncOpenAI, store: Store, job: Job, tick: Callable[[], None]
) -> bool:
    files = [f for f in (job.raw.get("result_files") or []) if isinstance(f, str)]
    if not files or store.jobs.result_file(job.id) is not None:
        return False
    response = await client.files.content(files[0])
    tick()
    store.jobs.save_result_file(job.id, files[0], decode_result(response.content))
    return True


async def hydrate(
    client: AsyncOpenAI, store: Store, profile: str, job: Job,
    count: Callable[[], None] | None = None,
) -> SyncResult:
    """Fill in a job known only from the list (imported): events, checkpoints, results."""
    result = await sync_job(client, store, profile, job, retrieve=False, count=count)
    current = result.job
    if current.status == "succeeded" and not store.jobs.checkpoints(current.id):
        result.checkpoints = await _store_checkpoints(client, store, current,
                                                      count or (lambda: None))
    if current.status in FINAL_STATUSES and store.jobs.result_file(current.id) is None:
        result.result_file = await _fetch_results(
            client, store, current, count or (lambda: None)
        )
    return result


async def sync_all(
    client: AsyncOpenAI, store: Store, profile: str, count: Callable[[], None] | None = None
) -> list[Job]:
    """Pull every job of the profile into the store, page by page; idempotent.

    Each page is stored as it arrives: on PaginationStopped those jobs stay stored
    and the exception's `read` lists them.
    """

    async def page(cursor: str | None) -> Any:
        result = await client.fine_tuning.jobs.list(**cursor_kwargs(cursor, limit=100))
        if count is not None:
            count()
        return result

    jobs: list[Job] = []
    try:
        async for remote in Pager(page, what="listing jobs"):
            jobs.append(store.jobs.upsert(profile, dump(remote)))
    except PaginationStopped as stop:
        stop.read = jobs
        raise
    return jobs
