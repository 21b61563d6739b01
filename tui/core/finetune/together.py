"""Together through its official SDK (`together`, the `providers` extra), in OpenAI's shapes.

What maps (docs/providers.md has the table): supervised and DPO jobs (LoRA or full:
options lora, lora_r, lora_alpha…), n_epochs, batch_size, DPO's beta (dpo_beta), the
suffix (40 characters), the seed (random_seed); files by Together's signed upload;
events (Together's, with ids made where it sends none), per-step metrics from
`/metrics` (as OpenAI's metrics events, so the chart draws them), intermediate
checkpoints, cancel. What does not: pause and resume (Together has neither), metadata,
OpenAI's learning_rate_multiplier (Together takes an absolute `learning_rate` option).
The tuned model (`model_output_name`) answers through Together's OpenAI-compatible chat
API once served (serverless for LoRA fine-tunes of supported base models).

Together's lists (files, jobs, events, checkpoints, metrics) are sent whole, in one
answer: its SDK takes no cursor and follows none. Each is still read through
`tui.core.pagination.one_page`, so an item comes once and a list past the item cap
raises PaginationStopped like every other provider's.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.finetune import together_map as shapes
from tui.core.finetune.errors import translated
from tui.core.finetune.port import Answerable, Capabilities, Feature, Progress
from tui.core.finetune.rules import rules_for
from tui.core.finetune.shapes import SeenEvents, metrics_csv
from tui.core.pagination import PaginationStopped, one_page, safe_id

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from store import Store
    from store.records import Job
    from tui.core.config import Profile
    from tui.core.jobs.spec import JobSpec

# Option -> the SDK's keyword for it.
_OPTIONS = {"lora": "lora", "lora_r": "lora_r", "lora_alpha": "lora_alpha",
            "lora_dropout": "lora_dropout", "learning_rate": "learning_rate",
            "warmup_ratio": "warmup_ratio", "packing": "packing",
            "n_checkpoints": "n_checkpoints", "n_evals": "n_evals",
            "train_on_inputs": "train_on_inputs", "max_seq_length": "max_seq_length"}


def _dump(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return obj.model_dump(mode="json", by_alias=True, warnings=False)


class TogetherProvider:
    label = "Together"

    def __init__(self, profile: Profile, client: Any = None, *, max_retries: int = 2,
                 timeout: float = 60.0) -> None:
        from tui.core.providers import api_key, base_url_or_refuse

        self.profile = profile
        self.rules = rules_for("together")
        self.capabilities = self.capabilities_of(profile)
        self.requests = 0
        self._seen = SeenEvents()
        self._max_retries, self._timeout = max_retries, timeout
        self._totals: dict[str, int] = {}
        self._inference: AsyncOpenAI | None = None
        if client is None:
            from together import AsyncTogether

            # The base URL is always given: the SDK reads $TOGETHER_BASE_URL for a None,
            # which would send the key somewhere the profile does not name.
            client = AsyncTogether(api_key=api_key(profile), base_url=base_url_or_refuse(profile),
                                   max_retries=max_retries, timeout=timeout)
        self.sdk = client

    @classmethod
    def capabilities_of(cls, profile: Profile) -> Capabilities:
        return Capabilities(
            methods=("supervised", "dpo"),
            method_notes={"reinforcement": "Together fine-tunes with supervised (LoRA or full) "
                                           "and DPO jobs; its reinforcement learning is a "
                                           "separate training-session API tunedeck does not "
                                           "drive"},
            missing={
                Feature.PAUSE: "Together has no pause: a job can only be cancelled",
                Feature.RESUME: "Together has no pause, so nothing to resume",
                Feature.METADATA: "Together jobs carry no metadata; a loop finds its job by "
                                  "base model and training file instead",
                Feature.MODEL_LIST: "Together's model list gives no retirement dates",
            })

    def _count(self, n: int = 1) -> None:
        self.requests += n

    async def close(self) -> None:
        await self.sdk.close()
        if self._inference is not None:
            await self._inference.close()

    # -- files ----------------------------------------------------------------
    async def file_usable(self, file_id: str) -> bool:
        import openai

        self._count()
        try:
            with translated():
                remote = shapes.file(_dump(await self.sdk.files.retrieve(file_id)))
        except openai.NotFoundError:
            return False
        return remote["status"] == "processed"

    async def find_file(self, filename: str, size: int) -> dict[str, Any] | None:
        try:
            async for remote in self.list_files():
                if remote["filename"] == filename and remote.get("bytes") == size \
                        and remote["status"] == "processed":
                    return remote
        except PaginationStopped:
            return None  # a bounded search: a list cut short counts as not found
        return None

    async def send_file(self, data: bytes, filename: str,
                        progress: Progress | None = None) -> dict[str, Any]:
        from together.lib.types.error import FileTypeError

        def report(event: Any) -> None:
            if progress is not None:
                progress(event.uploaded_bytes, event.total_bytes)

        from tui.core.private_files import write_private

        # The SDK uploads from a path: the file's name (and its .jsonl suffix) is what
        # Together keeps, so it is written under its own name in a private temp folder
        # (0700), as a private file (0600) like every copy of the user's data.
        with tempfile.TemporaryDirectory(prefix="tunedeck-together-") as folder:
            path = Path(folder) / filename
            write_private(path, data)
            self._count(3)  # the upload request, the signed PUT, the preprocess call
            try:
                with translated():
                    remote = await self.sdk.files.upload(file=path, purpose="fine-tune",
                                                         check=True, progress_callback=report)
            except FileTypeError as exc:
                raise RuntimeError(f"Together's own check refused {filename}: {exc}") from None
        return shapes.file(_dump(remote))

    async def _whole(self, call: Any, what: str, **how: Any) -> list[Any]:
        """One of Together's lists, sent whole: one request through the pager's rules."""

        async def fetch() -> Any:
            self._count()
            with translated():
                return await call()

        return await one_page(fetch, what=what, **how)

    async def _each(self, call: Any, what: str) -> AsyncIterator[Any]:
        """The items of a whole list; past the cap, those read are handed out, then the stop."""
        try:
            listed = await self._whole(call, what)
        except PaginationStopped as stop:
            for item in stop.read:
                yield item
            raise
        for item in listed:
            yield item

    async def list_files(self) -> AsyncIterator[dict[str, Any]]:
        async for remote in self._each(self.sdk.files.list, "listing files"):
            yield shapes.file(_dump(remote))

    # -- jobs -----------------------------------------------------------------
    def create_kwargs(self, spec: JobSpec, training_file: str,
                      validation_file: str | None) -> dict[str, Any]:
        hyper = spec.hyperparameters
        kwargs: dict[str, Any] = {
            "training_file": training_file, "model": spec.model,
            "training_method": "dpo" if spec.method == "dpo" else "sft",
        }
        if validation_file:
            kwargs["validation_file"] = validation_file
        if hyper.get("n_epochs") is not None:
            kwargs["n_epochs"] = int(hyper["n_epochs"])
        if hyper.get("batch_size") is not None:
            kwargs["batch_size"] = int(hyper["batch_size"])
        if spec.method == "dpo" and hyper.get("beta") is not None:
            kwargs["dpo_beta"] = float(hyper["beta"])
        if spec.suffix:
            kwargs["suffix"] = spec.suffix
        if spec.seed is not None:
            kwargs["random_seed"] = spec.seed
        for option, value in spec.options.items():
            kwargs[_OPTIONS[option]] = value
        if spec.method != "dpo":
            kwargs.setdefault("train_on_inputs", "auto")  # the SDK warns when it is unset
        elif "train_on_inputs" in kwargs:
            kwargs.pop("train_on_inputs")  # SFT only
        return kwargs

    async def create_job(self, spec: JobSpec, training_file: str,
                         validation_file: str | None) -> dict[str, Any]:
        self._count(3)  # the SDK reads the model's limits and a price estimate first
        with translated():
            remote = await self.sdk.fine_tuning.create(
                **self.create_kwargs(spec, training_file, validation_file))
        return self._job(remote)

    def _job(self, remote: Any) -> dict[str, Any]:
        mapped = shapes.job(_dump(remote))
        if mapped.get("total_steps"):
            self._totals[mapped["id"]] = int(mapped["total_steps"])
        return mapped

    async def retrieve_job(self, job_id: str) -> dict[str, Any]:
        self._count()
        with translated():
            return self._job(await self.sdk.fine_tuning.retrieve(job_id))

    async def list_jobs(self) -> AsyncIterator[dict[str, Any]]:
        async for remote in self._each(self.sdk.fine_tuning.list, "listing jobs"):
            yield self._job(remote)

    async def find_job(self, key: str, token: str, *, model: str,
                       training_file: str | None, since: int) -> dict[str, Any] | None:
        async for remote in self.list_jobs():
            if remote["model"] == model and remote["training_file"] == training_file \
                    and (remote["created_at"] or 0) >= since:
                return remote
        return None

    async def events(self, job_id: str, since: str | None) -> list[dict[str, Any]]:
        name = safe_id(job_id, "a job")
        try:
            listed = await self._whole(lambda: self.sdk.fine_tuning.list_events(job_id),
                                       f"listing the events of {name}")
        except PaginationStopped as stop:
            # Together's events are never cut at a cursor (SeenEvents): storing those
            # read leaves no gap, whatever `since` is.
            stop.read = [shapes.event(job_id, _dump(e)) for e in stop.read]
            raise
        merged = [shapes.event(job_id, _dump(e)) for e in listed]
        try:
            steps = await self.metrics(job_id)
        except PaginationStopped as stop:
            stop.read = merged  # the events themselves were read whole; the metrics were not
            raise
        latest = max((e["created_at"] for e in merged), default=0)
        for data in steps:
            merged.append(shapes.metrics_event(job_id, data, data.pop("_at", latest)))
        # Newest first, as OpenAI lists them; equal times keep Together's order.
        ordered = [e for _, e in sorted(enumerate(merged), key=lambda p: (p[1]["created_at"],
                                                                          p[0]))]
        ordered.reverse()
        return self._seen.new(job_id, ordered, since)

    async def metrics(self, job_id: str) -> list[dict[str, Any]]:
        # Rows carry no id: each is kept (the item cap still holds).
        rows = await self._whole(lambda: self.sdk.fine_tuning.list_metrics(job_id),
                                 f"listing the metrics of {safe_id(job_id, 'a job')}",
                                 items=lambda page: page.metrics, key=lambda row: None)
        out = []
        for row in rows:
            data = shapes.metrics_row(row, self._totals.get(job_id))
            if data is not None:
                if isinstance(row.get("timestamp"), int | float):
                    data["_at"] = int(row["timestamp"])
                out.append(data)
        return out

    async def checkpoints(self, job_id: str) -> list[dict[str, Any]]:
        def mapped(listed: list[Any]) -> list[dict[str, Any]]:
            found = [shapes.checkpoint(job_id, _dump(c)) for c in listed]
            return [c for c in found if c is not None]

        try:
            listed = await self._whole(
                lambda: self.sdk.fine_tuning.list_checkpoints(job_id),
                f"listing the checkpoints of {safe_id(job_id, 'a job')}",
                key=lambda c: getattr(c, "path", None))
        except PaginationStopped as stop:
            stop.read = mapped(stop.read)
            raise
        return mapped(listed)

    async def result_file(self, job: dict[str, Any]) -> tuple[str, str] | None:
        steps = await self.metrics(job["id"])
        for step in steps:
            step.pop("_at", None)
        # Together writes no result file: the per-step CSV is made from its metrics.
        return (f"{job['id']}:metrics", metrics_csv(steps)) if steps else None

    async def act(self, job_id: str, action: str) -> dict[str, Any]:
        if action != "cancel":
            raise ValueError(self.capabilities.why_not(Feature(action)))
        self._count()
        with translated():
            await self.sdk.fine_tuning.cancel(job_id)
        return await self.retrieve_job(job_id)

    # -- serving ----------------------------------------------------------------
    async def make_answerable(self, store: Store, job: Job) -> Answerable:
        from tui.core.finetune.deploy import answers

        model = job.fine_tuned_model or ""
        if not model:
            return Answerable(model="", ready=False,
                              message=f"{job.remote_id} has no fine-tuned model yet")
        self._count()
        with translated():
            ready = await answers(self.inference_client(), model)
        if ready:
            return Answerable(model=model, ready=True, message=f"{model} answers on Together")
        command = f"together endpoints create --model {model} --hardware <hardware-id>"
        return Answerable(model=model, ready=False, command=command,
                          message=f"{model} does not answer yet: its base model has no "
                                  "serverless LoRA on Together; start a dedicated endpoint")

    def inference_client(self) -> AsyncOpenAI:
        if self._inference is None:
            from tui.core.providers import make_client

            self._inference = make_client(self.profile, max_retries=self._max_retries,
                                          timeout=self._timeout)
        return self._inference

    async def list_models(self) -> list[dict[str, Any]]:
        return []
