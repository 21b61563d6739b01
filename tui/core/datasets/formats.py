"""Training-file formats and fine-tuning methods, and telling them apart.

Line formats: `sft` (chat), `sft_tools` (chat with tools or tool calls),
`vision` (chat with image parts), `dpo`, `rft`, and `unknown` (not an example
of any format). Methods are the fine-tuning job's: `supervised`, `dpo`,
`reinforcement`. A file is validated against one method: the one given, or
the one most of its first lines look like.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import orjson

FORMATS = ("sft", "sft_tools", "vision", "dpo", "rft", "unknown")
METHODS = ("supervised", "dpo", "reinforcement")
METHOD_ALIASES = {"sft": "supervised", "rft": "reinforcement", "preference": "dpo"}

SFT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
DPO_KEYS = frozenset({"input", "preferred_output", "non_preferred_output"})
DPO_OBSOLETE_KEYS = frozenset({"preferred_completion", "non_preferred_completion"})

# The methods that can train a model family (longest prefix wins); unlisted: any method.
_REINFORCEMENT_ONLY = ("o1", "o3", "o4")
_NO_REINFORCEMENT = ("gpt-3.5", "gpt-4", "davinci-002", "babbage-002")  # gpt-4 covers 4o, 4.1


def normalize_method(method: str | None) -> str | None:
    """`None` stays None (detect); known names and aliases map to a method; else ValueError."""
    if method is None:
        return None
    name = METHOD_ALIASES.get(method.strip().lower(), method.strip().lower())
    if name not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    return name


def line_method(obj: object) -> str | None:
    """Which method a parsed line looks like it is for, or None if it is no example at all."""
    if type(obj) is not dict:
        return None
    if not DPO_KEYS.isdisjoint(obj) or not DPO_OBSOLETE_KEYS.isdisjoint(obj):
        return "dpo"
    messages = obj.get("messages")
    if messages is None:
        return None
    if type(messages) is list and messages:
        last = messages[-1]
        if type(last) is dict and last.get("role") == "assistant":
            return "supervised"  # ends with the answer to train on (checked first: most lines)
        # Reinforcement rows are prompts (the model writes the answer), usually with
        # reference fields for the graders.
        if not obj.keys() <= SFT_KEYS:
            return "reinforcement"
        for m in messages:
            if type(m) is dict and m.get("role") == "assistant":
                return "supervised"
        return "reinforcement"
    return "supervised"


def detect_method(sample: Iterable[bytes]) -> str:
    """The method most parseable lines of `sample` look like; `supervised` when none do."""
    votes: Counter[str] = Counter()
    for raw in sample:
        try:
            method = line_method(orjson.loads(raw))
        except orjson.JSONDecodeError:
            continue
        if method is not None:
            votes[method] += 1
    if not votes:
        return "supervised"
    best = max(votes.values())
    return next(m for m in METHODS if votes[m] == best)


def model_method_problem(model: str, method: str) -> str | None:
    """Why `model` cannot be fine-tuned with `method`, or None when it can (or is unknown)."""
    name = model[3:].split(":", 1)[0] if model.startswith("ft:") else model
    if name.startswith(_REINFORCEMENT_ONLY) and method != "reinforcement":
        return f"{model} can only be fine-tuned with method reinforcement, not {method}"
    if name.startswith(_NO_REINFORCEMENT) and method == "reinforcement":
        return (f"{model} cannot be fine-tuned with method reinforcement "
                "(use an o-series model such as o4-mini)")
    return None
