"""The runner: concurrency bound, retries, cancel, resume (in-process and after a kill)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import pytest

from store.store import Store
from tests.evals.helpers import client, make_run
from tui.core.evals import runner as runner_module
from tui.core.evals import summary as summary_module
from tui.core.evals.retry import RetryPolicy, with_retries
from tui.core.evals.runner import EvalRunner, RunnerOptions


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.db") as s:
        yield s


async def test_runs_against_the_sandbox_in_openai_shapes(store, sandbox):
    run = make_run(store, 10)
    c = client(sandbox)
    progress = []
    finished = await EvalRunner(store, run.id, client=c, options=RunnerOptions(concurrency=4),
                                on_progress=lambda p: progress.append((p.done, p.total))).run()
    await c.close()
    assert finished.status == "completed"
    assert finished.result_counts == {"total": 10, "passed": 5, "failed": 5, "errored": 0}
    assert finished.per_testing_criteria_results[0]["testing_criteria"] == "exact"
    assert finished.per_testing_criteria_results[0]["passed"] == 5
    assert finished.usage[0]["model_name"] == "sandbox-small"
    assert finished.usage[0]["invocation_count"] == 10
    first = store.evals.result(run.id, 1)
    assert first.sample["output_text"] == "question 1"
    assert first.sample["input"][1] == {"role": "user", "content": "question 1"}
    assert first.input_tokens and first.latency_ms > 0 and first.cost_usd == 0.0
    assert progress[-1] == (10, 10)


class FakeCompletions:
    """Counts how many calls are in flight at once."""

    def __init__(self, delay=0.02):
        self.delay, self.now, self.peak, self.calls = delay, 0, 0, 0

    async def create(self, *, model, messages, **kwargs):
        self.now += 1
        self.calls += 1
        self.peak = max(self.peak, self.now)
        await asyncio.sleep(self.delay)
        self.now -= 1
        text = messages[-1]["content"]
        return SimpleNamespace(
            model=model, choices=[SimpleNamespace(message=SimpleNamespace(content=text),
                                                  finish_reason="stop")],
            usage=SimpleNamespace(prompt_tokens=3, completion_tokens=2,
                                  prompt_tokens_details=None))


def fake_client(delay=0.02):
    completions = FakeCompletions(delay)
    return SimpleNamespace(chat=SimpleNamespace(completions=completions)), completions


@pytest.mark.parametrize("concurrency", [1, 3, 8])
async def test_concurrency_bound_is_respected_and_reached(store, concurrency):
    run = make_run(store, 24)
    fake, completions = fake_client()
    finished = await EvalRunner(store, run.id, client=fake,
                                options=RunnerOptions(concurrency=concurrency)).run()
    assert finished.status == "completed" and completions.calls == 24
    assert completions.peak == concurrency


async def test_the_first_calls_are_made_before_every_worker_is(store):
    """Workers start one a turn of the loop, so the first calls go out at once instead of
    after the whole first wave was prepared (issue 19)."""
    run = make_run(store, 64)
    fake, completions = fake_client(delay=0.01)
    runner = EvalRunner(store, run.id, client=fake, options=RunnerOptions(concurrency=32))
    workers_at_first_call = []
    create = completions.create

    async def first_noted(**kwargs):
        if not workers_at_first_call:
            workers_at_first_call.append(len(runner._tasks))
        return await create(**kwargs)

    completions.create = first_noted
    finished = await runner.run()
    assert finished.status == "completed" and completions.calls == 64
    assert workers_at_first_call[0] < 32
    assert completions.peak == 32  # and the bound is still reached


async def test_a_run_cancelled_while_its_workers_start_ends_canceled(store):
    run = make_run(store, 200)
    fake, completions = fake_client(delay=0.05)
    runner = EvalRunner(store, run.id, client=fake, options=RunnerOptions(concurrency=100))
    task = asyncio.ensure_future(runner.run())
    while len(runner._tasks) < 10:
        await asyncio.sleep(0)
    task.cancel()
    finished = await task
    assert finished.status == "canceled"
    assert len(runner._tasks) < 100  # no worker was started after the cancel
    assert all(t.done() for t in runner._tasks)
    assert store.evals.count_results(run.id) == 0


async def test_retries_429_and_5xx_from_sandbox_faults(store):
    from tui.sandbox.server import SandboxServer

    server = SandboxServer(api_key="sk-sandbox-test", speed=50.0,
                           faults="429=0.3,500=0.2,retry_after=0,seed=7")
    server.start()
    try:
        run = make_run(store, 20)
        c = client(server)
        runner = EvalRunner(store, run.id, client=c, options=RunnerOptions(
            concurrency=4, policy=RetryPolicy(attempts=20, backoff_s=0.01)))
        finished = await runner.run()
        await c.close()
    finally:
        server.stop()
    assert finished.result_counts == {"total": 20, "passed": 10, "failed": 10, "errored": 0}
    assert runner.progress.retries > 0
    assert runner.model_calls == 20 + runner.progress.retries
    attempts = [r.sample["attempts"] for r in store.evals.iter_results(run.id)]
    assert max(attempts) > 1


async def test_retry_after_is_honoured(sandbox):
    import openai

    c = client(sandbox)
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    async def call():
        return await c.chat.completions.create(
            model="sandbox-small", messages=[{"role": "user", "content": "x"}],
            extra_headers={"X-Sandbox-Fault": "429"})

    with pytest.raises(openai.RateLimitError):
        await with_retries(call, RetryPolicy(attempts=3), sleep=sleep)
    await c.close()
    assert waits == [1.0, 1.0]  # the sandbox's retry-after-ms, exactly


async def test_an_item_that_keeps_failing_errors_and_the_run_goes_on(store, sandbox):
    run = make_run(store, 3)
    c = client(sandbox)
    finished = await EvalRunner(store, run.id, client=c, options=RunnerOptions(
        extra_headers={"X-Sandbox-Fault": "500"},
        policy=RetryPolicy(attempts=2, backoff_s=0.01))).run()
    await c.close()
    assert finished.status == "completed"
    assert finished.result_counts["errored"] == 3
    assert "500" in store.evals.result(run.id, 0).error


async def test_bad_key_fails_the_run_at_once(store, sandbox):
    from openai import AsyncOpenAI

    run = make_run(store, 5)
    c = AsyncOpenAI(api_key="sk-wrong", base_url=sandbox.base_url, max_retries=0)
    finished = await EvalRunner(store, run.id, client=c).run()
    await c.close()
    assert finished.status == "failed" and "API key" in finished.error
    assert store.evals.count_results(run.id) == 0


async def test_items_with_samples_are_graded_without_a_model(store):
    rows = [{"item": {"reference": "a"}, "sample": {"output_text": "a"}},
            {"item": {"reference": "a"}, "sample": {"output": [{"role": "assistant",
                                                                "content": "b"}]}}]
    run = make_run(store, model=None, rows=rows)
    finished = await EvalRunner(store, run.id, client=None).run()
    assert finished.result_counts == {"total": 2, "passed": 1, "failed": 1, "errored": 0}


async def test_cancel_then_resume_samples_each_item_once(store):
    run = make_run(store, 30)
    fake, completions = fake_client(delay=0.01)
    runner = EvalRunner(store, run.id, client=fake, options=RunnerOptions(concurrency=3))
    runner.on_result = lambda index, status: runner.cancel() if runner.progress.done >= 5 \
        else None
    cancelled = await runner.run()
    assert cancelled.status == "canceled"
    done = store.evals.count_results(run.id)
    assert 5 <= done < 30
    fake2, completions2 = fake_client(delay=0.0)
    resumed = await EvalRunner(store, run.id, client=fake2).run()
    assert resumed.status == "completed"
    assert completions2.calls == 30 - done
    assert store.evals.count_results(run.id) == 30
    assert resumed.result_counts["total"] == 30


CHILD = """
import asyncio, sys
from openai import AsyncOpenAI
from store.store import Store
from tui.core.evals.runner import EvalRunner, RunnerOptions
db, run_id, base_url, key = sys.argv[1:5]
store = Store(db)
c = AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0)
asyncio.run(EvalRunner(store, int(run_id), client=c, options=RunnerOptions(
    concurrency=2, extra_headers={"X-Sandbox-Fault": "latency=0.05"})).run())
