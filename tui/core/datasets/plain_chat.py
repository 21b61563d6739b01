"""Plain chat examples: recognised, checked and counted in one loop over their messages.

Most supervised lines are `{"messages": [...]}` with every message exactly
{role, content}: the role system, developer, user or assistant, the content a
non-empty string, and an assistant message among them. The full rules find
nothing in such an example (no weight, name, tools or images to look at), so
its verdict is "valid, sft, no finding" and all that is left is its tokens.

Counting them in the same loop that recognises them, as the cookbook's
`num_tokens_from_messages` does (counting.count_messages gives the same
numbers; a test compares them), is the validation's fast path: the tokenizer
is ~75% of a scan, and this takes the other per-line work down by about half
(bench/NOTES.md).
"""

from __future__ import annotations

from collections.abc import Callable

from tui.core.datasets.counting import TOKENS_PER_MESSAGE, TOKENS_PER_REPLY

PLAIN_ROLES = ("system", "developer", "user", "assistant")
_CACHED_ROLES = frozenset({"system", "developer"})  # their prompts repeat on every line

Count = Callable[[str], int]


def role_costs(count: Count) -> dict[str, int]:
    """Tokens a plain message costs besides its content: the per-message 3 and the role."""
    return {role: TOKENS_PER_MESSAGE + count(role) for role in PLAIN_ROLES}


def plain_chat_counts(obj: object, roles: dict[str, int], cached: Count, fresh: Count
                      ) -> tuple[int, int, int] | None:
    """(tokens, assistant tokens, messages) of a plain chat example; None for anything else.

    `roles` is role_costs' table; `cached` counts system and developer prompts (text a
    file repeats), `fresh` user and assistant text. Content holding "<" is not plain
    here: it may spell a special token, which the full rules look for.
    """
    if type(obj) is not dict or len(obj) != 1:
        return None
    messages = obj.get("messages")
    if type(messages) is not list or not messages:
        return None
    total = TOKENS_PER_REPLY
    assistant = -1  # no assistant message yet
    for m in messages:
        if type(m) is not dict or len(m) != 2:
            return None
        content = m.get("content")
        role = m.get("role")
        if type(content) is not str or not content or "<" in content or type(role) is not str:
            return None
        cost = roles.get(role)
        if cost is None:
            return None
        n = cached(content) if role in _CACHED_ROLES else fresh(content)
        total += cost + n
        if role == "assistant":
            assistant = n if assistant < 0 else assistant + n
    if assistant < 0:
        return None
    return total, assistant, len(messages)


def _nothing(_text: str) -> int:
    return 0


_NO_ROLE_COST = dict.fromkeys(PLAIN_ROLES, 0)


def is_plain_chat(obj: object) -> bool:
    """Whether `obj` is a plain chat example (see the module's docstring)."""
    return plain_chat_counts(obj, _NO_ROLE_COST, _nothing, _nothing) is not None
