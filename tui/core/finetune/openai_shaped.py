"""The adapter for hosts that speak OpenAI's files and fine-tuning API through the openai SDK.

OpenAI itself, the sandbox, the local engine and any `compatible` server use it as is;
Azure v1 and the Bedrock and Nebius presets subclass it for their quirks (azure.py,
hosts.py). Objects are already OpenAI's, so `dump` is the whole mapping.

Every list is read through `tui.core.pagination.Pager` (one page at a time, the cursor
sent by tunedeck), never the SDK's auto-paginator, which follows `has_more` for as
long as a server says it: a list the provider will not end raises PaginationStopped
once what was read has been handed out.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from tui.core.finetune.port import Answerable, Capabilities, Feature, Progress
from tui.core.finetune.rules import ProviderRules, rules_for
from tui.core.finetune.shapes import decode_result, dump
from tui.core.pagination import (
    Limits,
    Pager,
    PaginationStopped,
    cursor_kwargs,
    safe_id,
)

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from store import Store
    from store.records import Job
    from tui.core.config import Profile
    from tui.core.jobs.spec import JobSpec

PURPOSE = "fine-tune"
FILES_API_LIMIT = 512 * 1024 * 1024
PART_SIZE = 64 * 1024 * 1024
MIME = "application/jsonl"
EVENT_PAGE = 100
# While a known job is watched, new events are few: a small first page keeps a quiet poll
# cheap and limits what a resumed watcher sees again (the API pages only towards older
# events, so the page that holds our cursor is re-sent).
# 50 holds the metrics of a fast job's 10 s interval in one page (20 needed a second
# request per poll in bench/jobs_poller.py).
RESUME_PAGE = 50
FIND_WINDOW = 1000  # newest jobs searched for the one a loop launched before a crash
ALL_METHODS = ("supervised", "dpo", "reinforcement")


class OpenAIShaped:
    """A provider reached through the official openai SDK (`make_client` builds its client)."""

    label = "OpenAI"

    def __init__(self, profile: Profile, client: AsyncOpenAI | None = None, *,
                 max_retries: int = 2, timeout: float = 60.0,
                 files_api_limit: int = FILES_API_LIMIT, part_size: int = PART_SIZE) -> None:
        self.profile = profile
        self._client = client
        self._max_retries = max_retries
        self._timeout = timeout
        self.files_api_limit = files_api_limit
        self.part_size = part_size
        self.requests = 0
        self.rules: ProviderRules = rules_for(profile.kind, profile.preset)
        self.capabilities = self.capabilities_of(profile)
        if client is None:
            self._client = self.make_client()  # now: a missing key is said before any work

    @classmethod
    def capabilities_of(cls, profile: Profile) -> Capabilities:
        return Capabilities(methods=ALL_METHODS)

    def make_client(self) -> AsyncOpenAI:
        from tui.core.providers import make_client

        return make_client(self.profile, max_retries=self._max_retries, timeout=self._timeout)

    @property
    def client(self) -> AsyncOpenAI:
        assert self._client is not None
        return self._client

    def _count(self, n: int = 1) -> None:
        self.requests += n

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    # -- files ----------------------------------------------------------------
    async def file_usable(self, file_id: str) -> bool:
        import openai

        self._count()
        try:
            remote = await self.client.files.retrieve(file_id)
        except openai.NotFoundError:
            return False
        return getattr(remote, "status", None) not in ("deleted", "error")

    async def find_file(self, filename: str, size: int, *, pages: int = 2
                        ) -> dict[str, Any] | None:
        """A bounded search of the newest files: a list the provider would not end is as
        good as "not found" here (the upload then goes ahead as if none was kept)."""

        async def page(cursor: str | None) -> Any:
            self._count()
            return await self.client.files.list(
                **cursor_kwargs(cursor, purpose=PURPOSE, order="desc", limit=100))

        try:
            async for remote in Pager(page, what="listing files", limits=Limits(pages=pages)):
                info = dump(remote)
                if info.get("filename") == filename and info.get("bytes") == size \
                        and info.get("status") not in ("error", "deleted"):
                    return info
        except PaginationStopped:
            return None
        return None

    async def send_file(self, data: bytes, filename: str,
                        progress: Progress | None = None) -> dict[str, Any]:
        if len(data) > self.files_api_limit:
            remote = await self._upload_in_parts(data, filename, progress)
        else:
            self._count()
            remote = await self.client.files.create(file=(filename, data, MIME), purpose=PURPOSE)
            if progress is not None:
                progress(len(data), len(data))
        return dump(await self._wait_processed(remote))

    async def _upload_in_parts(self, data: bytes, filename: str,
                               progress: Progress | None) -> Any:
        client = self.client
        self._count()
        upload = await client.uploads.create(bytes=len(data), filename=filename, mime_type=MIME,
                                             purpose=PURPOSE)
        part_ids: list[str] = []
        try:
            for start in range(0, len(data), self.part_size):
                chunk = data[start : start + self.part_size]
                self._count()
                part = await client.uploads.parts.create(upload.id, data=chunk)
                part_ids.append(part.id)
                if progress is not None:
                    progress(start + len(chunk), len(data))
            self._count()
            done = await client.uploads.complete(upload.id, part_ids=part_ids,
                                                 md5=hashlib.md5(data).hexdigest())
        except BaseException:
            # Best effort: free the parts already sent; the original error is what matters.
            try:
                await client.uploads.cancel(upload.id)
            except Exception:  # noqa: BLE001
                pass
            raise
        if done.file is None:
            raise RuntimeError(f"upload {upload.id} completed without a file")
        return done.file

    async def _wait_processed(self, remote: Any, *, timeout: float = 120.0) -> Any:
        """Some providers process a file before a job may use it; wait for that (bounded)."""
        waited, delay = 0.0, 0.5
        while getattr(remote, "status", "processed") in ("uploaded", "pending") \
                and waited < timeout:
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 5.0)
            self._count()
            remote = await self.client.files.retrieve(remote.id)
        return remote

    async def list_files(self) -> AsyncIterator[dict[str, Any]]:
        async def page(cursor: str | None) -> Any:
            self._count()
            return await self.client.files.list(**cursor_kwargs(cursor))

        async for remote in Pager(page, what="listing files"):
            yield dump(remote)

    async def file_text(self, file_id: str) -> str:
        self._count()
        response = await self.client.files.content(file_id)
        return decode_result(response.content)

    # -- jobs -----------------------------------------------------------------
    def create_kwargs(self, spec: JobSpec, training_file: str,
                      validation_file: str | None) -> dict[str, Any]:
        """What `jobs.create` receives; subclasses add or drop their provider's fields."""
        return spec.create_kwargs(training_file, validation_file)

    async def create_job(self, spec: JobSpec, training_file: str,
                         validation_file: str | None) -> dict[str, Any]:
        self._count()
        remote = await self.client.fine_tuning.jobs.create(
            **self.create_kwargs(spec, training_file, validation_file))
        return dump(remote)

    async def retrieve_job(self, job_id: str) -> dict[str, Any]:
        self._count()
        return dump(await self.client.fine_tuning.jobs.retrieve(job_id))

    async def list_jobs(self) -> AsyncIterator[dict[str, Any]]:
        async def page(cursor: str | None) -> Any:
            self._count()
            return await self.client.fine_tuning.jobs.list(**cursor_kwargs(cursor, limit=100))

        async for remote in Pager(page, what="listing jobs"):
            yield dump(remote)

    async def find_job(self, key: str, token: str, *, model: str,
                       training_file: str | None, since: int) -> dict[str, Any] | None:
        """The newest FIND_WINDOW jobs are looked through; a list the provider would not
        end raises PaginationStopped (without a full answer a second job might be
        launched: the caller stops instead)."""

        async def page(cursor: str | None) -> Any:
            # Filtered by metadata where the provider supports it; checked here either way.
            self._count()
            return await self.client.fine_tuning.jobs.list(
                **cursor_kwargs(cursor, limit=100, metadata={key: token}))

        seen = 0
        async for remote in Pager(page, what="listing jobs"):
            data = dump(remote)
            if (data.get("metadata") or {}).get(key) == token:
                return data
            seen += 1
            if seen >= FIND_WINDOW:
                break
        return None

    async def events(self, job_id: str, since: str | None) -> list[dict[str, Any]]:
        """Events newer than `since`, newest first, paged until `since` is reached.

        A provider that will not end the list raises PaginationStopped. Where `since`
        is None its `read` holds the events that arrived (storing them leaves no gap);
        otherwise none is kept, since storing a newer part would skip the events
        between it and `since` for good.
        """

        async def page(cursor: str | None) -> Any:
            first = cursor is None and since is not None
            self._count()
            return await self.client.fine_tuning.jobs.list_events(
                job_id, **cursor_kwargs(cursor, limit=RESUME_PAGE if first else EVENT_PAGE))

        found: list[dict[str, Any]] = []
        try:
            what = f"listing the events of {safe_id(job_id, 'a job')}"
            async for event in Pager(page, what=what):
                if since is not None and event.id == since:
                    return found
                found.append(dump(event))
        except PaginationStopped as stop:
            if since is None:
                stop.read = found
            else:
                stop.kept = "stored none of the new events, so none goes missing"
            raise
        return found

    async def metrics(self, job_id: str) -> list[dict[str, Any]]:
        events = await self.events(job_id, None)
        return [e["data"] for e in reversed(events)
                if e.get("type") == "metrics" and isinstance(e.get("data"), dict)]

    async def checkpoints(self, job_id: str) -> list[dict[str, Any]]:
        """Every checkpoint; PaginationStopped's `read` holds those that arrived (as dicts)."""

        async def page(cursor: str | None) -> Any:
            self._count()
            return await self.client.fine_tuning.jobs.checkpoints.list(
                job_id, **cursor_kwargs(cursor, limit=100))

        pager = Pager(page, what=f"listing the checkpoints of {safe_id(job_id, 'a job')}")
        try:
            return [dump(c) for c in await pager.collect()]
        except PaginationStopped as stop:
            stop.read = [dump(c) for c in stop.read]
            raise

    async def result_file(self, job: dict[str, Any]) -> tuple[str, str] | None:
        files = [f for f in (job.get("result_files") or []) if isinstance(f, str)]
        if not files:
            return None
        return files[0], await self.file_text(files[0])

    async def act(self, job_id: str, action: str) -> dict[str, Any]:
        self._count()
        method = getattr(self.client.fine_tuning.jobs, action)
        return dump(await method(job_id))

    # -- serving ----------------------------------------------------------------
    async def make_answerable(self, store: Store, job: Job) -> Answerable:
        model = job.fine_tuned_model or ""
        return Answerable(model=model, ready=bool(model),
                          message=f"{model} answers by its name" if model
                          else f"{job.remote_id} has no fine-tuned model yet ({job.status})")

    def inference_client(self) -> AsyncOpenAI:
        return self.client

    async def list_models(self) -> list[dict[str, Any]]:
        if not self.capabilities.can(Feature.MODEL_LIST):
            return []
        from tui.core.served_models import served_models

        return await served_models(self.client, self._count)