"""


async def test_resume_after_a_killed_process_samples_no_recorded_item_again(tmp_path, sandbox):
    db = tmp_path / "kill.db"
    with Store(db) as store:
        run = make_run(store, 40)
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(run.id), sandbox.base_url,
                             sandbox.api_key], cwd=os.getcwd(), start_new_session=True)
    try:
        with Store(db) as watcher:
            deadline = time.monotonic() + 30
            while watcher.evals.count_results(run.id) < 6 and time.monotonic() < deadline:
                time.sleep(0.02)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    with Store(db) as store:
        assert store.evals.run(run.id).status == "in_progress"
        assert store.evals.unfinished_runs()[0].id == run.id
        before = store.evals.count_results(run.id)
        assert 6 <= before < 40
        fake, completions = fake_client(delay=0.0)
        resumed = await EvalRunner(store, run.id, client=fake).run()
        assert completions.calls == 40 - before
        indexes = [r.item_index for r in store.evals.iter_results(run.id)]
        assert indexes == list(range(40))
        assert resumed.status == "completed"
        assert resumed.result_counts["total"] == 40


async def test_results_finished_together_are_written_together(store, monkeypatch):
    """At high concurrency a turn of the loop finishes many items: one transaction for them,
    each item once, and the progress counts what is written."""
    run = make_run(store, 200)
    fake, completions = fake_client(delay=0.01)
    writes: list[int] = []
    real = store.evals.record_results

    def counted(run_id, results):
        writes.append(len(results))
        real(run_id, results)

    monkeypatch.setattr(store.evals, "record_results", counted)
    seen: list[int] = []
    runner = EvalRunner(store, run.id, client=fake, options=RunnerOptions(concurrency=64),
                        on_progress=lambda p: seen.append(p.done))
    finished = await runner.run()
    assert finished.status == "completed" and finished.result_counts["total"] == 200
    assert sum(writes) == 200 and len(writes) < 200 / 4 and max(writes) > 8
    assert seen == sorted(seen) and seen[-1] == 200
    assert sorted(store.evals.done_indexes(run.id)) == list(range(200))
    assert completions.calls == 200


async def test_a_failed_write_fails_the_run(store, monkeypatch):
    run = make_run(store, 20)
    fake, _ = fake_client(delay=0.0)

    def broken(run_id, results):
        raise OSError("disk full")

    monkeypatch.setattr(store.evals, "record_results", broken)
    finished = await EvalRunner(store, run.id, client=fake).run()
    assert finished.status == "failed" and "disk full" in finished.error
    assert store.evals.count_results(run.id) == 0


class StaggeredCompletions(FakeCompletions):
    """Answers after 1, 3, 5, 7 ms in turn: items finish in turns of their own."""

    async def create(self, **kwargs):
        self.delay = (1, 3, 5, 7)[self.calls % 4] / 1000
        return await super().create(**kwargs)


async def test_results_finishing_one_at_a_time_share_a_write(store, monkeypatch):
    """Issue 19: while calls are in flight the write is bounded by time as well as count,
    so items that finish in turns of their own still share transactions; the run's end
    writes what is left, each item once."""
    run = make_run(store, 40)
    completions = StaggeredCompletions()
    fake = SimpleNamespace(chat=SimpleNamespace(completions=completions))
    writes: list[int] = []
    real = store.evals.record_results

    def counted(run_id, results):
        writes.append(len(results))
        real(run_id, results)

    monkeypatch.setattr(store.evals, "record_results", counted)
    finished = await EvalRunner(store, run.id, client=fake,
                                options=RunnerOptions(concurrency=4)).run()
    assert finished.status == "completed" and sum(writes) == 40
    assert len(writes) <= 40 / 4, writes
    assert sorted(store.evals.done_indexes(run.id)) == list(range(40))
    assert completions.calls == 40


class UnevenCompletions:
    """Answers out of item order (later items can finish first); item 0's call fails; the
    label grader's calls answer "correct" for odd items and something unparseable else."""

    def __init__(self):
        self.calls = 0

    async def create(self, *, model, messages, **kwargs):
        self.calls += 1
        text = messages[-1]["content"]
        if model == "judge":
            number = int(text.rsplit(" ", 1)[-1])
            await asyncio.sleep(0.001 * (number % 3))
            answer = "correct" if number % 2 else "no idea"
        else:
            number = int(text.rsplit(" ", 1)[-1])
            if number == 0:
                raise RuntimeError("the provider fell over")
            await asyncio.sleep(0.002 * ((number * 7) % 5))
            answer = text
        return SimpleNamespace(
            model=model, choices=[SimpleNamespace(message=SimpleNamespace(content=answer),
                                                  finish_reason="stop")],
            usage=SimpleNamespace(prompt_tokens=3 + number % 4, completion_tokens=2,
                                  prompt_tokens_details=None))


