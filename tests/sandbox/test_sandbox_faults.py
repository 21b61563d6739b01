"""Fault injection: per request header and per server spec."""

from __future__ import annotations

import time

import openai
import pytest

from tests.sandbox.sandbox_data import client, sft_rows, upload, wait_for
from tui.sandbox.faults import FaultConfig, FaultSpecError
from tui.sandbox.server import SandboxServer

USER = [{"role": "user", "content": "a fairly long question so that the stream has several chunks in it"}]


def fault(value: str) -> dict:
    return {"extra_headers": {"X-Sandbox-Fault": value}}


async def test_header_429_carries_retry_after(c) -> None:
    with pytest.raises(openai.RateLimitError) as info:
        await c.models.list(**fault("429"))
    assert info.value.status_code == 429 and info.value.code == "rate_limit_exceeded"
    assert info.value.response.headers["retry-after"] == "1"
    assert info.value.response.headers["retry-after-ms"] == "1000"
    assert (await c.models.list()).data  # the next request is fine


async def test_header_500(c) -> None:
    with pytest.raises(openai.InternalServerError) as info:
        await c.chat.completions.create(model="sandbox-small", messages=USER, **fault("500"))
    assert info.value.body["type"] == "server_error"


async def test_header_drop_kills_a_stream_after_some_text_and_a_plain_response(c) -> None:
    stream = await c.chat.completions.create(model="sandbox-small", messages=USER, stream=True, **fault("drop"))
    received = []
    with pytest.raises(openai.APIConnectionError):
        async for chunk in stream:
            received.append(chunk)
    assert len(received) == 3 and received[0].choices[0].delta.role == "assistant"
    partial = "".join(ch.choices[0].delta.content or "" for ch in received)
    assert partial and USER[0]["content"].startswith(partial) and partial != USER[0]["content"]
    with pytest.raises(openai.APIConnectionError):
        await c.chat.completions.create(model="sandbox-small", messages=USER, **fault("drop"))


async def test_header_latency_delays_the_answer(c) -> None:
    started = time.monotonic()
    await c.models.list(**fault("latency=0.3"))
    assert time.monotonic() - started >= 0.3


async def test_header_fail_job_fails_it_halfway(c) -> None:
    train = await upload(c, sft_rows(12))
    job = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=train, **fault("fail_job"),
                                          method={"type": "supervised",
                                                  "supervised": {"hyperparameters": {"n_epochs": 2}}})
    done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(job.id), ("succeeded", "failed"))
    assert done.status == "failed" and done.error.code == "server_error" and done.error.param is None
    steps = [e.data["step"] async for e in c.fine_tuning.jobs.list_events(job.id) if e.type == "metrics"]
    assert max(steps) == 12  # half of the 24 steps ran


async def test_server_spec_faults_and_sdk_retries() -> None:
    with SandboxServer(api_key="k", speed=50, faults="429=0.5,retry_after=0.01,seed=3") as server:
        async with client(server, max_retries=8) as c:
            # Half the requests are refused; the SDK retries on 429 and gets through.
            answers = [await c.models.list() for _ in range(5)]
        assert all(a.data for a in answers)
        async with client(server) as c:
            outcomes = []
            for _ in range(20):
                try:
                    await c.models.list()
                    outcomes.append("ok")
                except openai.RateLimitError:
                    outcomes.append("429")
        assert 3 <= outcomes.count("429") <= 17
    with SandboxServer(api_key="k", speed=50, faults="500=1,latency=0.05") as server:
        async with client(server) as c:
            with pytest.raises(openai.InternalServerError):
                await c.models.list()
    with SandboxServer(api_key="k", speed=50, faults="fail_jobs=1") as server:
        async with client(server) as c:
            job = await c.fine_tuning.jobs.create(model="sandbox-small", training_file=await upload(c, sft_rows(10)),
                                                  hyperparameters={"n_epochs": 1})
            done = await wait_for(lambda: c.fine_tuning.jobs.retrieve(job.id), ("succeeded", "failed"))
            assert done.error.code == "server_error"


@pytest.mark.parametrize(("spec", "message"), [
    ("nonsense=1", "unknown fault"), ("429=2", "between 0 and 1"), ("latency", "needs a value"),
    ("drop=x", "not a number"), ("500=0.1,500=0.2", "twice"),
])
def test_bad_fault_specs_are_refused(spec, message) -> None:
    with pytest.raises(FaultSpecError, match=message):
        FaultConfig.parse(spec)
    with pytest.raises(FaultSpecError):
        SandboxServer(faults=spec)


def test_fault_spec_grammar() -> None:
    config = FaultConfig.parse("latency=0.1, 429=0.2,500=0.1,drop=0.1,fail_jobs=1,retry_after=2,seed=4")
    assert config.latency == 0.1 and config.retry_after == 2 and config.seed == 4
    assert config.shares == {"429": 0.2, "500": 0.1, "drop": 0.1, "fail_jobs": 1.0}
