"""Pull everything a profile's provider still has into the store, so it outlives the vendor.

Three parts, each idempotent (a second sync adds nothing):

* files: the metadata of every provider file (never their contents). A file
  tunedeck uploaded itself is recognised by the content hash in its name and
  linked to its dataset version; a link already stored is kept.
* jobs: every fine-tuning job with its events, checkpoints and result file
  (`tui.core.jobs.job_sync` does the work), and the provider's model list with the
  shutdown dates it announces (where it has one).
* evals: every hosted eval with its runs and output items
  (`tui.core.evals.importer` does the work, on OpenAI-shaped providers).

Files and jobs go through the fine-tuning port, so every provider kind syncs the same
way; its errors arrive as the openai SDK's classes.

A part the profile lacks the capability for is skipped, saying why. A part
whose endpoint answers 404 or 410 (OpenAI's Evals API after 2026-11-30) is
reported as retired: what the store already holds is kept, the other parts
still run. Other provider errors fail only their part; so does a list the
provider would not end (`tui.core.pagination`), keeping what was read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from store import Store
from tui.core.config import Capability, Profile
from tui.core.errors import explain
from tui.core.pagination import PaginationStopped
from tui.core.secrets import redact
from tui.core.wording import count_of

if TYPE_CHECKING:
    from tui.core.finetune.port import FineTuningProvider

PARTS = ("files", "jobs", "evals")
CAPABILITY = {"files": Capability.FILES, "jobs": Capability.FINE_TUNING,
              "evals": Capability.EVALS}
COUNTERS = {
    "files": ("seen", "added", "updated"),
    "jobs": ("seen", "added", "updated", "events_added", "checkpoints_added",
             "result_files_added"),
    "evals": ("seen", "added", "updated", "runs", "runs_added", "items_added"),
}
RETIRED = "no longer available from the provider; kept what is stored"

# States of one part after a sync.
SYNCED, SKIPPED, RETIRED_STATE, FAILED = "synced", "skipped", "retired", "failed"

Say = Callable[[str], None]


@dataclass
class PartOutcome:
    name: str
    state: str = SYNCED
    message: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.counts)
        out["state"] = self.state
        if self.message:
            out["message"] = self.message
        return out

    def line(self) -> str:
        if self.state == SKIPPED:
            return f"{self.name}: skipped: {self.message}"
        text = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in self.counts.items())
        if self.state == SYNCED:
            return f"{self.name}: {text}"
        return f"{self.name}: {self.message}" + (f" ({text} before that)" if any(
            self.counts.values()) else "")


@dataclass
class SyncReport:
    profile: str
    parts: dict[str, PartOutcome] = field(default_factory=dict)

    def added(self) -> int:
        return sum(n for p in self.parts.values() for k, n in p.counts.items()
                   if k.endswith("added"))

    def summary(self) -> dict[str, Any]:
        return {"profile": self.profile, "added": self.added(),
                **{name: part.as_dict() for name, part in self.parts.items()}}

    def states(self) -> set[str]:
        return {p.state for p in self.parts.values()}


def parse_only(text: str | None) -> tuple[str, ...]:
    """`files,jobs` → ("files", "jobs") in canonical order; ValueError names the known parts."""
    if not text:
        return PARTS
    wanted = {p.strip() for p in text.split(",") if p.strip()}
    unknown = sorted(wanted - set(PARTS))
    if unknown or not wanted:
        raise ValueError(f"--only takes a comma-separated list of {', '.join(PARTS)}"
                         + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    return tuple(p for p in PARTS if p in wanted)


def is_gone(exc: BaseException) -> bool:
    """The endpoint itself is gone (404 Not Found or 410 Gone)."""
    import openai

    return isinstance(exc, openai.APIStatusError) and exc.status_code in (404, 410)


def _stops_everything(exc: BaseException) -> bool:
    """Errors that every later part would hit too: a rejected key, no connection."""
    import openai

    return isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError
                      | openai.APIConnectionError)


async def sync_profile(provider: FineTuningProvider, store: Store, profile: Profile, *,
                       parts: Iterable[str] = PARTS, say: Say | None = None) -> SyncReport:
    import openai

    say = say or (lambda _text: None)
    report = SyncReport(profile.name)
    stop: str | None = None
    for name in parts:
        outcome = PartOutcome(name, counts=dict.fromkeys(COUNTERS[name], 0))
        report.parts[name] = outcome
        capability = CAPABILITY[name]
        if not profile.has(capability):
            outcome.state = SKIPPED
            outcome.message = (f"profile {profile.name!r} ({profile.kind}) has no "
                               f"{capability.value.replace('_', '-')} capability")
        elif stop is not None:
            outcome.state, outcome.message = FAILED, f"not attempted: {stop}"
        else:
            try:
                await _RUNNERS[name](provider, store, profile.name, outcome.counts, say)
            except PaginationStopped as exc:
                # What was read is stored; the other parts still run.
                outcome.state, outcome.message = FAILED, str(exc)
            except openai.APIError as exc:
                if is_gone(exc):
                    status = getattr(exc, "status_code", None)
                    outcome.state, outcome.message = RETIRED_STATE, f"{RETIRED} ({status})"
                else:
                    outcome.state = FAILED
                    outcome.message = redact(str(explain(exc, key_env=profile.api_key_env)))
                    if _stops_everything(exc):
                        stop = outcome.message
        say(outcome.line())
    return report


# -- files ----------------------------------------------------------------
_UPLOAD_NAME = re.compile(r"^(?P<name>.+)-v(?P<version>\d+)-(?P<which>[A-Za-z]+)"
                          r"-(?P<digest>[0-9a-f]{12})\.jsonl$")


class VersionMatcher:
    """Finds the dataset version a provider file was uploaded from, without downloading it.

    tunedeck names its uploads `<dataset>-v<N>-<which>-<sha256[:12]>.jsonl`;
    the candidate version's training bytes are rebuilt locally and must give
    the same name and size before the file is linked (with the full hash).
    """

    def __init__(self, store: Store, profile: str) -> None:
        self.store, self.profile = store, profile
        self._by_safe: dict[str, list[int]] | None = None

    def match(self, remote: dict[str, Any]) -> tuple[str, int] | None:
        from tui.core.jobs.preflight import _safe, prepare_file

        found = _UPLOAD_NAME.match(str(remote.get("filename") or ""))
        if found is None:
            return None
        if self._by_safe is None:
            self._by_safe = {}
            for dataset in self.store.datasets.list():
                self._by_safe.setdefault(_safe(dataset.name), []).append(dataset.id)
        for dataset_id in self._by_safe.get(found["name"], []):
            for version in self.store.datasets.versions(dataset_id):
                if version.version != int(found["version"]) or version.status != "ready":
                    continue
                prepared = prepare_file(self.store, self.profile, version.id, found["which"])
                if prepared.filename == remote.get("filename") and (
                        remote.get("bytes") in (None, len(prepared.data))):
                    return prepared.sha256, version.id
        return None


async def _sync_files(provider: FineTuningProvider, store: Store, profile: str,
                      counts: dict[str, int], say: Say) -> None:
    before = {f.remote_id: f for f in store.files.list(profile)}
    matcher = VersionMatcher(store, profile)
    async for data in provider.list_files():  # the port's pager: PaginationStopped ends it
        old = before.get(data["id"])
        link = None
        if old is None or (old.content_hash is None and old.dataset_version_id is None):
            link = matcher.match(data)
        new = store.files.record(profile, data, content_hash=link[0] if link else None,
                                 dataset_version_id=link[1] if link else None)
        counts["seen"] += 1
        if old is None:
            counts["added"] += 1
        elif (old.status, old.content_hash, old.dataset_version_id) != (
                new.status, new.content_hash, new.dataset_version_id):
            counts["updated"] += 1


# -- jobs -----------------------------------------------------------------
async def _sync_jobs(provider: FineTuningProvider, store: Store, profile: str,
                     counts: dict[str, int], say: Say) -> None:
    import openai

    from tui.core.jobs.job_sync import hydrate, sync_all
    from tui.core.retirement import refresh_models

    before = {j.remote_id: j.raw for j in store.jobs.list(profile)}
    try:
        jobs = await sync_all(provider, store, profile)
    except PaginationStopped as stop:
        counts["seen"] = len(stop.read)
        counts["added"] = sum(1 for j in stop.read if j.remote_id not in before)
        _link_jobs_to_versions(store, profile)
        raise
    counts["seen"] = len(jobs)
    counts["added"] = sum(1 for j in jobs if j.remote_id not in before)
    if jobs:
        say(f"jobs: {len(jobs)} listed; fetching events, checkpoints and result files…")
    try:
        for job in jobs:
            try:
                result = await hydrate(provider, store, profile, job)
            except openai.NotFoundError:
                continue  # deleted between the list and now: what is stored stays
            counts["events_added"] += result.new_events
            counts["checkpoints_added"] += result.checkpoints
            counts["result_files_added"] += int(result.result_file)
    finally:
        after = {j.remote_id: j.raw for j in store.jobs.list(profile)}
        counts["updated"] = sum(1 for rid, raw in after.items()
                                if rid in before and before[rid] != raw)
        _link_jobs_to_versions(store, profile)
    # The models the jobs trained on may be retiring: their shutdown dates come with the list.
    retiring = await refresh_models(provider, store, profile)
    if retiring:
        say(f"jobs: {count_of(len(retiring), 'model')} used here "
            f"{'retires' if len(retiring) == 1 else 'retire'} within 60 days "
            "(tunedeck jobs list shows them)")


async def sync_job_list(provider: FineTuningProvider, store: Store, profile: str) -> list[Any]:
    """The quick sync (Jobs pane `s`, `tunedeck jobs list --sync`): the provider's job
    list into the store, each job linked to the dataset version it trained on, and the
    model list with its shutdown dates — without each job's events and files."""
    from tui.core.jobs.job_sync import sync_all
    from tui.core.retirement import refresh_models

    try:
        jobs = await sync_all(provider, store, profile)
    finally:
        _link_jobs_to_versions(store, profile)
    await refresh_models(provider, store, profile)
    return jobs


