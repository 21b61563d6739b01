"""Asking the teacher, and grading its answer, with the eval runner's own machinery.

Sampling goes through the runner's retry policy (`with_retries`: retry-after on
429, backoff on 5xx and dropped connections, fatal on a bad key or model), its
sample shape (`chat_sample`) and its sampling parameters; grading through the
eval graders (`grade_all`), with a grader model asked the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.core.evals import graders
from tui.core.evals.retry import with_retries
from tui.core.evals.runner import RunnerOptions, chat_sample, sampling_kwargs
from tui.core.evals.summary import item_score, item_status
from tui.core.inference_prices import estimate_cost


@dataclass
class Answer:
    text: str
    input_tokens: int
    output_tokens: int
    cost: float | None
    sample: dict[str, Any]


class Teacher:
    def __init__(self, client: Any, model: str, options: RunnerOptions,
                 params: dict[str, Any] | None = None) -> None:
        self.client = client
        self.model = model
        self.options = options
        self.params = dict(params or {})
        self.calls = 0
        self.env = graders.GraderEnv(call_model=self._grader_call,
                                     allow_unsandboxed_graders=options.allow_unsandboxed_graders)

    def _cost(self, model: str, usage_in: int | None, usage_out: int | None) -> float | None:
        return estimate_cost(model, usage_in, usage_out,
                             input_overrides=self.options.input_prices,
                             output_overrides=self.options.output_prices)

    async def _create(self, model: str, messages: list[dict[str, Any]],
                      params: dict[str, Any]) -> Any:
        async def call():
            self.calls += 1
            return await self.client.chat.completions.create(
                model=model, messages=messages, timeout=self.options.timeout_s,
                extra_headers=self.options.extra_headers, **sampling_kwargs(params, "chat"))

        response, _attempts = await with_retries(call, self.options.policy)
        return response

    async def ask(self, messages: list[dict[str, Any]]) -> Answer:
        response = await self._create(self.model, messages, self.params)
        return self.answer_of(response, messages)

    def answer_of(self, response: Any, messages: list[dict[str, Any]],
                  discount: float = 1.0) -> Answer:
        """The answer in a chat completion (live, or one line of a batch at its discount)."""
        sample = chat_sample(response, messages, self.params, self.model)
        usage = sample["usage"]
        cost = self._cost(self.model, usage["prompt_tokens"], usage["completion_tokens"])
        return Answer(sample["output_text"], usage["prompt_tokens"], usage["completion_tokens"],
                      None if cost is None else cost * discount, sample)

    async def grade(self, criteria: list[dict[str, Any]], item: dict[str, Any],
                    sample: dict[str, Any]) -> tuple[str, float | None, float]:
        """(pass/fail/error, score, what model graders cost) of one answer."""
        results = [g.as_dict() for g in await graders.grade_all(criteria, item, sample, self.env)]
        cost = 0.0
        for result in results:
            used = result.get("sample") or {}
            usage = used.get("usage") or {}
            if used.get("model"):
                cost += self._cost(used["model"], usage.get("prompt_tokens"),
                                   usage.get("completion_tokens")) or 0.0
        return item_status(results), item_score(results), cost

    async def _grader_call(self, model: str, messages: list[dict[str, Any]],
                           params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        response = await self._create(model, messages, params)
        u = response.usage
        return (response.choices[0].message.content or "",
                {"prompt_tokens": u.prompt_tokens if u else 0,
                 "completion_tokens": u.completion_tokens if u else 0})
