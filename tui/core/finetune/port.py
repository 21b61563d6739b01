"""The fine-tuning provider port: what tunedeck needs from any host that trains models.

Every adapter answers in OpenAI's shapes: a job is the dict `FineTuningJob.model_dump()`
gives (status one of validating_files, queued, running, paused, succeeded, failed,
cancelled; `method.type` supervised, dpo or reinforcement), an event is a
`FineTuningJobEvent` dict (metrics events carry OpenAI's metric names in `data`), a
checkpoint a `FineTuningJobCheckpoint` dict and a file a `FileObject` dict. So the store,
the watcher, the guided loop, the cards and `tunedeck jobs` never learn which provider they
talk to. What a provider cannot do, its `Capabilities` say, with a reason in plain words
the UI can show instead of failing.

Provider errors surface as the `openai` SDK's exception classes (adapters for other SDKs
translate theirs, see `errors.translated`), so `tui.core.errors.explain` and the
watcher's backoff treat every provider alike.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from store import Store
    from store.records import Job
    from tui.core.config import Profile
    from tui.core.finetune.rules import ProviderRules
    from tui.core.jobs.spec import JobSpec

Progress = Callable[[int, int], None]  # (bytes sent, bytes total)
ACTIONS = ("cancel", "pause", "resume")


class Feature(StrEnum):
    """Things a provider may lack; each missing one comes with a reason (Capabilities)."""

    EVENTS = "events"  # a list of job events (else: made from the job's state changes)
    CHECKPOINTS = "checkpoints"  # intermediate models that can be called
    METRICS = "metrics"  # per-step training metrics
    CANCEL = "cancel"
    PAUSE = "pause"
    RESUME = "resume"
    SUFFIX = "suffix"  # a user-chosen part of the tuned model's name
    SEED = "seed"
    METADATA = "metadata"  # key=value pairs stored on the job (the loop finds its job by one)
    RESULT_FILE = "result_file"  # a per-step CSV once the job ends
    SERVES_AT_ONCE = "serves_at_once"  # the tuned model answers without a deployment step
    MODEL_LIST = "model_list"  # GET /v1/models, with shutdown dates


@dataclass(frozen=True)
class Capabilities:
    """The methods a provider trains, and what it cannot do (feature -> why, plainly)."""

    methods: tuple[str, ...]
    missing: Mapping[Feature, str] = field(default_factory=dict)
    # Methods it does not train -> why (e.g. reinforcement on Together).
    method_notes: Mapping[str, str] = field(default_factory=dict)

    def can(self, feature: Feature) -> bool:
        return feature not in self.missing

    def why_not(self, feature: Feature) -> str | None:
        return self.missing.get(feature)

    def method_problem(self, method: str, provider: str) -> str | None:
        if method in self.methods:
            return None
        return self.method_notes.get(method) or (
            f"{provider} does not train {method}; it offers {', '.join(self.methods)}")


@dataclass(frozen=True)
class Answerable:
    """Whether a tuned model answers, and by which name (Azure: its deployment's)."""

    model: str  # the name to call the model by
    ready: bool
    message: str  # what was done, or what is still to do
    command: str | None = None  # a command to run by hand, where tunedeck cannot do it
    deployment: str | None = None  # the deployment's name, where one was made


class FineTuningProvider(Protocol):
    """One host's fine-tuning API behind OpenAI's shapes. See the module docstring."""

    profile: Profile
    capabilities: Capabilities
    rules: ProviderRules
    requests: int  # API calls made so far (the watcher reports them)

    # -- files ----------------------------------------------------------------
    async def file_usable(self, file_id: str) -> bool:
        """Whether the provider still has the file, ready for a job (404 -> False)."""
        ...

    async def find_file(self, filename: str, size: int) -> dict[str, Any] | None:
        """A usable file of exactly this name and size (an upload whose answer was lost)."""
        ...

    async def send_file(self, data: bytes, filename: str,
                        progress: Progress | None = None) -> dict[str, Any]:
        """Upload `data`; the FileObject dict once the provider has processed it."""
        ...

    def list_files(self) -> AsyncIterator[dict[str, Any]]:
        """Every fine-tuning file on the provider, as FileObject dicts."""
        ...

    # -- jobs -----------------------------------------------------------------
    async def create_job(self, spec: JobSpec, training_file: str,
                         validation_file: str | None) -> dict[str, Any]:
        ...

    async def retrieve_job(self, job_id: str) -> dict[str, Any]:
        ...

    def list_jobs(self) -> AsyncIterator[dict[str, Any]]:
        """Every job of the account, newest first where the provider orders them."""
        ...

    async def find_job(self, key: str, token: str, *, model: str,
                       training_file: str | None, since: int) -> dict[str, Any] | None:
        """The job created with metadata key=token (or, where jobs carry no metadata, the
        job on this model and training file created at or after `since`)."""
        ...

    async def events(self, job_id: str, since: str | None) -> list[dict[str, Any]]:
        """Events newer than the event `since` (all when None), newest first."""
        ...

    async def metrics(self, job_id: str) -> list[dict[str, Any]]:
        """Per-step metrics as OpenAI's metrics events' `data` (step, train_loss, …)."""
        ...

    async def checkpoints(self, job_id: str) -> list[dict[str, Any]]:
        ...

    async def result_file(self, job: dict[str, Any]) -> tuple[str, str] | None:
        """(file id, per-step CSV) of a finished job, where the provider writes one."""
        ...

    async def act(self, job_id: str, action: str) -> dict[str, Any]:
        """cancel, pause or resume; the job as it is afterwards."""
        ...

    # -- serving ----------------------------------------------------------------
    async def make_answerable(self, store: Store, job: Job) -> Answerable:
        """Deploy the job's tuned model where that is needed, or say how."""
        ...

    def inference_client(self) -> AsyncOpenAI:
        """An OpenAI-compatible client that calls this provider's (tuned) models."""
        ...

    async def list_models(self) -> list[dict[str, Any]]:
        """Model dicts as GET /v1/models gives them (with `shutdown_date`); [] if none."""
        ...

    async def close(self) -> None:
        ...