def _link_jobs_to_versions(store: Store, profile: str) -> None:
    """Jobs trained on a file known to come from a dataset version get that link (lineage)."""
    versions = {f.remote_id: f.dataset_version_id for f in store.files.list(profile)
                if f.dataset_version_id is not None}
    for job in store.jobs.list(profile):
        training = versions.get(job.training_file or "") if job.training_version_id is None \
            else None
        validation = versions.get(job.validation_file or "") \
            if job.validation_version_id is None else None
        if training or validation:
            store.jobs.upsert(profile, job.raw, training_version_id=training,
                              validation_version_id=validation)


# -- evals ----------------------------------------------------------------
def _eval_snapshot(store: Store, profile: str) -> tuple[dict, dict, int]:
    evals = {r[0]: r[1:] for r in store.db.execute(
        """SELECT remote_id, name, testing_criteria_json, data_source_config_json FROM evals
           WHERE profile = ? AND remote_id IS NOT NULL""", [profile])}
    runs = {r[0]: r[1:] for r in store.db.execute(
        """SELECT remote_id, status, result_counts_json, per_testing_criteria_results_json,
           usage_json, error FROM eval_runs WHERE profile = ? AND remote_id IS NOT NULL""",
        [profile])}
    (items,) = store.db.execute(
        """SELECT COUNT(*) FROM eval_results WHERE run_id IN
           (SELECT id FROM eval_runs WHERE profile = ? AND remote_id IS NOT NULL)""",
        [profile]).fetchone()
    return evals, runs, items


async def _sync_evals(provider: FineTuningProvider, store: Store, profile: str,
                      counts: dict[str, int], say: Say) -> None:
    from tui.core.evals.importer import import_openai

    evals, runs, items = _eval_snapshot(store, profile)
    say("evals: importing evals, their runs and output items…")
    try:
        # Hosted evals are OpenAI's API: the profile's OpenAI-compatible client reads them.
        report = await import_openai(store, provider.inference_client(), profile)
        counts["seen"], counts["runs"] = report.evals, report.runs
    finally:
        evals2, runs2, items2 = _eval_snapshot(store, profile)
        counts["added"] = len(evals2.keys() - evals.keys())
        counts["updated"] = sum(1 for k, v in evals.items() if evals2.get(k, v) != v)
        counts["runs_added"] = len(runs2.keys() - runs.keys())
        counts["items_added"] = items2 - items


_RUNNERS = {"files": _sync_files, "jobs": _sync_jobs, "evals": _sync_evals}
