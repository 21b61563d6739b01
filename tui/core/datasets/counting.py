"""Tokens of one example, counted as the OpenAI cookbook's `num_tokens_from_messages`.

3 tokens per message, plus the encoded value of every field, plus 1 per
`name`, plus 3 for the reply's priming. Where the cookbook would crash, this
counts instead:

* a `null` value counts 0 (an assistant's `content` beside tool calls);
* `weight` counts 0 (it steers training; the model never sees it);
* list content counts each text part's text, and `IMAGE_TOKENS` per image
  part (the low-detail price; the real cost depends on the image's size);
* any other non-string value (tool_calls, a number, an object) counts the
  tokens of its compact JSON.

Assistant tokens are those of assistant messages the model trains on
(weight not 0): content and tool calls.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
TOKENS_PER_REPLY = 3
IMAGE_TOKENS = 85
_ASSISTANT_FIELDS = frozenset({"content", "tool_calls", "function_call", "refusal"})


def value_tokens(count: Callable[[str], int], key: str, value: object) -> int:
    if type(value) is str:
        return count(value)
    if value is None or key == "weight":
        return 0
    if key == "content" and type(value) is list:
        total = 0
        for part in value:
            kind = part.get("type") if type(part) is dict else None
            if kind == "text" and type(part.get("text")) is str:
                total += count(part["text"])
            elif kind == "image_url":
                total += IMAGE_TOKENS
            else:
                total += count(_json(part))
        return total
    return count(_json(value))


def _json(value: object) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):
        return str(value)


def count_messages(messages: list, count: Callable[[str], int],
                   fresh: Callable[[str], int] | None = None) -> tuple[int, int]:
    """(tokens, assistant tokens) of a messages list.

    `fresh`, when given, counts the content of user, assistant and tool messages (text
    that seldom repeats) and `count` everything else: roles, names, system and developer
    prompts, which a dataset repeats on every line (a caching counter counts each once).
    """
    total = TOKENS_PER_REPLY
    assistant = 0
    fresh = fresh or count
    for message in messages:
        total += TOKENS_PER_MESSAGE
        if type(message) is not dict:
            total += count(_json(message))
            continue
        role = message.get("role")
        trained = role == "assistant" and message.get("weight", 1) != 0
        content_count = count if role == "system" or role == "developer" else fresh
        for key, value in message.items():
            if type(value) is str:
                n = content_count(value) if key == "content" else count(value)
            else:
                n = value_tokens(count, key, value)
            total += n
            if key == "name":
                total += TOKENS_PER_NAME
            if trained and key in _ASSISTANT_FIELDS:
                assistant += n
    return total, assistant