LABEL = {"type": "label_model", "name": "judge", "model": "judge",
         "input": [{"role": "user", "content": "grade {{item.question}}"}],
         "labels": ["correct", "incorrect"], "passing_labels": ["correct"]}


def _run_figures(run) -> dict:
    return {"result_counts": run.result_counts, "per_model_usage": run.usage,
            "per_testing_criteria_results": run.per_testing_criteria_results,
            "cost_usd": run.cost_usd}


def _store_figures(store, run_id) -> dict:
    summary = summary_module.summarize(store, run_id)
    return {key: summary[key] for key in ("result_counts", "per_model_usage",
                                          "per_testing_criteria_results", "cost_usd")}


async def test_a_run_ends_with_the_totals_of_the_store_without_summing_it_again(
        store, monkeypatch):
    from tests.evals.helpers import EXACT

    run = make_run(store, 40, criteria=[EXACT, LABEL])
    completions = UnevenCompletions()
    fake = SimpleNamespace(chat=SimpleNamespace(completions=completions))
    sums = []
    monkeypatch.setattr(runner_module, "summarize",
                        lambda *a: sums.append(a) or summary_module.summarize(*a))
    finished = await EvalRunner(store, run.id, client=fake, options=RunnerOptions(
        concurrency=6, input_prices={"sandbox-small": 1.0}, output_prices={"sandbox-small": 2.0},
        policy=RetryPolicy(attempts=1))).run()
    assert finished.status == "completed" and sums == []  # the running totals were used
    counts = finished.result_counts
    assert counts["total"] == 40 and counts["errored"] >= 1 and counts["passed"] >= 1
    assert [u["model_name"] for u in finished.usage] == ["judge", "sandbox-small"]
    assert _run_figures(finished) == _store_figures(store, run.id)


