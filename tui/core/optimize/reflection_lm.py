"""The reflection model: any chat model on any profile, through tunedeck's client.

GEPA calls it with its reflection prompt and reads a new instruction from the
answer. Each call is retried like the eval runner's, priced with tunedeck's
pricing and counted in the store before the next one, under the dollar cap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tui.core.evals.retry import RetryPolicy, with_retries
from tui.core.inference_prices import estimate_cost
from tui.core.optimize.search_pause import run_call
from tui.core.optimize.spend_cap import SpendCap


class ReflectionModel:
    def __init__(self, store: Any, opt_id: int, *, client: Any, model: str,
                 loop: asyncio.AbstractEventLoop, cap: SpendCap, options: Any = None,
                 pause: Callable[[], bool] | None = None) -> None:
        self.store = store
        self.opt_id = opt_id
        self.client = client
        self.model = model
        self.loop = loop
        self.cap = cap
        self.options = options
        self.pause = pause
        self.total_cost = 0.0  # GEPA's reflection-cost stopper reads this
        self.error: str | None = None  # the last call's failure, after retries

    def failed(self, gepa_state: Any = None) -> bool:
        """A GEPA stop condition: the reflection model could not be reached."""
        return self.error is not None

    def __call__(self, prompt: str | list[dict[str, Any]]) -> str:
        self.cap.check_reflection()
        messages = prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
        timeout = getattr(self.options, "timeout_s", 120.0)
        policy = getattr(self.options, "policy", None) or RetryPolicy()

        async def call():
            return await self.client.chat.completions.create(
                model=self.model, messages=messages, timeout=timeout)

        try:
            response, _ = run_call(self.pause, self.loop, with_retries(call, policy))
        except Exception as exc:
            # GEPA logs a failed reflection and goes on; kept here so the driver stops the
            # search and says why instead of finishing with nothing proposed.
            from tui.core.errors import explain

            cause = exc.__cause__ or exc  # the provider's own error, not the retry wrapper
            self.error = str(explain(cause, model=self.model))
            raise
        usage = response.usage
        cost = estimate_cost(
            self.model, usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
            input_overrides=getattr(self.options, "input_prices", None),
            output_overrides=getattr(self.options, "output_prices", None)) or 0.0
        self.total_cost += cost
        self.cap.seen_reflection(cost)
        self.store.optimizations.add_reflection(self.opt_id, cost)
        return response.choices[0].message.content or ""
