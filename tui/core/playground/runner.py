"""One streamed run against Chat Completions or Responses, measured.

The caller gets every delta as it arrives and, at the end, a RunOutcome with
usage, time to first token and latency. A stream that breaks keeps what had
arrived and says so (status "incomplete").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from tui.core.errors import Explained, explain

if TYPE_CHECKING:
    from openai import AsyncOpenAI

Api = Literal["chat", "responses"]


@dataclass
class RunParams:
    temperature: float | None = None
    top_p: float | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    reasoning_effort: str | None = None
    json_schema: dict[str, Any] | None = None  # the schema itself

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class RunOutcome:
    status: Literal["completed", "incomplete", "error"] = "completed"
    output_text: str = ""
    finish_reason: str | None = None
    input_tokens: int | None = None
    cached_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    ttft_ms: float | None = None
    latency_ms: float | None = None
    error: Explained | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _sampling(params: RunParams) -> dict[str, Any]:
    """The parameters both APIs name the same way."""
    kwargs: dict[str, Any] = {}
    if params.temperature is not None:
        kwargs["temperature"] = params.temperature
    if params.top_p is not None:
        kwargs["top_p"] = params.top_p
    return kwargs


def chat_kwargs(params: RunParams) -> dict[str, Any]:
    kwargs = _sampling(params)
    if params.max_output_tokens is not None:
        kwargs["max_completion_tokens"] = params.max_output_tokens
    if params.seed is not None:
        kwargs["seed"] = params.seed
    if params.reasoning_effort:
        kwargs["reasoning_effort"] = params.reasoning_effort
    if params.json_schema is not None:
        kwargs["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": params.json_schema, "strict": True},
        }
    return kwargs


def responses_kwargs(params: RunParams) -> dict[str, Any]:
    kwargs = _sampling(params)
    if params.max_output_tokens is not None:
        kwargs["max_output_tokens"] = params.max_output_tokens
    if params.reasoning_effort:
        kwargs["reasoning"] = {"effort": params.reasoning_effort}
    if params.json_schema is not None:
        kwargs["text"] = {
            "format": {
                "type": "json_schema",
                "name": "output",
                "schema": params.json_schema,
                "strict": True,
            }
        }
    # Responses has no seed: it is recorded with the run but not sent.
    return kwargs


async def stream_run(
    client: AsyncOpenAI,
    *,
    model: str,
    messages: list[dict[str, Any]],
    params: RunParams | None = None,
    api: Api = "chat",
    on_delta: Callable[[str], None] | None = None,
    key_env: str = "OPENAI_API_KEY",
) -> RunOutcome:
    params = params or RunParams()
    outcome = RunOutcome()
    pieces: list[str] = []
    start = time.perf_counter()

    def delta(text: str) -> None:
        if not text:
            return
        if outcome.ttft_ms is None:
            outcome.ttft_ms = (time.perf_counter() - start) * 1000
        pieces.append(text)
        if on_delta is not None:
            on_delta(text)

    try:
        if api == "chat":
            await _stream_chat(client, model, messages, params, outcome, delta)
        else:
            await _stream_responses(client, model, messages, params, outcome, delta)
    except Exception as exc:  # noqa: BLE001 - every failure is explained to the user
        explained = explain(exc, key_env=key_env, model=model)
        if pieces:
            # Text had arrived: whatever the transport says, the stream was cut short.
            explained = Explained(
                f"The stream was interrupted after {len(''.join(pieces))} characters "
                f"({explained.title})",
                "what arrived is kept and marked incomplete; ctrl+r runs it again",
                True,
                explained.status,
            )
        outcome.error = explained
        outcome.status = "incomplete" if pieces else "error"
    outcome.output_text = "".join(pieces)
    outcome.latency_ms = (time.perf_counter() - start) * 1000
    return outcome


async def _stream_chat(client, model, messages, params, outcome, delta) -> None:
    stream = await client.chat.completions.create(
        model=model,
        messages=messages,
        stream=True,
        stream_options={"include_usage": True},
        **chat_kwargs(params),
    )
    async for chunk in stream:
        if chunk.choices:
            choice = chunk.choices[0]
            delta(choice.delta.content or "")
            if choice.finish_reason:
                outcome.finish_reason = choice.finish_reason
        if chunk.usage is not None:
            usage = chunk.usage
            outcome.input_tokens = usage.prompt_tokens
            outcome.output_tokens = usage.completion_tokens
            details = usage.prompt_tokens_details
            outcome.cached_tokens = details.cached_tokens if details else None
            out_details = usage.completion_tokens_details
            outcome.reasoning_tokens = out_details.reasoning_tokens if out_details else None
    if outcome.finish_reason is None:
        # The server closed the stream without saying it was done.
        raise ConnectionError("stream ended before the model finished")


async def _stream_responses(client, model, messages, params, outcome, delta) -> None:
    stream = await client.responses.create(
        model=model, input=messages, stream=True, **responses_kwargs(params)
    )
    completed = False
    async for event in stream:
        kind = getattr(event, "type", "")
        if kind == "response.output_text.delta":
            delta(event.delta)
        elif kind in ("response.completed", "response.incomplete"):
            completed = True
            response = event.response
            outcome.finish_reason = "stop" if kind == "response.completed" else "length"
            usage = response.usage
            if usage is not None:
                outcome.input_tokens = usage.input_tokens
                outcome.output_tokens = usage.output_tokens
                outcome.cached_tokens = usage.input_tokens_details.cached_tokens
                outcome.reasoning_tokens = usage.output_tokens_details.reasoning_tokens
        elif kind in ("response.failed", "error"):
            message = getattr(event, "message", None) or "the provider reported a failure"
            raise RuntimeError(message)
    if not completed:
        raise ConnectionError("stream ended before response.completed")
