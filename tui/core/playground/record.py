"""Recording a playground run: the one sequence the pane and `tunedeck run` share.

A run is a row started before the first token (so a crash or an esc still leaves
it in the history), one streamed call, and a finish that stores the output,
usage, timings and estimated cost. The pane streams several models side by side
and the CLI prints deltas to stdout; both start and finish the row here, so their
histories cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui.core.playground.runner import RunOutcome, RunParams


def start_run(store: Any, profile: Any, *, model: str, messages: list[dict[str, Any]],
              api: str, params: RunParams, prompt_version_id: int | None,
              compare_group: str | None = None,
              variables: dict[str, str] | None = None) -> int:
    """The run's row, in progress, before anything is sent."""
    return store.prompts.start_run(
        profile=profile.name, model=model, input=messages, api=api,
        params=params.as_dict(), prompt_version_id=prompt_version_id,
        compare_group=compare_group, variables=variables)


async def stream_and_record(store: Any, profile: Any, settings: Any, *, run_id: int,
                            model: str, messages: list[dict[str, Any]], params: RunParams,
                            api: str,
                            on_delta: Callable[[str], None] | None = None,
                            shown: Callable[[], str] | None = None) -> RunOutcome:
    """Stream one run and finish its row, whatever happens.

    A failure before or during the call (no key, a capability the profile lacks, a
    provider error) is stored as an error with its text in `outcome.extra["error_text"]`
    and returned, not raised. Cancellation (esc, the app closing) stores "stopped" with
    what had arrived, then propagates. `shown` is what the caller displays of the run
    (the pane's panel); a cut-short run keeps that text, as the user saw it.
    """
    from tui.core.config import Capability
    from tui.core.playground.runner import stream_run
    from tui.core.providers import make_client, require

    arrived: list[str] = []

    def delta(text: str) -> None:
        arrived.append(text)
        if on_delta is not None:
            on_delta(text)

    outcome = RunOutcome()
    status = "error"
    try:
        require(profile, Capability.CHAT if api == "chat" else Capability.RESPONSES)
        async with make_client(profile) as client:
            outcome = await stream_run(client, model=model, messages=messages, params=params,
                                       api=api,  # type: ignore[arg-type]
                                       on_delta=delta, key_env=profile.api_key_env)
        status = outcome.status
    except Exception as exc:  # noqa: BLE001 - stored with the run and shown by the caller
        outcome.extra["error_text"] = str(exc)
        status = "error"
    except BaseException:
        status = "stopped"
        raise
    finally:
        seen = (shown() if shown is not None else "") or "".join(arrived)
        finish_run(store, settings, run_id, model, status, outcome, seen)
    return outcome


def finish_run(store: Any, settings: Any, run_id: int, model: str, status: str,
               outcome: RunOutcome, arrived: str = "") -> None:
    """Store the run's end. `arrived` is what streamed in, kept when a cut-short
    call returned no outcome of its own."""
    from tui.core.inference_prices import estimate_cost

    prices = settings.prices
    cost = estimate_cost(model, outcome.input_tokens, outcome.output_tokens,
                         input_overrides=prices.input, output_overrides=prices.output)
    error = outcome.extra.get("error_text") or (str(outcome.error) if outcome.error else None)
    # esc is the user's choice, not a failure: "stopped", with what arrived and no error.
    store.prompts.finish_run(
        run_id, status=status, output_text=outcome.output_text or arrived, error=error,
        input_tokens=outcome.input_tokens, cached_tokens=outcome.cached_tokens,
        output_tokens=outcome.output_tokens, reasoning_tokens=outcome.reasoning_tokens,
        ttft_ms=outcome.ttft_ms, latency_ms=outcome.latency_ms, cost_usd=cost)
    outcome.extra["cost_usd"] = cost
