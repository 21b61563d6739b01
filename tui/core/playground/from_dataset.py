"""Prompt material from stored datasets: an example's fields as variables, few-shot turns.

Which dataset version is picked in a form (tui/screens/example_source_form.py) or named
as NAME@N (tui.core.refs); these read the picked version."""

from __future__ import annotations

import json
from typing import Any

from store import Store
from store.records import DatasetVersion


def example_variables(data: Any) -> dict[str, str]:
    """The fields a prompt's {{variables}} can take from one example.

    Eval rows (`{"item": {...}}`) give their item's fields; other rows give
    their top-level fields except the conversation itself.
    """
    if not isinstance(data, dict):
        return {}
    source = data.get("item") if isinstance(data.get("item"), dict) else data
    skip = {"messages", "tools", "parallel_tool_calls", "input", "preferred_output",
            "non_preferred_output"}
    return {
        key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for key, value in source.items()
        if key not in skip
    }


def example_at(store: Store, version: DatasetVersion, line: int) -> Any:
    example = store.datasets.example(version.id, line)
    return json.loads(example.data)


def few_shot_turns(store: Store, version: DatasetVersion, n: int) -> list[dict[str, Any]]:
    """The user/assistant turns of the first `n` valid chat examples, in order."""
    turns: list[dict[str, Any]] = []
    for example in store.datasets.page_examples(version.id, status="valid", limit=n):
        data = json.loads(example.data)
        messages = data.get("messages") if isinstance(data, dict) else None
        for message in messages or []:
            if isinstance(message, dict) and message.get("role") in ("user", "assistant") \
                    and isinstance(message.get("content"), str):
                turns.append({"role": message["role"], "content": message["content"]})
    return turns
