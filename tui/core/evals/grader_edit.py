"""What the grader editor needs: check criteria text as it is typed, try them on one item.

`check_text` turns the editor's JSON into testing criteria and every problem
into a `Problem` whose `path` names the bad field (`testing_criteria[0].operation`,
`testing_criteria[1].graders.fuzzy.evaluation_metric`, or a line and column
for JSON that does not parse). The rules are the graders' own (`validate_all`).

`try_criteria` grades one item with the criteria, sampling it first from the
eval's model when it has no sample yet; model graders call the same client.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tui.core.evals import graders
from tui.core.evals.context import build_messages
from tui.core.evals.retry import RetryPolicy, with_retries
from tui.core.evals.runner import chat_sample, sampling_kwargs

FIELDS = ("name", "type", "input", "reference", "operation", "evaluation_metric",
          "pass_threshold", "model", "range", "labels", "passing_labels", "source",
          "graders", "calculate_output", "sampling_params")
_INDEX = re.compile(r"^testing_criteria\[(\d+)\]: (.*)$", re.S)
_KIND = re.compile(r"^(\w+)(?:\.([\w-]+))?: (.*)$", re.S)


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _field(message: str) -> str | None:
    if "passing label" in message:
        return "passing_labels"
    if "syntax error on line" in message or "define grade(" in message:
        return "source"
    if message.startswith("calculate_output") or "calculate_output" in message:
        return "calculate_output"
    if "the name" in message and "used twice" in message:
        return "name"
    quoted = re.search(r"'(\w+)'", message)
    if quoted and quoted.group(1) in FIELDS:
        return quoted.group(1)
    first = re.match(r"(\w+) must", message)
    if first and first.group(1) in FIELDS:
        return first.group(1)
    return None


def locate(message: str) -> Problem:
    """A validate_all message as (path of the bad field, what is wrong with it)."""
    path = "testing_criteria"
    match = _INDEX.match(message)
    if match is None:
        return Problem(path, message)
    path, rest = f"{path}[{match.group(1)}]", match.group(2)
    while True:
        kind = _KIND.match(rest)
        if kind is None or kind.group(1) in FIELDS:
            break
        if kind.group(1) == "multi" and kind.group(2):
            path += f".graders.{kind.group(2)}"
        rest = kind.group(3)
    field = _field(rest)
    return Problem(f"{path}.{field}" if field else path, rest)


def check_text(text: str) -> tuple[list[dict[str, Any]] | None, list[Problem]]:
    """(criteria, []) when the text is valid testing criteria, else (None or them, problems)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        where = (f"line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError)
                 else "JSON")
        return None, [Problem(where, getattr(exc, "msg", str(exc)))]
    if isinstance(data, dict) and "type" in data:
        data = [data]  # one grader on its own is a list of one
    problems = [locate(m) for m in graders.validate_all(data)]
    return (data if isinstance(data, list) else None), problems


@dataclass
class Trial:
    sample: dict[str, Any]
    results: list[graders.GradeResult]
    sampled: bool  # the sample was made for this trial (the item had none)


async def try_criteria(criteria: list[dict[str, Any]], item: dict[str, Any],
                       sample: dict[str, Any] | None, *, client: Any = None,
                       model: str | None = None, input_messages: Any = None,
                       sampling_params: dict[str, Any] | None = None,
                       timeout_s: float = 60.0, policy: RetryPolicy | None = None,
                       allow_unsandboxed_graders: bool = False) -> Trial:
    policy = policy or RetryPolicy(attempts=3)

    async def chat(model_name: str, messages: list[dict[str, Any]], params: dict[str, Any]):
        if client is None:
            raise RuntimeError("this needs a provider client (model graders, or sampling)")
        response, _ = await with_retries(lambda: client.chat.completions.create(
            model=model_name, messages=messages, timeout=timeout_s,
            **sampling_kwargs(params, "chat")), policy)
        return response

    async def call_model(model_name: str, messages: list[dict[str, Any]],
                         params: dict[str, Any]) -> tuple[str, dict]:
        response = await chat(model_name, messages, params)
        u = response.usage
        return response.choices[0].message.content or "", {
            "prompt_tokens": u.prompt_tokens if u else 0,
            "completion_tokens": u.completion_tokens if u else 0}

    async def embed(model_name: str, texts: list[str]) -> list[list[float]]:
        if client is None:
            raise RuntimeError("cosine similarity needs a provider client with embeddings")
        response, _ = await with_retries(lambda: client.embeddings.create(
            model=model_name, input=texts, timeout=timeout_s), policy)
        return [list(d.embedding) for d in response.data]

    sampled = False
    if sample is None:
        if not model:
            raise ValueError("the item has no sample and the eval names no model to make one")
        messages = build_messages(input_messages, item)
        response = await chat(model, messages, sampling_params or {})
        sample, sampled = chat_sample(response, messages, sampling_params or {}, model), True
    env = graders.GraderEnv(call_model=call_model, embed=embed,
                            allow_unsandboxed_graders=allow_unsandboxed_graders)
    return Trial(sample=sample, results=await graders.grade_all(criteria, item, sample, env),
                 sampled=sampled)
