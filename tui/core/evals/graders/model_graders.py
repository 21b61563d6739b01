"""score_model and label_model: a model reads the filled messages and answers.

score_model asks for OpenAI's `{"result": float, "steps": [...]}` and takes the
first number in the text when the answer is not that JSON; label_model takes
`{"label": ...}` or the bare answer, matched case-insensitively to `labels`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tui.core.evals.context import build_messages
from tui.core.evals.graders.base import GraderConfigError, GraderEnv, GradeResult, threshold_pass

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")

SCORE_SCHEMA = {
    "type": "object",
    "properties": {
        "steps": {"type": "array", "items": {"type": "object", "properties": {
            "description": {"type": "string"}, "conclusion": {"type": "string"}},
            "required": ["description", "conclusion"], "additionalProperties": False}},
        "result": {"type": "number"},
    },
    "required": ["steps", "result"],
    "additionalProperties": False,
}


def _validate_common(kind: str, criterion: dict[str, Any]) -> list[str]:
    errors = []
    if not isinstance(criterion.get("model"), str) or not criterion.get("model"):
        errors.append(f"{kind}: 'model' is required")
    messages = criterion.get("input")
    if not isinstance(messages, list) or not messages:
        errors.append(f"{kind}: 'input' must be a non-empty list of messages")
    return errors


def validate_score(criterion: dict[str, Any]) -> list[str]:
    errors = _validate_common("score_model", criterion)
    rng = criterion.get("range", [0, 1])
    if not (isinstance(rng, list) and len(rng) == 2 and all(isinstance(x, int | float) for x in rng)
            and rng[0] < rng[1]):
        errors.append("score_model: 'range' must be [low, high] with low < high")
    return errors


def validate_label(criterion: dict[str, Any]) -> list[str]:
    errors = _validate_common("label_model", criterion)
    labels = criterion.get("labels")
    if not isinstance(labels, list) or not labels:
        errors.append("label_model: 'labels' must be a non-empty list")
    passing = criterion.get("passing_labels")
    if not isinstance(passing, list) or not passing:
        errors.append("label_model: 'passing_labels' must be a non-empty list")
    elif isinstance(labels, list) and not set(passing) <= set(labels):
        errors.append("label_model: every passing label must be one of 'labels'")
    return errors


def parse_score(text: str) -> tuple[float, str | None]:
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("result"), int | float):
        steps = data.get("steps") or []
        reasoning = " ".join(
            str(s.get("conclusion") or s.get("description") or "") if isinstance(s, dict) else str(s)
            for s in steps
        )
        return float(data["result"]), reasoning or None
    match = _NUMBER.search(text)
    if match is None:
        raise ValueError(f"no score in the grader model's answer: {text[:120]!r}")
    return float(match.group(0)), text.strip() or None


def parse_label(text: str, labels: list[str]) -> str:
    candidate = text.strip()
    try:
        data = json.loads(candidate)
    except ValueError:
        data = None
    if isinstance(data, dict):
        candidate = str(data.get("label") or data.get("result") or "")
    elif isinstance(data, str):
        candidate = data
    by_lower = {label.lower(): label for label in labels}
    if candidate.lower().strip(" .\"'") in by_lower:
        return by_lower[candidate.lower().strip(" .\"'")]
    # The first label named anywhere in the answer.
    found = [(candidate.lower().find(k), v) for k, v in by_lower.items() if k in candidate.lower()]
    if found:
        return min(found)[1]
    raise ValueError(f"the grader model answered none of the labels: {text[:120]!r}")


def _sample(model, messages, text, usage) -> dict[str, Any]:
    return {"model": model, "input": messages, "output": [{"role": "assistant", "content": text}], "usage": usage}


async def grade_score(criterion: dict[str, Any], context: dict[str, Any],
                      env: GraderEnv) -> GradeResult:
    if env.call_model is None:
        raise GraderConfigError("score_model needs a model to call")
    messages = build_messages(criterion["input"], context["item"], context["sample"])
    params = dict(criterion.get("sampling_params") or {})
    text, usage = await env.call_model(criterion["model"], messages, params)
    score, reasoning = parse_score(text)
    low, high = criterion.get("range", [0, 1])
    if not low <= score <= high:
        raise ValueError(f"score {score} outside the range [{low}, {high}]")
    return GradeResult(
        name=criterion.get("name", "score_model"), type="score_model", score=score,
        passed=threshold_pass(score, criterion, (low + high) / 2), reasoning=reasoning,
        sample=_sample(criterion["model"], messages, text, usage),
    )


async def grade_label(criterion: dict[str, Any], context: dict[str, Any],
                      env: GraderEnv) -> GradeResult:
    if env.call_model is None:
        raise GraderConfigError("label_model needs a model to call")
    messages = build_messages(criterion["input"], context["item"], context["sample"])
    text, usage = await env.call_model(criterion["model"], messages,
                                       dict(criterion.get("sampling_params") or {}))
    label = parse_label(text, list(criterion["labels"]))
    passed = label in criterion["passing_labels"]
    return GradeResult(
        name=criterion.get("name", "label_model"), type="label_model",
        score=1.0 if passed else 0.0, passed=passed, reasoning=f"label: {label}",
        sample=_sample(criterion["model"], messages, text, usage),
    )
