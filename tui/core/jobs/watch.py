"""The poller: watches a profile's unfinished jobs, adaptively and politely.

Per job: once per interval while it is unfinished, so no event reaches the
store later than one interval after the provider lists it; a paused job is
polled at 3x the interval. A poll costs one request (the events list); the job
object is re-read when an event other than metrics arrives (status changes come
with one), for jobs still validating or queued (some providers change those
silently), and otherwise once a minute for the ETA. Checkpoints are listed only
when an event mentions one, and once when a job succeeds. Errors back off exponentially (doubling, capped at 5
minutes), and a 429's Retry-After is always honoured. Finished jobs are never
polled: only `JobRepo.unfinished` is watched. A job the provider no longer
knows (404), or whose events it will not stop listing (PaginationStopped), is
left as stored and reported once through `on_error` with a delay of 0.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from store import Store
from tui.core.jobs.job_sync import FINAL_STATUSES, SyncResult, hydrate, list_checkpoints, sync_job
from tui.core.pagination import PaginationStopped

if TYPE_CHECKING:
    from tui.core.finetune.port import FineTuningProvider

MAX_BACKOFF_S = 300.0
SLOW_STATUSES = frozenset({"validating_files", "queued", "paused"})
# A running job's ETA and trained-token counts live on the job object only: re-read it
# this often even when only metrics events arrive.
RETRIEVE_EVERY_S = 60.0


@dataclass
class PollPolicy:
    interval: float = 10.0

    @property
    def slowest(self) -> float:
        return self.interval * 3

    @property
    def retrieve_every(self) -> int:
        """Polls between two reads of the job object when nothing says it changed."""
        return max(1, round(RETRIEVE_EVERY_S / self.interval))

    def next_delay(self, previous: float | None, result: SyncResult) -> float:
        # Polling faster than the interval while a job moves would be the only way to
        # see its events sooner, and it doubled the requests (issue 19): one interval
        # is the promise made to the user, and what `poll_interval_s` says.
        if result.job.status == "paused":
            return self.slowest
        return self.interval

    def backoff(self, errors: int, retry_after: float | None) -> float:
        delay = min(MAX_BACKOFF_S, self.interval * (2 ** max(0, errors - 1)))
        delay *= 1 + random.random() * 0.1  # jitter, so several watchers do not align
        if retry_after is not None:
            delay = max(delay, retry_after)
        return delay


def _is_not_found(exc: BaseException) -> bool:
    from tui.core.finetune.errors import is_not_found

    return is_not_found(exc)


def retry_after_of(exc: BaseException) -> float | None:
    """Seconds a 429 (or 503) asks us to wait, from retry-after-ms or retry-after."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            continue
    return None


@dataclass
class _JobState:
    due: float = 0.0
    delay: float | None = None
    since_retrieve: int = 0
    checkpoints_pending: bool = False  # an event mentioned a checkpoint not yet listed
    checkpoints_read_at: float | None = None
    gone: bool = False  # the provider answered 404: it no longer knows this job


@dataclass
class WatchStats:
    requests: int = 0
    polls: int = 0
    errors: int = 0
    delays: list[float] = field(default_factory=list)  # every sleep the loop chose
    backoffs: list[float] = field(default_factory=list)  # every wait after an error


Listener = Callable[[list[SyncResult]], Awaitable[None] | None]
ErrorListener = Callable[[BaseException, float], Awaitable[None] | None]


