"""Chat completions for the eval runner in ~0.25 ms of CPU a request instead of ~3 ms.

Profiled at C=128 (bench/evals.py), three quarters of the runner's CPU went to
the openai SDK's request path (option transforms, httpx2's connection pool,
which is linear in the connections for every request, pydantic models for the
answer): ~3-4 ms a request, so one core could not keep 128 requests in flight
at 100 ms each. `FastChat` sends the same request (URL, headers and JSON body
the SDK would build from the same client) over one aiohttp session and reads
the answer with orjson, and raises the SDK's own exceptions for errors (built
by the client from the status and body), so the runner's retries and messages
do not change.

It is used only where it is the same request: a plain `AsyncOpenAI` with a
string API key, no key provider, workload identity or provider runtime, no
retries of its own (the runner retries; the eval service makes its clients so),
and chat completions. Anything else (a legacy AzureOpenAI client, a fake, the
Responses API) goes through the SDK as before.

Where the request goes and what it says are the client's alone, read from it
as the SDK reads them: `providers.make_client` builds every profile's client
(Azure's v1 API and Together's and Fireworks' inference APIs included) on
`effective_base_url`, with the profile's own organization and project (never
$OPENAI_ORG_ID / $OPENAI_PROJECT_ID) and Azure's api-key header, so the fast
path sends the key exactly where the SDK would. The key travels only in those
headers; the exceptions raised here carry status, body and URL, never headers.
"""

from __future__ import annotations

import contextlib
from typing import Any

import orjson


class FastChat:
    def __init__(self, client: Any, session: Any, url: str, headers: dict[str, str]) -> None:
        self.client = client
        self.session = session
        self.url = url
        self.headers = headers

    @classmethod
    def for_client(cls, client: Any) -> FastChat | None:
        """A FastChat sending what `client.chat.completions.create` would, or None."""
        try:
            import aiohttp
            import openai
        except ImportError:
            return None
        if type(client) is not openai.AsyncOpenAI or not _plain(client):
            return None
        base = str(client.base_url).rstrip("/")
        query = client.default_query
        if query:  # nothing tunedeck makes sets one; the SDK's encoding is its own
            return None
        url = f"{base}/chat/completions"
        if _environment_shapes(url):
            return None
        headers = {k: v for k, v in client.default_headers.items() if isinstance(v, str)}
        headers.update(client.auth_headers)
        # trust_env stays off: the environment's proxies and certificates were checked above,
        # and aiohttp's trust_env also reads ~/.netrc in a thread for every request.
        ssl = _ssl_context() if url.startswith("https:") else False
        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, ssl=ssl))
        return cls(client, session, url, headers)

    async def create(self, *, timeout: float, extra_headers: dict[str, str] | None = None,
                     **body: Any) -> dict[str, Any]:
        """The chat completion as a dict (OpenAI's JSON), or the SDK's exception."""
        import aiohttp
        import openai

        headers = {**self.headers, **extra_headers} if extra_headers else self.headers
        try:
            async with self.session.post(self.url, data=orjson.dumps(body), headers=headers,
                                         timeout=aiohttp.ClientTimeout(total=timeout)) as response:
                content = await response.read()
                status, response_headers = response.status, list(response.headers.items())
        except TimeoutError:
            raise openai.APITimeoutError(request=self._request()) from None
        except aiohttp.ClientError as exc:
            raise openai.APIConnectionError(message=f"Connection error: {exc}",
                                            request=self._request()) from exc
        if 200 <= status < 300:
            try:
                return orjson.loads(content)
            except orjson.JSONDecodeError:
                raise openai.APIResponseValidationError(
                    response=self._response(status, response_headers, content),
                    body=content.decode("utf-8", "replace"),
                    message="the provider's answer is not JSON") from None
        raise self.client._make_status_error_from_response(
            self._response(status, response_headers, content))

    def _request(self):
        import httpx2

        return httpx2.Request("POST", self.url)

    def _response(self, status: int, headers: list[tuple[str, str]], content: bytes):
        import httpx2

        return httpx2.Response(status, headers=headers, content=content, request=self._request())

    async def close(self) -> None:
        await self.session.close()


def load_transport() -> None:
    """Import what a run's calls go through now rather than at the run's first call."""
    with contextlib.suppress(ImportError):
        import aiohttp  # noqa: F401
    import openai  # noqa: F401


def _plain(client: Any) -> bool:
    return (isinstance(client.api_key, str) and bool(client.api_key)
            and getattr(client, "_api_key_provider", None) is None
            and getattr(client, "workload_identity", None) is None
            and getattr(client, "_provider_runtime", None) is None
            and client.max_retries == 0)


def _environment_shapes(url: str) -> bool:
    """Whether the environment sends the SDK (httpx, trust_env) to `url` through a proxy;
    then the SDK sends the request itself."""
    import urllib.parse
    import urllib.request

    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.hostname or "")


def _ssl_context():
    """The SDK's trust: SSL_CERT_FILE / SSL_CERT_DIR when set (as httpx's trust_env reads
    them), else certifi's roots where installed (httpx's default), else the system's."""
    import os
    import ssl

    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile or capath:
        return ssl.create_default_context(cafile=cafile or None, capath=capath or None)
    try:
        import certifi
    except ImportError:
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


def chat_sample_json(data: dict[str, Any], messages: list[dict[str, Any]],
                     params: dict[str, Any], model: str | None, chat_params: tuple[str, ...]
                     ) -> dict[str, Any]:
    """runner.chat_sample for an answer read as JSON (the same stored sample)."""
    choice = data["choices"][0]
    text = (choice.get("message") or {}).get("content") or ""
    u = data.get("usage")
    details = u.get("prompt_tokens_details") if u else None
    usage = {"prompt_tokens": u.get("prompt_tokens", 0) if u else 0,
             "completion_tokens": u.get("completion_tokens", 0) if u else 0,
             "cached_tokens": (details.get("cached_tokens") or 0) if details else 0}
    usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
    return {
        "model": data.get("model") or model, "input": messages,
        "output": [{"role": "assistant", "content": text}], "output_text": text,
        "finish_reason": choice.get("finish_reason"), "usage": usage,
        **{k: v for k, v in (params or {}).items() if k in chat_params},
    }
