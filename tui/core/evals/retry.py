"""Retries with backoff: honour retry-after on 429, retry 5xx, timeouts and dropped connections."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass
class RetryPolicy:
    attempts: int = 6
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 120.0


class FatalProviderError(Exception):
    """Retrying cannot help and no other item would fare better (bad key, unknown model)."""


def retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return max(0.0, float(raw) * scale)
        except ValueError:
            continue
    return None


def classify(exc: BaseException) -> str:
    """'retry', 'fatal' (stop the run) or 'item' (this item errors, the run goes on)."""
    import openai

    if isinstance(exc, openai.RateLimitError | openai.APITimeoutError | openai.APIConnectionError):
        return "retry"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError
                  | openai.NotFoundError):
        return "fatal"
    if isinstance(exc, openai.APIStatusError):
        return "retry" if exc.status_code >= 500 or exc.status_code in (408, 409) else "item"
    if isinstance(exc, TimeoutError | ConnectionError):
        return "retry"
    return "item"


def delay(exc: BaseException, attempt: int, policy: RetryPolicy) -> float:
    hinted = retry_after(exc)
    if hinted is not None:
        return min(hinted, policy.max_retry_after_s)
    base = min(policy.max_backoff_s, policy.backoff_s * 2**attempt)
    return base * (0.5 + random.random() / 2)  # jitter keeps C workers from retrying in step


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    on_retry: Callable[[BaseException, float], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> tuple[T, int]:
    """(result, attempts used); re-raises the last error when retries are exhausted."""
    for attempt in range(policy.attempts):
        try:
            return await call(), attempt + 1
        except Exception as exc:
            kind = classify(exc)
            if kind == "fatal":
                raise FatalProviderError(str(exc)) from exc
            if kind != "retry" or attempt == policy.attempts - 1:
                raise
            wait = delay(exc, attempt, policy)
            if on_retry is not None:
                on_retry(exc, wait)
            await sleep(wait)
    raise AssertionError("unreachable")