class Watcher:
    """Polls the unfinished jobs of `profile` until stopped (or, optionally, until none are left).

    `store` must belong to the thread running `run` (in the TUI: the app's
    store, since async workers run on the app's loop).
    """

    def __init__(
        self,
        provider: FineTuningProvider,
        store: Store,
        profile: str,
        policy: PollPolicy,
        *,
        on_change: Listener | None = None,
        on_error: ErrorListener | None = None,
        clock: Callable[[], float] = time.monotonic,
        only: set[int] | None = None,
    ) -> None:
        self.provider = provider
        self.store = store
        self.profile = profile
        self.policy = policy
        self.on_change = on_change
        self.on_error = on_error
        self.clock = clock
        self.only = only  # watch just these jobs (`tunedeck jobs watch JOB`), else all
        self.stats = WatchStats()
        self._jobs: dict[int, _JobState] = {}
        self.gone: list[int] = []  # ids of jobs the provider no longer knows
        self.stuck: list[int] = []  # ids of jobs whose lists the provider would not end
        self._wake = asyncio.Event()
        self._errors = 0
        self._blocked_until = 0.0

    def _count(self) -> None:
        self.stats.requests += 1

    def refresh_now(self) -> None:
        """Poll every unfinished job at once (the pane's refresh key)."""
        for state in self._jobs.values():
            state.due = 0.0
        self._blocked_until = min(self._blocked_until, self.clock())
        self._wake.set()

    def add(self, job_id: int) -> None:
        """A job launched just now: poll it at once."""
        self._jobs[job_id] = _JobState(due=0.0)
        self._wake.set()

    async def poll_due(self) -> float:
        """Poll the jobs that are due; return the seconds until the next one is."""
        now = self.clock()
        if now < self._blocked_until:
            return self._blocked_until - now
        unfinished = self.store.jobs.unfinished(self.profile)
        if self.only is not None:
            unfinished = [job for job in unfinished if job.id in self.only]
        ids = {job.id for job in unfinished}
        for stale in set(self._jobs) - ids:
            del self._jobs[stale]
        changed: list[SyncResult] = []
        try:
            for job in unfinished:
                state = self._jobs.setdefault(job.id, _JobState())
                if state.due > now or state.gone:
                    continue
                first = job.last_event_id is None
                # The job object is re-read when a non-metrics event arrives, and at least
                # once a minute (ETA, silent status changes).
                overdue = state.since_retrieve + 1 >= self.policy.retrieve_every
                retrieve = True if overdue or job.status in SLOW_STATUSES else None
                try:
                    if first:
                        result = await hydrate(self.provider, self.store, self.profile, job,
                                               count=self._count)
                    else:
                        # Checkpoints come at epoch ends; listing them on every mention
                        # cost a request per poll on short epochs. Once a minute is soon
                        # enough for a list the user reads after the job.
                        read_at = state.checkpoints_read_at
                        due_list = read_at is None or now - read_at >= RETRIEVE_EVERY_S
                        result = await sync_job(
                            self.provider, self.store, self.profile, job,
                            retrieve=retrieve, count=self._count,
                            defer_checkpoints=not due_list)
                        # A finished job is not polled again: what was deferred is read now.
                        if state.checkpoints_pending and not result.checkpoints_listed and (
                                due_list or result.job.status in FINAL_STATUSES):
                            result.checkpoints = await list_checkpoints(
                                self.provider, self.store, result.job, count=self._count)
                            result.checkpoints_listed = True
                except Exception as exc:
                    if not (_is_not_found(exc) or isinstance(exc, PaginationStopped)):
                        raise
                    # One job the provider forgot (deleted, or a sandbox restarted without
                    # its state), or whose events or checkpoints it would not stop listing
                    # (polling again would only repeat that), must not stall the others: it
                    # is left as stored, unpolled until the next start, and said once.
                    state.gone = True
                    (self.stuck if isinstance(exc, PaginationStopped) else self.gone).append(
                        job.id)
                    await _call(self.on_error, exc, 0.0)
                    continue
                if result.checkpoints_listed:
                    state.checkpoints_pending = False
                    state.checkpoints_read_at = now
                elif result.checkpoints_deferred:
                    state.checkpoints_pending = True
                self.stats.polls += 1
                state.since_retrieve = 0 if result.retrieved else state.since_retrieve + 1
                state.delay = self.policy.next_delay(state.delay, result)
                state.due = self.clock() + state.delay
                if result.moved or result.checkpoints or result.result_file:
                    changed.append(result)
            self._errors = 0
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - every provider error backs off, none kills us
            self._errors += 1
            self.stats.errors += 1
            delay = self.policy.backoff(self._errors, retry_after_of(exc))
            self._blocked_until = self.clock() + delay
            self.stats.backoffs.append(delay)
            if changed:
                await _call(self.on_change, changed)
            await _call(self.on_error, exc, delay)
            return delay
        if changed:
            await _call(self.on_change, changed)
        polled = [s.due for s in self._jobs.values() if not s.gone]
        if not polled:
            return self.policy.interval
        return max(0.0, min(polled) - self.clock())

    async def run(self, *, until_idle: bool = False) -> None:
        while True:
            delay = await self.poll_due()
            if until_idle and all(state.gone for state in self._jobs.values()):
                return
            # Wake at least every interval: jobs launched elsewhere show up in the store.
            delay = min(delay, self.policy.interval) if self._jobs else self.policy.interval
            self.stats.delays.append(delay)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass


async def _call(callback: Callable[..., Any] | None, *args: Any) -> None:
    if callback is None:
        return
    outcome = callback(*args)
    if asyncio.iscoroutine(outcome):
        await outcome
