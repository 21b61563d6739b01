"""The eval runner: bounded concurrency, retries, results stored as they finish, resume.

`create_run` snapshots what a run needs (model, input_messages, sampling
params, where the items live) into the run's `data_source`, so `EvalRunner`
can start it, or resume it after a quit or a crash, from the store alone.
Resume skips every item already recorded, so no recorded item is sampled or
graded twice; items that were in flight when the process died had no result
yet and are run once more.

Concurrency is C worker tasks pulling from one lazy item iterator: at most C
items (and so at most C sampling calls) are in flight, and memory holds C
items, not the data set.

Results are written in batches, bounded by count and by time: while model
calls are in flight, what finishes within FLUSH_S of the first unwritten
result is written in one transaction (FLUSH_MAX at once at most, written as
soon as there are that many); with none in flight, on the next turn of the
loop. Then they are counted and announced (`on_result`, `on_progress`); a
cancel, a quit and the run's end write what is queued. At C=128 a transaction
each turn of the loop (~9 items) still cost more than the items' grading
(issue 19). An item counts as recorded once written: a crash between finishing
and writing (FLUSH_S at most) runs it again, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from store._util import now_iso
from tui.core.evals import graders
from tui.core.evals.context import build_messages, normalize_sample
from tui.core.evals.definition import EvalDefinition
from tui.core.evals.fastchat import chat_sample_json
from tui.core.evals.items import iter_source
from tui.core.evals.retry import FatalProviderError, RetryPolicy, with_retries
from tui.core.evals.summary import RunTotals, item_score, item_status, summarize
from tui.core.inference_prices import cost_at, estimate_cost, price_per_1m

CHAT_PARAMS = ("temperature", "top_p", "seed", "max_completion_tokens", "reasoning_effort",
               "response_format")
FLUSH_MAX = 256  # results written in one transaction at most
FLUSH_S = 0.05  # the longest a finished result waits for its write (and its announcement)


@dataclass
class Progress:
    run_id: int
    total: int | None
    done: int = 0
    passed: int = 0
    failed: int = 0
    errored: int = 0
    retries: int = 0
    done_this_session: int = 0
    elapsed_s: float = 0.0
    status: str = "in_progress"
    batch: dict[str, Any] | None = None  # a batch run: its status and request_counts

    @property
    def pass_rate(self) -> float:
        return self.passed / self.done if self.done else 0.0

    @property
    def rate(self) -> float:
        return self.done_this_session / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        if self.total is None or not self.rate:
            return None
        return max(0, self.total - self.done) / self.rate


@dataclass
class Sampled:
    """One item's sample (or why there is none), with what it cost."""

    sample: dict[str, Any] | None = None
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    cost: float | None = None


@dataclass
class RunnerOptions:
    concurrency: int = 8
    timeout_s: float = 60.0
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    api: str = "chat"
    extra_headers: dict[str, str] | None = None  # e.g. sandbox fault injection in tests
    input_prices: dict[str, float] | None = None
    output_prices: dict[str, float] | None = None
    batch_poll_s: float = 10.0  # how often a batch run asks the provider for its batch
    # Python graders without the OS jail, where the kernel offers none: only on the user's say.
    allow_unsandboxed_graders: bool = False


def create_run(store: Any, eval_id: int, definition: EvalDefinition, *, model: str | None,
               profile: str | None = None, name: str = "", total: int | None = None,
               batch: bool = False):
    data_source = definition.data_source(model)
    data_source["testing_criteria"] = definition.testing_criteria
    if batch:
        if not model:
            raise ValueError("a batch run needs a model to sample")
        data_source["mode"] = "batch"
    if total is not None:
        data_source["total"] = total
    # The run keeps the prompt version it was made with (lineage), whatever the
    # eval's prompt becomes later.
    return store.evals.create_run(eval_id, model=model, name=name or (model or "samples"),
                                  profile=profile, data_source=data_source,
                                  prompt_version_id=store.evals.get(eval_id).prompt_version_id)


