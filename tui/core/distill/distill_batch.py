"""A distillation's teacher answers through the provider's Batch API, at half price.

The request lines, the output parsing and the discount are the batch eval
runner's (tui.core.evals.batch). The batch's state (input file, batch id,
status) lives in the run's `batch` column, written before and after every
provider call: a process that dies with a batch in flight polls the same batch
when resumed, one that died between the upload and the create finds the batch
by its input file, and nothing is uploaded or paid twice. Answers are graded
and written like live ones; pairs the batch did not answer stay pending, and a
resume sends them in a new batch.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tui.core.distill.distiller import Distiller, DistillError
from tui.core.evals.batch import DISCOUNT, ENDPOINT, FINAL, line_error, parse_output, request_line
from tui.core.evals.retry import with_retries


def _custom_id(prompt_index: int, k: int) -> str:
    return f"{prompt_index}:{k}"


class BatchSampler:
    def __init__(self, distiller: Distiller, *, poll_s: float | None = None) -> None:
        self.distiller = distiller
        self.teacher = distiller.teacher
        self.client = distiller.teacher.client
        self.options = distiller.teacher.options
        self.poll_s = self.options.batch_poll_s if poll_s is None else poll_s
        self.calls: list[str] = []  # what was asked of the provider, in order

    @property
    def state(self) -> dict[str, Any]:
        return dict(self.distiller.run.batch or {})

    def _save(self, **changes: Any) -> None:
        state = {**self.state, **changes}
        store = self.distiller.store
        store.distills.update(self.distiller.run.id, batch=state)
        self.distiller.run = store.distills.get(self.distiller.run.id)

    async def _api(self, what: str, make):
        self.calls.append(what)
        result, _ = await with_retries(make, self.options.policy)
        return result

    async def sample(self) -> None:
        totals = self.distiller.store.distills.totals(self.distiller.run.id)
        self.distiller.progress.done = totals["sampled"]
        self.distiller.progress.kept = totals["kept"]
        if not self.state.get("id") and not await self._submit():
            return  # nothing pending
        await self._poll()
        answers = await self._download()
        await self._record(answers)
        # The batch is spent: what it left unanswered goes in a new one on resume.
        self._save(input_file_id=None, id=None, done=[*self.state.get("done", []),
                                                     self.state.get("id")])
        if self.distiller.progress.failed_requests:
            raise DistillError(f"{self.distiller.progress.failed_requests} batch requests got no "
                               f"answer ({self.distiller.progress.last_error}); resume "
                               f"distillation {self.distiller.run.id} to send them again")

    def _write_requests(self) -> tuple[Path, int]:
        fd, name = tempfile.mkstemp(prefix=f"tunedeck-distill-{self.distiller.run.id}-",
                                    suffix=".jsonl")
        count = 0
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for prompt, k in self.distiller.pending():
                line = request_line(0, self.teacher.model, prompt.messages, self.teacher.params)
                line["custom_id"] = _custom_id(prompt.index, k)
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                count += 1
        return Path(name), count

    async def _submit(self) -> bool:
        if not self.state.get("input_file_id"):
            path, count = self._write_requests()
            try:
                if not count:
                    return False
                uploaded = await self._api("files.create", lambda: self.client.files.create(
                    file=path, purpose="batch", timeout=self.options.timeout_s))
            finally:
                path.unlink(missing_ok=True)
            self._save(input_file_id=uploaded.id, requests=count, status="uploaded")
        batch = await self._adopt()
        if batch is None:
            batch = await self._api("batches.create", lambda: self.client.batches.create(
                input_file_id=self.state["input_file_id"], endpoint=ENDPOINT,
                completion_window="24h",
                metadata={"tunedeck_distill": str(self.distiller.run.id)},
                timeout=self.options.timeout_s))
        self._update(batch)
        return True

    async def _adopt(self):
        """The batch made from this input file before a crash, if the newest page has it."""
        page = await self._api("batches.list", lambda: self.client.batches.list(
            limit=100, timeout=self.options.timeout_s))
        return next((b for b in page.data if b.input_file_id == self.state["input_file_id"]),
                    None)

    def _update(self, batch: Any) -> None:
        self._save(id=batch.id, status=batch.status, output_file_id=batch.output_file_id,
                   error_file_id=batch.error_file_id)

    async def _poll(self) -> None:
        while True:
            batch = await self._api("batches.retrieve", lambda b=self.state["id"]:
                                    self.client.batches.retrieve(
                                        b, timeout=self.options.timeout_s))
            self._update(batch)
            if batch.status in FINAL:
                return
            await asyncio.sleep(self.poll_s)

    async def _download(self) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = {}
        for key in ("output_file_id", "error_file_id"):
            file_id = self.state.get(key)
            if file_id:
                content = await self._api("files.content", lambda f=file_id:
                                          self.client.files.content(
                                              f, timeout=self.options.timeout_s))
                answers.update(parse_output(content.content))
        return answers

    async def _record(self, answers: dict[str, dict[str, Any]]) -> None:
        from openai.types.chat import ChatCompletion

        progress = self.distiller.progress
        for prompt, k in list(self.distiller.pending()):
            line = answers.get(_custom_id(prompt.index, k))
            error = "the batch ended before this request ran" if line is None else line_error(line)
            if error is not None:
                progress.failed_requests += 1
                progress.last_error = error
                continue
            response = ChatCompletion.model_validate(line["response"]["body"])
            answer = self.teacher.answer_of(response, prompt.messages, discount=DISCOUNT)
            await self.distiller.record(prompt, k, answer)
