"""Turning playground outputs and eval failures into training and eval data lines."""

from __future__ import annotations

from typing import Any


def _assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def sft_example(messages: list[dict[str, Any]], output: str) -> dict[str, Any]:
    """The conversation plus the (possibly edited) answer, as one SFT line."""
    return {"messages": [*messages, _assistant(output)]}


def dpo_pair(messages: list[dict[str, Any]], preferred: str, rejected: str) -> dict[str, Any]:
    return {
        "input": {"messages": messages},
        "preferred_output": [_assistant(preferred)],
        "non_preferred_output": [_assistant(rejected)],
    }


def eval_item(
    messages: list[dict[str, Any]], reference: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An eval data line in OpenAI's `{"item": {...}}` shape."""
    last_user = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
    item: dict[str, Any] = {"input": last_user, "reference": reference}
    if variables:
        item.update(variables)
    item["messages"] = messages
    return {"item": item}
