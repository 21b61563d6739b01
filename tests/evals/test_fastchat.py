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


# -- what make_client builds: the profile's URL, headers and key, on the fast path too ----

HOSTILE_ENV = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_ORG_ID": "org-from-env",
               "OPENAI_PROJECT_ID": "proj-from-env", "TOGETHER_BASE_URL": "http://127.0.0.1:9",
               "FIREWORKS_BASE_URL": "http://127.0.0.1:9"}
PER_REQUEST = {"x-stainless-retry-count", "x-stainless-read-timeout", "content-length", "host",
               "accept-encoding", "connection", "user-agent", "x-stainless-async"}


@pytest.fixture
async def recorder():
    """A loopback server that answers every POST with a chat completion and keeps what came."""
    from aiohttp import web

    seen: list[tuple[str, dict[str, str]]] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append((request.path, {k.lower(): v for k, v in request.headers.items()}))
        return web.json_response({"id": "c", "object": "chat.completion", "created": 1,
                                  "model": "m", "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": "ok"}}]})

    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(("kind", "extra", "path", "org", "project"), [
    ("openai", {"base_url": "/v1", "organization": "org-own"}, "/v1", "org-own", None),
    ("openai", {"base_url": "/v1", "project": "proj-own"}, "/v1", None, "proj-own"),
    ("compatible", {"base_url": "/v1"}, "/v1", None, None),
    ("azure", {"base_url": ""}, "/openai/v1", None, None),
    ("together", {"base_url": "", "organization": "org-own"}, "/v1", None, None),
    ("fireworks", {"base_url": "", "account": "acme"}, "/inference/v1", None, None),
])
async def test_a_make_client_client_sends_the_profiles_request_on_the_fast_path(
        isolated_home, monkeypatch, recorder, kind, extra, path, org, project):
    """effective_base_url and the profile's own organization and project, never the
    environment's, exactly as the SDK sends them from the same client."""
    from tui.core.config import Profile
    from tui.core.providers import make_client

    base, seen = recorder
    for name, value in HOSTILE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PROFILE_KEY", "sk-profile-key-0123456789")
    profile = Profile(name="p", kind=kind, api_key_env="PROFILE_KEY",
                      **{**extra, "base_url": base + extra["base_url"]})
    c = make_client(profile, max_retries=0)
    fast = FastChat.for_client(c)
    assert fast is not None
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    try:
        await c.chat.completions.create(**body, timeout=10)
        await fast.create(**body, timeout=10)
    finally:
        await fast.close()
        await c.close()
    (sdk_path, sdk_headers), (fast_path, fast_headers) = seen
    assert sdk_path == fast_path == f"{path}/chat/completions"

    def stable(headers: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in headers.items() if k not in PER_REQUEST}

    assert stable(fast_headers) == stable(sdk_headers)
    assert fast_headers.get("openai-organization") == org
    assert fast_headers.get("openai-project") == project
    assert fast_headers["authorization"] == "Bearer sk-profile-key-0123456789"
    assert (fast_headers.get("api-key") == "sk-profile-key-0123456789") == (kind == "azure")
    assert not any("from-env" in v for v in fast_headers.values())


async def test_the_fast_paths_failures_are_explained_and_carry_no_key(isolated_home, monkeypatch,
                                                                      store, sandbox):
    """A wrong key, then a provider error, sampled through FastChat: the messages are the
    SDK path's, an item's error goes through explain(), and no message holds the key."""
    from tui.core.config import Profile
    from tui.core.providers import make_client

    wrong = "sk-wrong-key-0123456789abcdef"
    monkeypatch.setenv("PROFILE_KEY", wrong)
    profile = Profile(name="p", kind="compatible", api_key_env="PROFILE_KEY",
                      base_url=sandbox.base_url)
    probe = make_client(profile, max_retries=0)
    fast = FastChat.for_client(probe)
    assert fast is not None  # make_client's client takes the fast path
    await fast.close()
    await probe.close()
    errors = []
    for make in (lambda: make_client(profile, max_retries=0),
                 lambda: SdkOnly(api_key=wrong, base_url=sandbox.base_url, max_retries=0)):
        c = make()
        run = make_run(store, 3)
        finished = await EvalRunner(store, run.id, client=c).run()
        await c.close()
        assert finished.status == "failed"
        errors.append(finished.error)
    assert errors[0] == errors[1] and wrong not in errors[0] and wrong[:12] not in errors[0]
    # An item's own error (a 500 past its retries) is explain()'s words, on either path.
    from tui.core.evals.retry import RetryPolicy

    monkeypatch.setenv("PROFILE_KEY", sandbox.api_key)
    options = RunnerOptions(extra_headers={"X-Sandbox-Fault": "500"},
                            policy=RetryPolicy(attempts=1))
    per_path = []
    for make in (lambda: make_client(profile, max_retries=0),
                 lambda: SdkOnly(api_key=sandbox.api_key, base_url=sandbox.base_url,
                                 max_retries=0)):
        c = make()
        run = make_run(store, 2)
        await EvalRunner(store, run.id, client=c, options=options).run()
        await c.close()
        per_path.append([r.error for r in store.evals.iter_results(run.id)])
    assert per_path[0] == per_path[1]
    assert per_path[0][0].startswith("Provider error (500): ")
    assert per_path[0][0].endswith(" — retry in a moment")
    assert all(sandbox.api_key not in e for e in per_path[0])
