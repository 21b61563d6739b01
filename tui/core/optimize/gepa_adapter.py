"""GEPA's adapter on tunedeck's eval engine.

`evaluate` runs a candidate on a batch of items as an ordinary eval run (the
eval's graders, the runner's concurrency, retries and resume; every sample and
grade stored), tagged as this optimization's, so the eval's run list stays
clean. A batch already run for the same candidate is reused: a resumed search
resamples nothing it has recorded. Scores are the graders' mean scores (0 for
an item that errored).

`make_reflective_dataset` gives the reflection model each failing item's
input, output, reference and every grader's score and reasoning.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from typing import Any

from gepa.core.adapter import EvaluationBatch

from tui.core.evals.context import grading_context, render
from tui.core.evals.definition import EvalDefinition
from tui.core.evals.runner import create_run
from tui.core.optimize.candidates import (
    CandidateError,
    candidate_hash,
    messages_for,
    task_messages,
    template,
)
from tui.core.optimize.search_pause import run_call
from tui.core.optimize.spend_cap import SpendCap


class SearchFailed(RuntimeError):
    """A batch could not run at all (no key, model unknown): the search cannot go on."""


def references(criteria: list[dict[str, Any]], item: dict[str, Any],
               sample: dict[str, Any] | None) -> list[str]:
    """What the graders compare the answer with: their rendered `reference` templates."""
    context = grading_context(item, sample)
    out = []
    for criterion in criteria:
        if isinstance(criterion.get("reference"), str):
            ref = render(criterion["reference"], context)
            if ref not in out:
                out.append(ref)
    return out


def _feedback(results: list[dict[str, Any]], error: str | None) -> str:
    lines = [f"error: {error}"] if error else []
    for grade in results:
        verdict = "passed" if grade.get("passed") else "failed"
        why = grade.get("error") or grade.get("reasoning") or ""
        lines.append(f"{grade.get('name', '?')} ({grade.get('type', '?')}): score "
                     f"{float(grade.get('score') or 0.0):.2f}, {verdict}"
                     + (f" — {why}" if why else ""))
    return "\n".join(lines) or "no grader result"


class TunedeckAdapter:
    """DataInst: {"index": i, "item": {...}}; output: {"index", "output_text", "status"}."""

    def __init__(self, store: Any, opt_id: int, *, eval_id: int, definition: EvalDefinition,
                 messages: list[dict[str, Any]], sampling_params: dict[str, Any], model: str,
                 profile: str, client: Any, options: Any, loop: asyncio.AbstractEventLoop,
                 cap: SpendCap, pause: Callable[[], bool] | None = None) -> None:
        self.store = store
        self.opt_id = opt_id
        self.eval_id = eval_id
        self.definition = definition
        self.messages = messages
        self.sampling_params = sampling_params
        self.model = model
        self.profile = profile
        self.client = client
        self.options = options
        self.loop = loop
        self.cap = cap
        self.pause = pause
        self.model_calls = 0

    # GEPA reads this attribute to decide whether to use its own proposer.
    propose_new_texts = None

    def _run_for(self, batch: list[dict[str, Any]], candidate: dict[str, str]) -> int:
        chash = candidate_hash(candidate)
        key = ",".join(str(inst["index"]) for inst in batch)
        found = self.store.optimizations.find_run(self.opt_id, chash, key)
        if found is not None:
            return found
        definition = dataclasses.replace(
            self.definition, input_messages=template(messages_for(self.messages, candidate)),
            source={"type": "file_content", "content": [{"item": i["item"]} for i in batch]},
            sampling_params=self.sampling_params)
        run = create_run(self.store, self.eval_id, definition, model=self.model,
                         profile=self.profile, name=f"optimize #{self.opt_id} {chash[:8]}",
                         total=len(batch))
        self.store.optimizations.tag_run(self.opt_id, run.id, candidate_hash=chash,
                                         batch_key=key)
        return run.id

    def _execute(self, run_id: int, n: int) -> None:
        from tui.core.evals.service import execute

        done = self.store.evals.count_results(run_id)
        self.cap.check_items(n - done)
        holder: dict[str, Any] = {}
        try:
            run = run_call(self.pause, self.loop, execute(
                self.store, run_id, client=self.client, options=self.options,
                runner_ref=lambda r: holder.setdefault("runner", r)))
        finally:
            self.model_calls += getattr(holder.get("runner"), "model_calls", 0)
        if run.status == "failed":
            raise SearchFailed(run.error or "the eval run failed")

    def evaluate(self, batch: list[dict[str, Any]], candidate: dict[str, str],
                 capture_traces: bool = False) -> EvaluationBatch:
        try:
            messages_for(self.messages, candidate)
        except CandidateError as exc:
            return self._unusable(batch, str(exc), capture_traces)
        run_id = self._run_for(batch, candidate)
        if self.store.evals.run(run_id).status != "completed":
            self._execute(run_id, len(batch))
        outputs, scores, traces = [], [], []
        recorded = {r.item_index: r for r in self.store.evals.iter_results(run_id)}
        for position, inst in enumerate(batch):
            result = recorded.get(position)
            sample = result.sample if result else None
            text = (sample or {}).get("output_text", "")
            status = result.status if result else "error"
            score = float(result.score or 0.0) if result and status != "error" else 0.0
            outputs.append({"index": inst["index"], "output_text": text, "status": status})
            scores.append(score)
            if capture_traces:
                traces.append({
                    "index": inst["index"], "item": inst["item"], "status": status,
                    "score": score, "output_text": text, "sample": sample,
                    "results": result.results if result else [],
                    "error": result.error if result else "not run"})
        return EvaluationBatch(outputs=outputs, scores=scores,
                               trajectories=traces if capture_traces else None)

    @staticmethod
    def _unusable(batch: list[dict[str, Any]], why: str, capture_traces: bool) -> EvaluationBatch:
        """A proposal the messages cannot be built from (few-shot text that is not pairs):
        every item scores 0, nothing is sent, and the reflection is told why."""
        outputs = [{"index": i["index"], "output_text": "", "status": "error"} for i in batch]
        traces = [{"index": i["index"], "item": i["item"], "status": "error", "score": 0.0,
                   "output_text": "", "sample": None, "results": [], "error": why}
                  for i in batch]
        return EvaluationBatch(outputs=outputs, scores=[0.0] * len(batch),
                               trajectories=traces if capture_traces else None)

    def _input_text(self, item: dict[str, Any], candidate: dict[str, str]) -> str:
        """The task's own messages as the item fills them; not the system prompt or the
        few-shot examples, which the reflection sees as the component it edits."""
        from tui.core.evals.context import build_messages

        try:
            messages = messages_for(self.messages, candidate)
        except CandidateError:
            messages = self.messages
        built = build_messages(template(task_messages(messages)), item)
        return "\n".join(m["content"] for m in built)

    def make_reflective_dataset(self, candidate: dict[str, str], eval_batch: EvaluationBatch,
                                components_to_update: list[str]) -> dict[str, list[dict]]:
        traces = eval_batch.trajectories or []
        failing = [t for t in traces if t["status"] != "pass"] or list(traces)
        records = []
        for trace in failing:
            refs = references(self.definition.testing_criteria, trace["item"], trace["sample"])
            records.append({
                "Inputs": self._input_text(trace["item"], candidate),
                "Generated Outputs": trace["output_text"],
                "Reference": refs[0] if refs else "(the eval gives no reference)",
                "Feedback": _feedback(trace["results"] or [], trace["error"]),
            })
        return {component: records for component in components_to_update}
