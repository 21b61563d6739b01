"""The Batch API path: sample an eval run through the provider's batches, grade locally.

Sampling through `/v1/batches` costs half the live price and may take up to
24 hours. `BatchEvalRunner` writes one chat-completions request per item that
still needs a sample (custom_id = the item's index), uploads the file, creates
the batch, polls it, downloads the output and then grades every answer
through the ordinary runner, which records each item's result as it would
for a live run.

The batch's state lives in the run's `data_source["batch"]` (the input file,
the batch id, its status and request_counts), written before and after every
provider call, so a process that quits or dies with a batch in flight picks
up polling the same batch when the run is resumed: nothing is uploaded or
sampled twice, and items already recorded are never graded again.

A batch that ends `cancelled` or `expired` leaves the items it never answered
unrecorded; the run ends `canceled` (or `failed`), and resuming it sends those
items in a new batch.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tui.core.evals.context import build_messages
from tui.core.evals.retry import with_retries
from tui.core.evals.runner import EvalRunner, Sampled, chat_sample, sampling_kwargs
from tui.core.evals.summary import item_status
from tui.core.pagination import Pager, cursor_kwargs

ENDPOINT = "/v1/chat/completions"
DISCOUNT = 0.5  # batch requests are billed at half the live price
FINAL = ("completed", "failed", "expired", "cancelled")
ADOPT_WINDOW = 1000  # newest batches searched for one this run created before a crash


def batch_state(run: Any) -> dict[str, Any]:
    return dict((run.data_source or {}).get("batch") or {})


def is_batch_run(run: Any) -> bool:
    return (run.data_source or {}).get("mode") == "batch"


def describe(state: dict[str, Any]) -> str:
    """One line for a batch's progress: status and request_counts."""
    if not state:
        return "batch: not sent yet"
    counts = state.get("request_counts") or {}
    status = state.get("status") or "preparing"
    text = f"batch {status}"
    if counts.get("total"):
        text += (f" · {counts.get('completed', 0)}/{counts['total']} answered"
                 + (f" · {counts['failed']} failed" if counts.get("failed") else ""))
    elif state.get("requests"):
        text += f" · {state['requests']} requests"
    return text


def request_line(index: int, model: str, messages: list[dict[str, Any]],
                 params: dict[str, Any]) -> dict[str, Any]:
    return {"custom_id": str(index), "method": "POST", "url": ENDPOINT,
            "body": {"model": model, "messages": messages, **sampling_kwargs(params, "chat")}}