async def test_a_run_whose_results_another_process_wrote_too_sums_the_store(store,
                                                                            monkeypatch):
    """Another resume of the same run stored item 5 first: this runner's write of it
    changed nothing, so its running totals no longer match the store."""
    run = make_run(store, 12)
    other = {"item_index": 5, "item": {"question": "question 5"}, "status": "error",
             "results": [], "error": "stored by another process"}
    fake, completions = fake_client(delay=0.005)
    original = completions.create

    async def create(**kwargs):
        if "question 5" in kwargs["messages"][-1]["content"]:
            store.evals.record_results(run.id, [other])
        return await original(**kwargs)

    completions.create = create
    sums = []
    monkeypatch.setattr(runner_module, "summarize",
                        lambda *a: sums.append(a) or summary_module.summarize(*a))
    finished = await EvalRunner(store, run.id, client=fake,
                                options=RunnerOptions(concurrency=3)).run()
    assert len(sums) == 1  # summed from the store
    assert finished.result_counts["total"] == 12 and finished.result_counts["errored"] == 1
    assert _run_figures(finished) == _store_figures(store, run.id)


async def test_a_resumed_run_counts_what_the_first_session_stored(store, monkeypatch):
    run = make_run(store, 30)
    fake, _ = fake_client(delay=0.002)
    runner = EvalRunner(store, run.id, client=fake, options=RunnerOptions(concurrency=2))
    runner.on_result = lambda index, status: runner.cancel() if runner.progress.done >= 7 \
        else None
    assert (await runner.run()).status == "canceled"
    sums = []
    monkeypatch.setattr(runner_module, "summarize",
                        lambda *a: sums.append(a) or summary_module.summarize(*a))
    fake2, _ = fake_client(delay=0.0)
    resumed = await EvalRunner(store, run.id, client=fake2).run()
    assert resumed.status == "completed" and sums == []
    assert resumed.result_counts["total"] == 30
    assert _run_figures(resumed) == _store_figures(store, run.id)
