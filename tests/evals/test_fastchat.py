"""The runner's fast chat path: the SDK's request, the SDK's errors, the same stored results."""

from __future__ import annotations

import json

import httpx2
import openai
import pytest

from store.store import Store
from tests.evals.helpers import client, make_run
from tui.core.evals.fastchat import FastChat
from tui.core.evals.runner import EvalRunner, RunnerOptions


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "t.db") as s:
        yield s


class SdkOnly(openai.AsyncOpenAI):
    """An AsyncOpenAI the fast path does not take (it takes the plain class alone)."""


def _results(store, run_id):
    return [(r.item_index, r.status, r.score, r.results, r.input_tokens, r.output_tokens,
             r.cost_usd, r.error, r.sample)
            for r in store.evals.iter_results(run_id)]


async def test_the_fast_path_stores_what_the_sdk_path_stores(store, sandbox):
    params = {"temperature": 0, "max_completion_tokens": 50, "seed": 3}
    runs = []
    for make in (client, lambda s: SdkOnly(api_key=s.api_key, base_url=s.base_url,
                                            max_retries=0)):
        run = make_run(store, 12)
        store.evals.update_run(run.id, data_source={**run.data_source,
                                                    "sampling_params": params})
        c = make(sandbox)
        runner = EvalRunner(store, run.id, client=c, options=RunnerOptions(concurrency=4))
        assert (FastChat.for_client(c) is not None) == (type(c) is openai.AsyncOpenAI)
        finished = await runner.run()
        await c.close()
        assert finished.status == "completed"
        runs.append(run.id)
    fast, sdk = (_results(store, r) for r in runs)
    assert fast == sdk and len(fast) == 12
    assert fast[1][-1]["usage"]["prompt_tokens"] > 0 and fast[1][-1]["seed"] == 3


def test_only_a_plain_client_without_its_own_retries_takes_the_fast_path():
    assert FastChat.for_client(openai.AsyncOpenAI(api_key="k", base_url="http://x/v1",
                                                  max_retries=2)) is None
    assert FastChat.for_client(openai.AsyncAzureOpenAI(
        api_key="k", azure_endpoint="https://x", api_version="2025-04-01-preview",
        max_retries=0)) is None
    assert FastChat.for_client(object()) is None


async def test_the_fast_request_is_the_sdks_request():
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json={"id": "x", "object": "chat.completion", "created": 1,
                                          "model": "m", "choices": []})

    kwargs = {"api_key": "sk-test", "base_url": "http://127.0.0.1:9/v1", "max_retries": 0,
              "organization": "org-1", "project": "proj-1",
              "default_headers": {"X-Custom": "yes"}}
    sdk = openai.AsyncOpenAI(**kwargs, http_client=httpx2.AsyncClient(
        transport=httpx2.MockTransport(handler)))
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hé"}],
            "temperature": 0.5, "response_format": {"type": "json_object"}}
    await sdk.chat.completions.create(**body, extra_headers={"X-Sandbox-Fault": "500"},
                                      timeout=5)
    await sdk.close()
    (request,) = seen
    plain = openai.AsyncOpenAI(**kwargs)
    fast = FastChat.for_client(plain)
    try:
        assert str(request.url) == fast.url
        per_request = {"x-stainless-retry-count", "x-stainless-read-timeout", "content-length",
                       "host", "accept-encoding", "connection"}
        sdk_headers = {k.lower(): v for k, v in request.headers.items()
                       if k.lower() not in per_request}
        fast_headers = {k.lower(): v for k, v in {**fast.headers,
                                                  "X-Sandbox-Fault": "500"}.items()}
        assert fast_headers == sdk_headers
        assert json.loads(request.content) == body
    finally:
        await fast.close()
        await plain.close()


async def test_errors_are_the_sdks_exceptions(sandbox):
    plain = client(sandbox)
    fast = FastChat.for_client(plain)
    messages = [{"role": "user", "content": "hi"}]
    try:
        with pytest.raises(openai.RateLimitError) as limited:
            await fast.create(model="sandbox-small", messages=messages, timeout=10,
                              extra_headers={"X-Sandbox-Fault": "429"})
        assert limited.value.response.headers.get("retry-after") is not None
        with pytest.raises(openai.InternalServerError):
            await fast.create(model="sandbox-small", messages=messages, timeout=10,
                              extra_headers={"X-Sandbox-Fault": "500"})
        with pytest.raises(openai.APIConnectionError):
            await fast.create(model="sandbox-small", messages=messages, timeout=10,
                              extra_headers={"X-Sandbox-Fault": "drop"})
        with pytest.raises(openai.APITimeoutError):
            await fast.create(model="sandbox-small", messages=messages, timeout=0.2,
                              extra_headers={"X-Sandbox-Fault": "latency=2"})
        with pytest.raises(openai.APIStatusError) as unknown:
            await fast.create(model="no-such-model", messages=messages, timeout=10)
        with pytest.raises(openai.APIStatusError) as by_sdk:
            await plain.chat.completions.create(model="no-such-model", messages=messages)
        assert (type(by_sdk.value), str(by_sdk.value)) == (type(unknown.value),
                                                            str(unknown.value))
    finally:
        await fast.close()
        await plain.close()