def parse_output(data: bytes | str) -> dict[str, dict[str, Any]]:
    """custom_id -> the line of a batch output or error file (lines come in any order)."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")
    lines: dict[str, dict[str, Any]] = {}
    for raw in data.splitlines():
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if isinstance(line, dict) and isinstance(line.get("custom_id"), str):
            lines[line["custom_id"]] = line
    return lines


def line_error(line: dict[str, Any]) -> str | None:
    """Why one batch line carries no answer, or None when it does."""
    if line.get("error"):
        error = line["error"]
        return str(error.get("message") or error) if isinstance(error, dict) else str(error)
    response = line.get("response") or {}
    if response.get("status_code") != 200:
        body = response.get("body") or {}
        error = body.get("error") if isinstance(body, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return f"batch request failed ({response.get('status_code')}): {message or body}"
    return None


class BatchEvalRunner(EvalRunner):
    """An EvalRunner whose samples come from one provider batch instead of live calls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = batch_state(self.run_row)
        self.answers: dict[str, dict[str, Any]] = {}
        self.provider_calls: list[str] = []  # what was asked of the provider, in order
        self._wake = asyncio.Event()
        self.progress.batch = dict(self.state)

    # -- control -------------------------------------------------------------
    def cancel(self) -> None:
        """Stop: a batch still running on the provider is cancelled there too."""
        super().cancel()
        self._wake.set()

    async def run(self):
        from store._util import now_iso

        self.store.evals.update_run(self.run_id, status="in_progress", error=None,
                                    started_at=self.run_row.started_at or now_iso())
        if self.client is None:
            return self.finish("failed", "a batch run needs a provider client")
        try:
            if self.state.get("graded"):
                if not self._left():
                    return await super().run()  # all recorded: nothing to send
                self._archive()
            if not self.state.get("id"):
                if not await self._submit():
                    # Nothing needed sampling: items with their own samples are graded as usual.
                    return await super().run()
            await self._poll()
            if self._detached:
                return self.store.evals.run(self.run_id)
            if self._cancelled:
                return self.finish("canceled", "cancelled while the batch was running; "
                                   "resume to collect what it answered")
            if self.state.get("status") == "failed":
                self._save(graded=True)
                return self.finish("failed", self._batch_errors())
            await self._download()
        except asyncio.CancelledError:
            if self._detached:
                return self.store.evals.run(self.run_id)
            return self.finish("canceled")
        except Exception as exc:  # noqa: BLE001 - the run stops, resumable; the error is shown
            from tui.core.errors import explain

            return self.finish("failed", str(explain(exc, model=self.model or "")))
        finished = await super().run()
        done = self.store.evals.done_indexes(self.run_id)
        if all(key.isdigit() and int(key) in done for key in self.answers):
            self._save(graded=True)  # every answer is recorded: a resume sends the rest anew
        return finished

    def finish(self, status: str, error: str | None = None):
        left = self._left()
        if status == "completed" and left:
            how = self.state.get("status") or "stopped"
            status = "canceled" if how in ("cancelled", "cancelling") else "failed"
            error = (f"the batch {how} with {left} item(s) unanswered; "
                     "resume to send them in a new batch")
        return super().finish(status, error)

    def _left(self) -> int:
        total = self.data_source.get("total")
        return max(0, total - self.store.evals.count_results(self.run_id)) if total else 0

    # -- the batch -------------------------------------------------------------
    def _save(self, **changes: Any) -> None:
        self.state.update(changes)
        self.data_source["batch"] = self.state
        self.store.evals.update_run(self.run_id, data_source=self.data_source)
        self.progress.batch = dict(self.state)
        self._notify()

    def _archive(self) -> None:
        """The last batch is fully graded: keep its id in history and start afresh."""
        history = list(self.data_source.get("batches") or [])
        history.append({k: self.state.get(k) for k in ("id", "status", "request_counts")})
        self.data_source["batches"] = history
        self.state = {}
        self._save()

    async def _api(self, what: str, make):
        self.provider_calls.append(what)
        result, _ = await with_retries(make, self.options.policy, on_retry=self._retried)
        return result

    async def _submit(self) -> bool:
        """Write, upload and create the batch for the items that need a sample."""
        if not self.state.get("input_file_id"):
            path, count = self._write_requests()
            if not count:
                path.unlink(missing_ok=True)
                return False
            try:
                uploaded = await self._api("files.create", lambda: self.client.files.create(
                    file=path, purpose="batch", timeout=self.options.timeout_s))
            finally:
                path.unlink(missing_ok=True)
            self._save(input_file_id=uploaded.id, requests=count, status="uploaded")
        batch = await self._adopt()
        if batch is None:
            metadata = {"tunedeck_run": str(self.run_id),
                        "tunedeck_eval": self.eval_row.name[:500]}
            batch = await self._api("batches.create", lambda: self.client.batches.create(
                input_file_id=self.state["input_file_id"], endpoint=ENDPOINT,
                completion_window="24h", metadata=metadata, timeout=self.options.timeout_s))
        self._update(batch)
        return True

    async def _adopt(self):
        """A batch for this input file created before a crash, so it is not created twice.

        The newest ADOPT_WINDOW batches are looked through (one made just before a
        crash is among them); a list the provider will not end fails the run with
        PaginationStopped rather than risk a second batch.
        """

        async def page(cursor: str | None):
            return await self._api("batches.list", lambda: self.client.batches.list(
                **cursor_kwargs(cursor, limit=100), timeout=self.options.timeout_s))

        seen = 0
        async for batch in Pager(page, what="listing batches"):
            if batch.input_file_id == self.state["input_file_id"]:
                return batch
            seen += 1
            if seen >= ADOPT_WINDOW:
                break
        return None

    def _write_requests(self) -> tuple[Path, int]:
        params = self.data_source.get("sampling_params") or {}
        done = self.store.evals.done_indexes(self.run_id)
        fd, name = tempfile.mkstemp(prefix=f"tunedeck-run-{self.run_id}-", suffix=".jsonl")
        count = 0
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for index, row in self._pending(done):
                if row.get("sample") is not None:
                    continue
                try:
                    messages = build_messages(self.data_source.get("input_messages"), row["item"])
                except ValueError as exc:
                    self.store.evals.record_result(
                        self.run_id, index, item=row["item"], status=item_status([], str(exc)),
                        error=str(exc))
                    continue
                line = request_line(index, self.model or "", messages, params)
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
        return Path(name), count

    def _update(self, batch: Any) -> None:
        counts = batch.request_counts
        self._save(
            id=batch.id, status=batch.status, output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
            request_counts={"total": counts.total, "completed": counts.completed,
                            "failed": counts.failed} if counts else None,
            errors=[e.message for e in (batch.errors.data or [])] if batch.errors else None,
        )

    async def _poll(self) -> None:
        batch_id = self.state["id"]
        while True:
            if self._cancelled:
                if not self._detached and self.state.get("status") not in (*FINAL, "cancelling"):
                    await self._cancel_batch(batch_id)
                return
            batch = await self._api("batches.retrieve", lambda: self.client.batches.retrieve(
                batch_id, timeout=self.options.timeout_s))
            self._update(batch)
            if batch.status in FINAL:
                return
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self.options.batch_poll_s)
            except TimeoutError:
                pass

    async def _cancel_batch(self, batch_id: str) -> None:
        import openai

        try:
            batch = await self._api("batches.cancel", lambda: self.client.batches.cancel(
                batch_id, timeout=self.options.timeout_s))
        except openai.ConflictError:  # it finished meanwhile
            return
        self._update(batch)

    async def _download(self) -> None:
        for key in ("output_file_id", "error_file_id"):
            file_id = self.state.get(key)
            if file_id:
                content = await self._api("files.content", lambda f=file_id:
                                          self.client.files.content(
                                              f, timeout=self.options.timeout_s))
                self.answers.update(parse_output(content.content))

    def _batch_errors(self) -> str:
        errors = self.state.get("errors") or []
        return "the batch failed: " + ("; ".join(errors[:3]) or "no reason given")

    # -- sampling: read the batch's answer ------------------------------------------
    async def _sample_item(self, index: int, item: dict[str, Any]) -> Sampled | None:
        from openai.types.chat import ChatCompletion

        line = self.answers.get(str(index))
        if line is None:
            if self.state.get("status") == "completed":
                return Sampled(error="the batch completed without an answer for this item")
            return None  # cancelled or expired before this request ran: a later batch sends it
        error = line_error(line)
        if error:
            return Sampled(error=error)
        messages = build_messages(self.data_source.get("input_messages"), item)
        response = ChatCompletion.model_validate(line["response"]["body"])
        sample = chat_sample(response, messages, self.data_source.get("sampling_params") or {},
                             self.model)
        sample["batch_id"] = self.state.get("id")
        return self._priced(sample, None, discount=DISCOUNT)
