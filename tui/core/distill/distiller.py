"""A distillation run: start it, sample the teacher (resumably), write the SFT version.

Every (prompt, sample) pair the teacher answers is graded (when a filter eval
is named) and written to the store at once; `sample` asks only for pairs with
no row, so a run killed mid-sampling resumes without paying twice for what it
already has. A pair whose request failed is not written and is asked again on
resume. `finish` turns the kept answers into SFT lines, drops duplicates (the
same prompt with the same answer, from k samples or from repeated prompts) and
writes them as a new version of the target dataset.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from store.distills import DistillRun
from tui.core.distill.distill_prompts import Prompt, prompts_of
from tui.core.distill.teacher import Teacher
from tui.core.evals.retry import FatalProviderError


class DistillError(ValueError):
    """The distillation cannot start or finish; the message says why."""


@dataclass
class DistillProgress:
    total: int  # pairs: prompts x samples
    done: int = 0
    kept: int = 0
    failed_requests: int = 0
    last_error: str | None = None


def start(store: Any, *, into: str, teacher: str, teacher_profile: str,
          from_version_id: int | None = None, from_eval_id: int | None = None,
          samples: int = 1, filter_eval_id: int | None = None, min_score: float | None = None,
          params: dict[str, Any] | None = None) -> DistillRun:
    if (from_version_id is None) == (from_eval_id is None):
        raise DistillError("give exactly one source: a dataset version or an eval")
    if not into.strip():
        raise DistillError("name the dataset the distilled version goes into")
    if samples < 1:
        raise DistillError("samples per prompt is at least 1")
    if min_score is not None and filter_eval_id is None:
        raise DistillError("a minimum score needs an eval whose graders give it")
    if filter_eval_id is not None and not store.evals.get(filter_eval_id).testing_criteria:
        raise DistillError("the filter eval has no graders to keep answers by")
    # An eval's prompts come from its input_messages, i.e. its prompt version (if it has one).
    prompt_version = (store.evals.get(from_eval_id).prompt_version_id
                      if from_eval_id is not None else None)
    run = store.distills.create(
        into_name=into.strip(), source_kind="dataset" if from_version_id else "eval",
        source_version_id=from_version_id, source_eval_id=from_eval_id,
        prompt_version_id=prompt_version, teacher=teacher, teacher_profile=teacher_profile,
        samples=samples, filter_eval_id=filter_eval_id, min_score=min_score, params=params)
    n = sum(1 for _ in prompts_of(store, run))
    if n == 0:
        store.distills.update(run.id, status="failed", n_prompts=0,
                              error="the source has no prompt with a user turn")
        raise DistillError("the source has no prompt with a user turn to ask the teacher")
    store.distills.update(run.id, n_prompts=n)
    return store.distills.get(run.id)


class Distiller:
    def __init__(self, store: Any, run_id: int, teacher: Teacher, *,
                 on_progress: Callable[[DistillProgress], None] | None = None) -> None:
        self.store = store
        self.run = store.distills.get(run_id)
        if self.run.status in ("done", "failed"):
            raise DistillError(f"distillation {run_id} is already {self.run.status}")
        self.teacher = teacher
        self.on_progress = on_progress
        self.criteria = (store.evals.get(self.run.filter_eval_id).testing_criteria or []
                         if self.run.filter_eval_id is not None else [])
        self.progress = DistillProgress(total=(self.run.n_prompts or 0) * self.run.samples)
        self._fatal: str | None = None

    def pending(self, limit_prompts: int | None = None) -> Iterator[tuple[Prompt, int]]:
        done = self.store.distills.done_pairs(self.run.id)
        for n, prompt in enumerate(prompts_of(self.store, self.run)):
            if limit_prompts is not None and n >= limit_prompts:
                return
            for k in range(self.run.samples):
                if (prompt.index, k) not in done:
                    yield prompt, k

    async def sample(self, limit_prompts: int | None = None) -> DistillProgress:
        """Answer every pending pair (of the first `limit_prompts` prompts, for a probe)."""
        totals = self.store.distills.totals(self.run.id)
        self.progress.done, self.progress.kept = totals["sampled"], totals["kept"]
        pending = self.pending(limit_prompts)

        async def worker() -> None:
            while self._fatal is None:
                try:
                    prompt, k = next(pending)
                except StopIteration:
                    return
                await self._one(prompt, k)

        concurrency = max(1, self.teacher.options.concurrency)
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        if self._fatal is not None:
            # Still resumable: a bad key or a model name is fixed in the profile, not here.
            self.store.distills.update(self.run.id, error=self._fatal)
            raise DistillError(f"{self._fatal}; fix it, then resume distillation {self.run.id}")
        return self.progress

    async def _one(self, prompt: Prompt, k: int) -> None:
        try:
            answer = await self.teacher.ask(prompt.messages)
        except FatalProviderError as exc:
            self._fatal = f"the teacher cannot be asked: {exc}"
            return
        except Exception as exc:  # noqa: BLE001 - this pair stays pending for a resume
            self.progress.failed_requests += 1
            self.progress.last_error = f"{type(exc).__name__}: {exc}"
            return
        await self.record(prompt, k, answer)

    async def record(self, prompt: Prompt, k: int, answer: Any) -> None:
        """Grade one paid answer (when a filter eval is named) and write it at once."""
        status, score, cost = "kept", None, answer.cost
        if self.criteria:
            verdict, score, grader_cost = await self.teacher.grade(
                self.criteria, prompt.item, answer.sample)
            if grader_cost:  # a model grader's calls are part of what distilling cost
                cost = (cost or 0.0) + grader_cost
            if verdict == "error":
                status = "error"
            elif self.run.min_score is None:
                status = "kept" if verdict == "pass" else "dropped"
            else:
                status = "kept" if score is not None and score >= self.run.min_score else "dropped"
        self.store.distills.add_sample(
            self.run.id, prompt.index, k, status=status, messages=prompt.messages,
            answer=answer.text, score=score, input_tokens=answer.input_tokens,
            output_tokens=answer.output_tokens, cost_usd=cost)
        self.progress.done += 1
        self.progress.kept += status == "kept"
        if self.on_progress is not None:
            self.on_progress(self.progress)

    def finish(self) -> DistillRun:
        """Write the kept answers as a new SFT version; the run records what it made."""
        from tui.core.dataset_versions import write_version

        extras = {p.index: p.extra for p in prompts_of(self.store, self.run)}
        totals = self.store.distills.totals(self.run.id)
        expected = (self.run.n_prompts or 0) * self.run.samples
        if totals["sampled"] < expected:
            raise DistillError(f"{expected - totals['sampled']} of {expected} answers are still "
                               f"missing; resume distillation {self.run.id} to ask for them")
        lines: list[str] = []
        seen: set[str] = set()
        for row in self.store.distills.samples(self.run.id):
            if row["status"] != "kept":
                continue
            line = json.dumps({"messages": [*row["messages"],
                                            {"role": "assistant", "content": row["answer"]}],
                               **extras.get(row["prompt_index"], {})}, ensure_ascii=False)
            if line not in seen:
                seen.add(line)
                lines.append(line)
        if not lines:
            error = "no teacher answer was kept, so there is nothing to train on"
            self.store.distills.update(self.run.id, status="failed", error=error,
                                       sampled=totals["sampled"], kept=0,
                                       cost_usd=totals["cost_usd"])
            raise DistillError(error)
        parent = self.run.source_version_id if self.run.source_kind == "dataset" else None
        version = write_version(self.store, self.run.into_name, lines, parent_version_id=parent,
                                note=f"distilled from {self.run.teacher} "
                                     f"(distillation {self.run.id})")
        self.store.distills.update(self.run.id, status="done", output_version_id=version.id,
                                   sampled=totals["sampled"], kept=totals["kept"],
                                   cost_usd=totals["cost_usd"], error=None)
        self.run = self.store.distills.get(self.run.id)
        return self.run

    async def run_all(self, sampler: Any = None) -> DistillRun:
        """Sample what is pending (live, or through `sampler`, e.g. a BatchSampler), finish."""
        if sampler is not None:
            await sampler.sample()
        else:
            await self.sample()
        if self.progress.failed_requests:
            raise DistillError(
                f"{self.progress.failed_requests} teacher requests failed "
                f"({self.progress.last_error}); resume distillation {self.run.id} to retry them")
        return self.finish()
