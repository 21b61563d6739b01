"""Fireworks through its official SDK (`fireworks-ai`, the `providers` extra), in OpenAI's
shapes. The profile names its `account`; files are datasets of that account.

What maps: supervised jobs (supervisedFineTuningJobs) and DPO jobs (dpoJobs, beta),
n_epochs (epochs), batch_size (batchSizeSamples), the suffix (the output model's id),
options learning_rate, lora_rank, max_context_length, warmup_steps, early_stop; cancel
and resume. Events are made from the job's state and progress (Fireworks lists none);
per-step metrics come from the job's metrics file. What does not: checkpoints (only the
final model is kept), pause, metadata and the seed. A loop still finds its own job
after a crash: the job's id is chosen from the loop's token. A tuned model answers once
loaded onto a deployment of its base model (the profile's `deployment`), called through
Fireworks' OpenAI-compatible inference API.

Fireworks' lists (datasets, supervised and DPO jobs, loaded LoRAs) page Google's way
(`pageToken` -> `nextPageToken`). They are read one page at a time through
`tui.core.pagination.Pager` (`token_pages`), never the SDK's auto-paginator, which
follows a token for as long as the server sends one: a repeated page, a token that
does not move and the page and item caps end a list as they do OpenAI's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from tui.core.finetune import fireworks_map as shapes
from tui.core.finetune.errors import translated
from tui.core.finetune.port import Answerable, Capabilities, Feature, Progress
from tui.core.finetune.rules import rules_for
from tui.core.finetune.shapes import SeenEvents, metrics_csv
from tui.core.pagination import Pager, PaginationStopped, token_pages

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from store import Store
    from store.records import Job
    from tui.core.config import Profile
    from tui.core.jobs.spec import JobSpec

SINGLE_UPLOAD = 150 * 1024 * 1024  # datasets.upload takes files up to 150 MB
READY_WAIT_S = 120.0
PAGE_SIZE = 200  # the most a Fireworks list page holds (larger values are coerced to it)


def _dump(obj: Any) -> dict[str, Any]:
    if isinstance(obj, dict):
        return obj
    return obj.model_dump(mode="json", warnings=False)


class FireworksProvider:
    label = "Fireworks"

    def __init__(self, profile: Profile, client: Any = None, *, max_retries: int = 2,
                 timeout: float = 60.0, page_size: int = PAGE_SIZE) -> None:
        from tui.core.providers import MissingSettingError, api_key, base_url_or_refuse

        if not profile.account:
            raise MissingSettingError(f"profile {profile.name!r} (fireworks) needs account = "
                                      "\"YOUR-ACCOUNT-ID\": datasets and jobs live in it")
        self.profile = profile
        self.account = profile.account
        self.rules = rules_for("fireworks")
        self.capabilities = self.capabilities_of(profile)
        self.requests = 0
        self._seen = SeenEvents()
        self._max_retries, self._timeout = max_retries, timeout
        self._inference: AsyncOpenAI | None = None
        self._metric_urls: dict[str, str] = {}
        self.page_size = page_size
        if client is None:
            from fireworks import AsyncFireworks

            # The base URL is always given: the SDK reads $FIREWORKS_BASE_URL for a None,
            # which would send the key somewhere the profile does not name.
            client = AsyncFireworks(api_key=api_key(profile), account_id=profile.account,
                                    base_url=base_url_or_refuse(profile),
                                    max_retries=max_retries, timeout=timeout)
        self.sdk = client

    @classmethod
    def capabilities_of(cls, profile: Profile) -> Capabilities:
        serve = (f"loaded onto deployment {profile.deployment} when asked" if profile.deployment
                 else "loaded onto a deployment of its base model first (name it as "
                 "`deployment` in the profile for tunedeck to load it)")
        return Capabilities(
            methods=("supervised", "dpo"),
            method_notes={"reinforcement": "Fireworks' reinforcement fine-tuning grades with "
                                           "an evaluator it hosts; tunedeck's graders do not "
                                           "map onto one"},
            missing={
                Feature.EVENTS: "Fireworks lists no job events: tunedeck records the job's "
                                "states and progress as it sees them",
                Feature.CHECKPOINTS: "Fireworks keeps no intermediate checkpoints to call: "
                                     "only the final model",
                Feature.PAUSE: "Fireworks has no pause (it resumes jobs it paused itself)",
                Feature.METADATA: "Fireworks jobs carry no metadata; tunedeck picks a loop's "
                                  "job id instead",
                Feature.SEED: "Fireworks takes no seed",
                Feature.SERVES_AT_ONCE: f"a Fireworks LoRA answers once {serve}",
                Feature.MODEL_LIST: "Fireworks' model list gives no retirement dates",
            })

    def _count(self, n: int = 1) -> None:
        self.requests += n

    async def close(self) -> None:
        await self.sdk.close()
        if self._inference is not None:
            await self._inference.close()

    def _short(self, name: str) -> str:
        return name.rsplit("/", 1)[-1]

    # -- files: datasets ------------------------------------------------------------
    async def _dataset(self, dataset_id: str) -> dict[str, Any] | None:
        import openai

        self._count()
        try:
            with translated():
                return _dump(await self.sdk.datasets.get(dataset_id))
        except openai.NotFoundError:
            return None

    async def file_usable(self, file_id: str) -> bool:
        found = await self._dataset(self._short(file_id))
        return found is not None and shapes.file(found)["status"] == "processed"

    async def find_file(self, filename: str, size: int) -> dict[str, Any] | None:
        found = await self._dataset(shapes.dataset_id(filename))
        if found is None:
            return None
        mapped = shapes.file(found, size)
        return mapped if mapped["status"] == "processed" and mapped["filename"] == filename \
            else None

    async def send_file(self, data: bytes, filename: str,
                        progress: Progress | None = None) -> dict[str, Any]:
        dataset_id = shapes.dataset_id(filename)
        examples = sum(1 for line in data.splitlines() if line.strip())
        self._count()
        with translated():
            await self.sdk.datasets.create(dataset_id=dataset_id, dataset={
                "display_name": filename, "example_count": str(examples), "user_uploaded": {}})
            if len(data) <= SINGLE_UPLOAD:
                self._count()
                await self.sdk.datasets.upload(dataset_id, file=(filename, data))
            else:
                await self._upload_signed(dataset_id, filename, data)
        if progress is not None:
            progress(len(data), len(data))
        return shapes.file(await self._wait_ready(dataset_id), len(data))

    async def _upload_signed(self, dataset_id: str, filename: str, data: bytes) -> None:
        import httpx2

        self._count()
        endpoint = await self.sdk.datasets.get_upload_endpoint(
            dataset_id, filename_to_size={filename: str(len(data))})
        url = (endpoint.filename_to_signed_urls or {}).get(filename)
        if not url:
            raise RuntimeError(f"Fireworks gave no upload URL for {filename}")
        # A plain client: a signed URL must never receive the API key.
        async with httpx2.AsyncClient(timeout=600.0) as http:
            self._count()
            response = await http.put(url, content=data, headers={
                "Content-Type": "application/octet-stream",
                "X-Goog-Content-Length-Range": f"{len(data)},{len(data)}"})
            response.raise_for_status()
        self._count()
        await self.sdk.datasets.validate_upload(dataset_id, body={})

    async def _wait_ready(self, dataset_id: str) -> dict[str, Any]:
        waited, delay = 0.0, 0.25
        while True:
            found = await self._dataset(dataset_id)
            if found is None:
                raise RuntimeError(f"Fireworks lost dataset {dataset_id} right after upload")
            if found.get("state") == "READY" or waited >= READY_WAIT_S:
                return found
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 5.0)

    def _pages(self, resource: Any, field: str, what: str) -> Pager:
        """One of Fireworks' lists, a page at a time (`field`: the SDK's name for its items)."""

        async def page(cursor: str | None) -> Any:
            token = {"page_token": cursor} if cursor else {}
            self._count()
            with translated():
                return await resource.list(page_size=self.page_size, **token)

        return Pager(page, what=what, shape=token_pages(field))

    async def list_files(self) -> AsyncIterator[dict[str, Any]]:
        async for remote in self._pages(self.sdk.datasets, "datasets", "listing datasets"):
            yield shapes.file(_dump(remote))

    # -- jobs -----------------------------------------------------------------
    def _resource(self, kind: str) -> Any:
        return self.sdk.supervised_fine_tuning_jobs if kind == "supervised" else self.sdk.dpo_jobs

    def create_kwargs(self, spec: JobSpec, training_file: str,
                      validation_file: str | None) -> dict[str, Any]:
        from tui.core.jobs.spec import LOOP_METADATA_KEY

        hyper, options = spec.hyperparameters, spec.options
        config: dict[str, Any] = {"base_model": spec.model}
        if hyper.get("n_epochs") is not None:
            config["epochs"] = int(hyper["n_epochs"])
        if hyper.get("batch_size") is not None:
            config["batch_size_samples"] = int(hyper["batch_size"])
        for option, key in (("learning_rate", "learning_rate"), ("lora_rank", "lora_rank"),
                            ("max_context_length", "max_context_length"),
                            ("warmup_steps", "learning_rate_warmup_steps")):
            if option in options:
                config[key] = options[option]
        if spec.suffix:
            config["output_model"] = spec.suffix
        kwargs: dict[str, Any] = {"dataset": training_file}
        token = spec.metadata.get(LOOP_METADATA_KEY)
        if spec.method == "dpo":
            kwargs["training_config"] = config
            if hyper.get("beta") is not None:
                kwargs["loss_config"] = {"method": "DPO", "dpo": {"beta": float(hyper["beta"])}}
            if token:
                kwargs["dpo_job_id"] = _job_id(token)
        else:
            kwargs.update(config)
            if validation_file:
                kwargs["evaluation_dataset"] = validation_file
            if "early_stop" in options:
                kwargs["early_stop"] = options["early_stop"]
            if token:
                kwargs["supervised_fine_tuning_job_id"] = _job_id(token)
        if spec.suffix:
            kwargs["display_name"] = spec.suffix
        return kwargs

    async def create_job(self, spec: JobSpec, training_file: str,
                         validation_file: str | None) -> dict[str, Any]:
        kind = "dpo" if spec.method == "dpo" else "supervised"
        self._count()
        with translated():
            remote = await self._resource(kind).create(
                **self.create_kwargs(spec, training_file, validation_file))
        return shapes.job(_dump(remote), kind)

    async def retrieve_job(self, job_id: str) -> dict[str, Any]:
        _, resource, short = shapes.parse_name(job_id)
        kind = shapes.KINDS[resource]
        self._count()
        with translated():
            remote = await self._resource(kind).get(short)
        return shapes.job(_dump(remote), kind)

    async def list_jobs(self) -> AsyncIterator[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        stop: PaginationStopped | None = None
        try:
            for kind, field in (("supervised", "supervised_fine_tuning_jobs"),
                                ("dpo", "dpo_jobs")):
                async for remote in self._pages(self._resource(kind), field,
                                                f"listing {kind} jobs"):
                    found.append(shapes.job(_dump(remote), kind))
        except PaginationStopped as exc:
            stop = exc  # what was read is still handed out first, as every list does
        for remote in sorted(found, key=lambda j: j["created_at"] or 0, reverse=True):
            yield remote
        if stop is not None:
            raise stop

    async def find_job(self, key: str, token: str, *, model: str,
                       training_file: str | None, since: int) -> dict[str, Any] | None:
        import openai

        for resource in ("supervisedFineTuningJobs", "dpoJobs"):
            try:
                return await self.retrieve_job(
                    f"accounts/{self.account}/{resource}/{_job_id(token)}")
            except openai.NotFoundError:
                continue
        return None

    async def events(self, job_id: str, since: str | None) -> list[dict[str, Any]]:
        remote = await self.retrieve_job(job_id)
        made = shapes.events(remote)
        at = remote.get("finished_at") or max(e["created_at"] for e in made)
        steps = await self._metrics(remote)
        made[-1:-1] = [shapes.metrics_event(job_id, data, at) for data in steps]
        ordered = list(reversed(made))  # newest first, as OpenAI lists them
        return self._seen.new(job_id, ordered, since)

    async def _metrics(self, remote: dict[str, Any]) -> list[dict[str, Any]]:
        import httpx2
        import orjson

        url = remote.get("metrics_file") or self._metric_urls.get(remote["id"])
        if url is None and remote["method"]["type"] == "dpo":
            _, _, short = shapes.parse_name(remote["id"])
            self._count()
            with translated():
                endpoint = await self.sdk.dpo_jobs.get_metrics_file_endpoint(short)
            url = endpoint.signed_url
        if not url:
            return []
        self._metric_urls[remote["id"]] = url
        self._count()
        async with httpx2.AsyncClient(timeout=60.0) as http:  # a signed URL: no API key
            response = await http.get(url)
        if response.status_code != 200:
            return []
        rows = []
        for line in response.content.splitlines():
            try:
                parsed = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            data = shapes.metrics_row(parsed) if isinstance(parsed, dict) else None
            if data is not None:
                rows.append(data)
        return rows

    async def metrics(self, job_id: str) -> list[dict[str, Any]]:
        return await self._metrics(await self.retrieve_job(job_id))

    async def checkpoints(self, job_id: str) -> list[dict[str, Any]]:
        return []

    async def result_file(self, job: dict[str, Any]) -> tuple[str, str] | None:
        steps = await self._metrics(job)
        # Fireworks writes no result CSV: the per-step CSV is made from its metrics file.
        return (f"{job['id']}:metrics", metrics_csv(steps)) if steps else None

    async def act(self, job_id: str, action: str) -> dict[str, Any]:
        if action == "pause":
            raise ValueError(self.capabilities.why_not(Feature.PAUSE))
        _, resource, short = shapes.parse_name(job_id)
        self._count()
        with translated():
            await getattr(self._resource(shapes.KINDS[resource]), action)(short, body={})
        return await self.retrieve_job(job_id)

    # -- serving ----------------------------------------------------------------
    async def make_answerable(self, store: Store, job: Job) -> Answerable:
        model = job.fine_tuned_model or ""
        if not model:
            return Answerable(model="", ready=False,
                              message=f"{job.remote_id} has no fine-tuned model yet")
        loaded = [d async for d in self._pages(self.sdk.lora, "deployed_models",
                                               "listing loaded models")]
        for deployed in loaded:
            if deployed.model == model and deployed.state == "DEPLOYED":
                store.deployments.record(self.profile.name, model, deployed.deployment or "",
                                         "succeeded", {"deployed_model": deployed.name})
                return Answerable(model=model, ready=True, deployment=deployed.deployment,
                                  message=f"{model} answers on {deployed.deployment}")
        deployment = self.profile.deployment
        if not deployment:
            command = f"firectl load-lora {model} --deployment <deployment-id>"
            return Answerable(model=model, ready=False, command=command,
                              message=f"{model} answers once loaded onto a deployment of "
                                      f"{job.model} with addons enabled; name it as "
                                      "`deployment` in the profile, or load it by hand")
        if not deployment.startswith("accounts/"):
            deployment = f"accounts/{self.account}/deployments/{deployment}"
        import openai

        self._count()
        try:
            with translated():
                deployed = await self.sdk.lora.load(model=model, deployment=deployment)
        except openai.NotFoundError:
            short = deployment.rsplit("/", 1)[-1]
            return Answerable(model=model, ready=False, deployment=deployment,
                              command=f"firectl create deployment {job.model} --enable-addons "
                                      f"--deployment-id {short}",
                              message=f"Fireworks has no deployment {deployment} to load "
                                      f"{model} onto: create it (a deployment of {job.model} "
                                      "with addons enabled), then try again")
        ready = deployed.state == "DEPLOYED"
        store.deployments.record(self.profile.name, model, deployment,
                                 "succeeded" if ready else "creating",
                                 {"deployed_model": deployed.name})
        return Answerable(model=model, ready=ready, deployment=deployment,
                          message=f"Loaded {model} onto {deployment}" if ready
                          else f"{model} is being loaded onto {deployment} ({deployed.state})")

    def inference_client(self) -> AsyncOpenAI:
        if self._inference is None:
            from tui.core.providers import make_client

            self._inference = make_client(self.profile, max_retries=self._max_retries,
                                          timeout=self._timeout)
        return self._inference

    async def list_models(self) -> list[dict[str, Any]]:
        return []


def _job_id(token: str) -> str:
    """The job id a loop's token picks: found again after a crash, never launched twice."""
    return f"tunedeck-{token.lower()[:20]}"
