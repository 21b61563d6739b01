"""Sandbox tokens and the token-overlap similarity its models and metrics share.

Sandbox tokens are words and punctuation marks (not BPE tokens): cheap,
deterministic, and easy to explain when a number looks odd.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

_TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def count_tokens(text: str) -> int:
    return len(tokens(text))


def truncate(text: str, max_tokens: int) -> tuple[str, bool]:
    """The prefix of `text` holding at most `max_tokens` tokens, and whether it was cut."""
    matches = list(_TOKEN.finditer(text))
    if len(matches) <= max_tokens:
        return text, False
    if max_tokens <= 0:
        return "", True
    return text[: matches[max_tokens - 1].end()], True


def similarity(a: str, b: str) -> float:
    """Token-overlap F1 of two texts (case-folded): 1.0 identical bags, 0.0 disjoint."""
    ta = Counter(t.lower() for t in tokens(a))
    tb = Counter(t.lower() for t in tokens(b))
    if not ta and not tb:
        return 1.0
    overlap = sum((ta & tb).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(ta.values())
    recall = overlap / sum(tb.values())
    return 2 * precision * recall / (precision + recall)


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                text = part.get("text")
                if isinstance(text, str):
                    parts.append(text)
        return "\n".join(parts)
    return str(content)


def messages_text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(content_text(m.get("content")) for m in messages if isinstance(m, dict))


def messages_tokens(messages: list[dict[str, Any]]) -> int:
    # Same framing as the cookbook count (3 a message + 3 a conversation), sandbox tokens inside.
    return sum(3 + count_tokens(content_text(m.get("content"))) for m in messages if isinstance(m, dict)) + 3