def sampling_kwargs(params: dict[str, Any], api: str) -> dict[str, Any]:
    params = dict(params or {})
    if "max_tokens" in params:
        params.setdefault("max_completion_tokens", params.pop("max_tokens"))
    kwargs = {k: v for k, v in params.items() if k in CHAT_PARAMS and v is not None}
    if api == "responses":
        out = {k: kwargs[k] for k in ("temperature", "top_p") if k in kwargs}
        if "max_completion_tokens" in kwargs:
            out["max_output_tokens"] = kwargs["max_completion_tokens"]
        if "reasoning_effort" in kwargs:
            out["reasoning"] = {"effort": kwargs["reasoning_effort"]}
        return out
    return kwargs


class EvalRunner:
    def __init__(self, store: Any, run_id: int, *, client: Any = None,
                 options: RunnerOptions | None = None,
                 on_progress: Callable[[Progress], None] | None = None,
                 on_result: Callable[[int, str], None] | None = None) -> None:
        self.store = store
        self.run_id = run_id
        self.client = client
        self.options = options or RunnerOptions()
        self.on_progress = on_progress
        self.on_result = on_result
        self.run_row = store.evals.run(run_id)
        self.data_source = self.run_row.data_source or {}
        self.eval_row = store.evals.get(self.run_row.eval_id)
        self.criteria = self.data_source.get("testing_criteria") or self.eval_row.testing_criteria
        self.model = self.run_row.model
        self.progress = Progress(run_id=run_id, total=self.data_source.get("total"))
        self.in_flight = 0
        self.peak_in_flight = 0
        self.model_calls = 0
        self._cancelled = False
        self._detached = False
        self._fatal: str | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._started = 0.0
        self._unwritten: list[dict[str, Any]] = []  # finished items waiting for their write
        self._flush_handle: asyncio.Handle | None = None
        self._write_error: BaseException | None = None
        self._fast: Any = None  # fastchat.FastChat while a run samples through it
        # The run's model's prices, looked up once: the prefix search over the price table
        # and the overrides for every answer cost ~2% of the runner's CPU at C=128.
        self._prices = price_per_1m(self.model or "", input_overrides=self.options.input_prices,
                                    output_overrides=self.options.output_prices)
        # The run's totals as its results are written (None: summed from the store at the
        # end, as when something else wrote results of this run meanwhile).
        self._totals: RunTotals | None = None
        self.env = graders.GraderEnv(
            call_model=self._grader_call, embed=self._embed,
            allow_unsandboxed_graders=self.options.allow_unsandboxed_graders)

    # -- control -------------------------------------------------------------
    def cancel(self) -> None:
        """Stop taking items and abandon those in flight (they were never recorded)."""
        self._cancelled = True
        for task in self._tasks:
            task.cancel()

    def detach(self) -> None:
        """Stop as a quit would: nothing more is recorded and the run stays resumable
        (a batch run's batch goes on at the provider, to be polled again later)."""
        self._detached = True
        self.cancel()

    async def run(self):
        counts = self.store.evals.status_counts(self.run_id)
        p = self.progress
        p.passed, p.failed = counts.get("pass", 0), counts.get("fail", 0)
        p.errored = sum(n for s, n in counts.items() if s not in ("pass", "fail"))
        p.done = p.passed + p.failed + p.errored
        done = self.store.evals.done_indexes(self.run_id)
        self.store.evals.update_run(self.run_id, status="in_progress",
                                    started_at=self.run_row.started_at or now_iso(), error=None)
        self._items = self._pending(done)
        # What a resume's earlier sessions stored; the run's row keeps no latency figures.
        self._totals = RunTotals.of_run(self.store, self.run_id, latencies=False)
        self._started = time.perf_counter()
        if self.model and self.options.api == "chat":
            from tui.core.evals.fastchat import FastChat

            self._fast = FastChat.for_client(self.client)
        try:
            await self._start_workers()
            results = await asyncio.gather(*self._tasks, return_exceptions=True)
        except asyncio.CancelledError:
            self.cancel()
            self._cancelled = True
            results = []
            with contextlib.suppress(asyncio.CancelledError):  # workers cancelled mid-start
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            if self._fast is not None:
                await self._fast.close()
                self._fast = None
        try:
            self._flush()  # what finished before a cancel or a quit is kept
        except Exception as exc:  # noqa: BLE001 - reported as the run's failure below
            self._write_error = exc
        problems = [r for r in results if isinstance(r, Exception)]
        if self._detached:
            return self.store.evals.run(self.run_id)
        if self._write_error is not None:
            status = "failed"
            error = f"{type(self._write_error).__name__}: {self._write_error}"
        elif self._fatal:
            status, error = "failed", self._fatal
        elif self._cancelled:
            status, error = "canceled", None
        elif problems:
            status, error = "failed", f"{type(problems[0]).__name__}: {problems[0]}"
        else:
            status, error = "completed", None
        return self.finish(status, error)

    async def _start_workers(self) -> None:
        """One worker a turn of the loop: the first calls are on the wire while the rest are
        being made. Started all at once, every worker made its call before any was sent, and
        at C=128 the first answer came ~35 ms after its time (issue 19)."""
        for _ in range(max(1, self.options.concurrency)):
            if self._cancelled:
                return
            self._tasks.append(asyncio.ensure_future(self._worker()))
            await asyncio.sleep(0)

    def _pending(self, done: set[int]):
        """(index, row) of every item not yet recorded, read lazily in order."""
        return ((i, row) for i, row in enumerate(
            iter_source(self.data_source.get("source") or {}, self.store)) if i not in done)

    def finish(self, status: str, error: str | None = None):
        # Summing the store again costs ~13 µs a result (26 ms at 2000, a second at 100k)
        # after the last answer. The running totals are used only when they hold every
        # stored result: each of this run's writes inserted all it was given, and the
        # store counts no more results than they do.
        totals = self._totals
        if totals is not None and totals.counts["total"] == self.store.evals.count_results(
                self.run_id):
            summary = totals.summary()
        else:
            summary = summarize(self.store, self.run_id)
        self.store.evals.update_run(
            self.run_id, status=status, error=error, finished_at=now_iso(),
            result_counts=summary["result_counts"],
            per_testing_criteria_results=summary["per_testing_criteria_results"],
            usage=summary["per_model_usage"], cost_usd=summary["cost_usd"],
        )
        self.progress.status = status
        self._notify()
        return self.store.evals.run(self.run_id)

    # -- work ----------------------------------------------------------------
    async def _worker(self) -> None:
        while not self._cancelled:
            try:
                index, row = next(self._items)
            except StopIteration:
                return
            try:
                await self._one(index, row)
            except FatalProviderError as exc:
                self._fatal = f"{exc}"
                self.cancel()
                return
            # Items that never wait (samples given, instant graders) still let the write of
            # what they finished run between them.
            await asyncio.sleep(0)

    async def _sample_item(self, index: int, item: dict[str, Any]) -> Sampled | None:
        """Sample one item from the run's model (the batch runner reads its output instead)."""
        try:
            messages = build_messages(self.data_source.get("input_messages"), item)
            sample, latency = await self._sample(messages)
        except FatalProviderError:
            raise
        except Exception as exc:  # noqa: BLE001 - this item errors, the run goes on
            from tui.core.errors import explain

            return Sampled(error=str(explain(exc, model=self.model or "")) if _is_api(exc)
                           else f"{type(exc).__name__}: {exc}")
        return self._priced(sample, latency)

    def _priced(self, sample: dict[str, Any], latency: float | None,
                discount: float = 1.0) -> Sampled:
        usage_in = sample["usage"]["prompt_tokens"]
        usage_out = sample["usage"]["completion_tokens"]
        cost = cost_at(self._prices, usage_in, usage_out)
        return Sampled(sample=sample, input_tokens=usage_in, output_tokens=usage_out,
                       latency_ms=latency, cost=None if cost is None else cost * discount)

    async def _one(self, index: int, row: dict[str, Any]) -> None:
        item = row["item"]
        if row.get("sample") is not None:
            got = Sampled(sample=normalize_sample(row["sample"]))
        elif not self.model:
            got = Sampled(error="the item has no sample and the run names no model")
        else:
            got = await self._sample_item(index, item)
            if got is None:  # not answered yet (a batch cut short): left for a later resume
                return
        sample, sample_error, cost = got.sample, got.error, got.cost
        usage_in, usage_out, latency = got.input_tokens, got.output_tokens, got.latency_ms
        results: list[dict[str, Any]] = []
        if sample is not None:
            grades = await graders.grade_all(self.criteria, item, sample, self.env)
            results = [g.as_dict() for g in grades]
            grader_cost = self._grader_cost(results)
            if grader_cost or cost is not None:
                cost = (cost or 0.0) + grader_cost
        self._record({
            "item_index": index, "item": item, "status": item_status(results, sample_error),
            "sample": sample, "score": item_score(results), "results": results,
            "input_tokens": usage_in, "output_tokens": usage_out, "latency_ms": latency,
            "cost_usd": cost, "error": sample_error})

    # -- writing results -------------------------------------------------------
    def _record(self, result: dict[str, Any]) -> None:
        """Queue a finished item's result; it is written with those finishing within FLUSH_S."""
        self._unwritten.append(result)
        if len(self._unwritten) >= FLUSH_MAX:
            self._flush()
        elif self._flush_handle is None:
            loop = asyncio.get_running_loop()
            # While calls are out, more results are coming: gather them for up to FLUSH_S.
            # With none out (grading given samples or downloaded answers) there is nothing
            # to wait for: the write comes on the next turn, as each item's did before.
            self._flush_handle = (loop.call_later(FLUSH_S, self._flush_soon) if self.in_flight
                                  else loop.call_soon(self._flush_soon))

    def _flush_soon(self) -> None:
        self._flush_handle = None
        try:
            self._flush()
        except Exception as exc:  # noqa: BLE001 - a failed write ends the run, as it always did
            self._write_error = exc
            self.cancel()

    def _flush(self) -> None:
        """Write the queued results in one transaction, then count and announce them."""
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = None
        batch, self._unwritten = self._unwritten, []
        if not batch:
            return
        written = self.store.evals.record_results(self.run_id, batch)
        totals = self._totals
        if totals is not None and written == len(batch):
            for r in batch:
                totals.add(r["item_index"], r["status"], r["results"], r["sample"],
                           r["input_tokens"], r["output_tokens"], r["cost_usd"], None)
        else:  # some item was already stored (another process resumed this run too)
            self._totals = None
        p = self.progress
        for result in batch:
            status = result["status"]
            p.done += 1
            p.done_this_session += 1
            if status == "pass":
                p.passed += 1
            elif status == "fail":
                p.failed += 1
            else:
                p.errored += 1
            if self.on_result is not None:
                self.on_result(result["item_index"], status)
        self._notify()

    def _notify(self) -> None:
        self.progress.elapsed_s = time.perf_counter() - self._started if self._started else 0.0
        if self.on_progress is not None:
            self.on_progress(self.progress)

    def _retried(self, exc: BaseException, wait: float) -> None:
        self.progress.retries += 1

    async def _call(self, make):
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            self.model_calls += 1
            return await make()
        finally:
            self.in_flight -= 1

    async def _sample(self, messages: list[dict[str, Any]]) -> tuple[dict[str, Any], float]:
        if self.client is None:
            raise FatalProviderError("no provider client: the items need a model to sample")
        params = self.data_source.get("sampling_params") or {}
        api = self.options.api
        timing: dict[str, float] = {}

        fast = self._fast

        async def call():
            timing["start"] = time.perf_counter()
            kwargs = sampling_kwargs(params, api)
            if fast is not None:
                return await fast.create(model=self.model, messages=messages,
                                         timeout=self.options.timeout_s,
                                         extra_headers=self.options.extra_headers, **kwargs)
            if api == "responses":
                return await self.client.responses.create(
                    model=self.model, input=messages, timeout=self.options.timeout_s,
                    extra_headers=self.options.extra_headers, **kwargs)
            return await self.client.chat.completions.create(
                model=self.model, messages=messages, timeout=self.options.timeout_s,
                extra_headers=self.options.extra_headers, **kwargs)

        response, attempts = await with_retries(lambda: self._call(call), self.options.policy,
                                                on_retry=self._retried)
        latency = (time.perf_counter() - timing["start"]) * 1000
        if api == "responses":
            text = response.output_text or ""
            u = response.usage
            usage = {"prompt_tokens": u.input_tokens if u else 0,
                     "completion_tokens": u.output_tokens if u else 0,
                     "cached_tokens": (u.input_tokens_details.cached_tokens or 0) if u else 0}
            finish = response.status
            usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
            sample = {
                "model": getattr(response, "model", None) or self.model, "input": messages,
                "output": [{"role": "assistant", "content": text}], "output_text": text,
                "finish_reason": finish, "usage": usage,
                **{k: v for k, v in params.items() if k in CHAT_PARAMS},
            }
        elif fast is not None:
            sample = chat_sample_json(response, messages, params, self.model, CHAT_PARAMS)
        else:
            sample = chat_sample(response, messages, params, self.model)
        sample["attempts"] = attempts
        return sample, latency

    async def _grader_call(self, model: str, messages: list[dict[str, Any]],
                           params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if self.client is None:
            raise RuntimeError("model graders need a provider client")

        async def call():
            return await self.client.chat.completions.create(
                model=model, messages=messages, timeout=self.options.timeout_s,
                **sampling_kwargs(params, "chat"))

        response, _ = await with_retries(lambda: self._call(call), self.options.policy,
                                         on_retry=self._retried)
        u = response.usage
        usage = {"prompt_tokens": u.prompt_tokens if u else 0,
                 "completion_tokens": u.completion_tokens if u else 0}
        return response.choices[0].message.content or "", usage

    async def _embed(self, model: str, texts: list[str]) -> list[list[float]]:
        if self.client is None:
            raise RuntimeError("cosine similarity needs a provider client with embeddings")

        async def call():
            return await self.client.embeddings.create(model=model, input=texts,
                                                       timeout=self.options.timeout_s)

        response, _ = await with_retries(lambda: self._call(call), self.options.policy,
                                         on_retry=self._retried)
        return [list(d.embedding) for d in response.data]

    def _grader_cost(self, results: list[dict[str, Any]]) -> float:
        total = 0.0
        for result in results:
            sample = result.get("sample") or {}
            usage = sample.get("usage") or {}
            if sample.get("model"):
                total += estimate_cost(sample["model"], usage.get("prompt_tokens"),
                                       usage.get("completion_tokens"),
                                       input_overrides=self.options.input_prices,
                                       output_overrides=self.options.output_prices) or 0.0
        return total


def chat_sample(response: Any, messages: list[dict[str, Any]], params: dict[str, Any],
                model: str | None) -> dict[str, Any]:
    """A stored sample from a chat completion (live, or one line of a batch's output)."""
    choice = response.choices[0]
    text = choice.message.content or ""
    u = response.usage
    details = getattr(u, "prompt_tokens_details", None) if u else None
    usage = {"prompt_tokens": u.prompt_tokens if u else 0,
             "completion_tokens": u.completion_tokens if u else 0,
             "cached_tokens": (details.cached_tokens or 0) if details else 0}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return {
        "model": getattr(response, "model", None) or model, "input": messages,
        "output": [{"role": "assistant", "content": text}], "output_text": text,
        "finish_reason": choice.finish_reason, "usage": usage,
        **{k: v for k, v in (params or {}).items() if k in CHAT_PARAMS},
    }


def _is_api(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("openai")
