"""Conflicting labels: examples that ask the same thing and teach different answers.

Dedupe drops an example only when it is equal to an earlier one. Two chat examples
whose prompt is the same (every message before the final assistant turn, and the
tools offered) but whose final answers differ are not duplicates: they are two
labels for one question, and training on both teaches the model to guess. Which
answer is right only the user knows, so these are reported, never dropped.

Only chat (SFT) examples are compared; a preference pair may share its input with
others on purpose. Lines that are not JSON objects with such a conversation are
skipped: the validator reports those.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tui.core.wording import count_of


@dataclass(frozen=True)
class ConflictGroup:
    """One prompt, asked on several lines (1-based), answered differently."""

    lines: tuple[int, ...]
    answers: int  # how many distinct answers those lines hold


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def prompt_and_answer(data: str) -> tuple[str, str] | None:
    """(prompt key, answer key) of one chat example ending in an assistant turn."""
    try:
        example = json.loads(data)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(example, dict):
        return None
    messages = example.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return None
    last = messages[-1]
    if not isinstance(last, dict) or last.get("role") != "assistant":
        return None
    prompt = {"messages": messages[:-1], "tools": example.get("tools"),
              "functions": example.get("functions")}
    # The answer is what the assistant says or calls; a weight is not part of it.
    answer = {k: v for k, v in last.items() if k != "weight"}
    try:
        return _canonical(prompt), _canonical(answer)
    except (TypeError, ValueError, RecursionError):
        return None


def conflicting_answers(lines: Iterable[str]) -> list[ConflictGroup]:
    """Groups of lines sharing a prompt with more than one distinct answer, in the
    order their first line appears."""
    seen: dict[str, list[tuple[int, str]]] = {}
    for number, data in enumerate(lines, start=1):
        keys = prompt_and_answer(data)
        if keys is not None:
            seen.setdefault(keys[0], []).append((number, keys[1]))
    groups = []
    for entries in seen.values():
        answers = {answer for _, answer in entries}
        if len(answers) > 1:
            groups.append(ConflictGroup(tuple(n for n, _ in entries), len(answers)))
    return groups


def describe(groups: list[ConflictGroup], *, shown: int = 5) -> str:
    """One line for a notification: how many prompts conflict, and on which lines."""
    if not groups:
        return ""
    listed = "; ".join("lines " + ", ".join(map(str, g.lines)) for g in groups[:shown])
    more = f"; and {count_of(len(groups) - shown, 'more prompt')}" if len(groups) > shown \
        else ""
    verb = "has" if len(groups) == 1 else "have"
    return (f"{count_of(len(groups), 'prompt')} {verb} conflicting answers (kept, for you "
            f"to resolve): {listed}{more}")
