"""A GEPA candidate ({part: text}) and the chat messages it stands for.

Parts: `system` (the system prompt) and `user` (the first user message, a
template with {{item.x}} or {{x}} variables). The seed's other messages are kept
as they are. A prompt saved with only a system message takes the eval's own
template for the rest, so the items still reach the model.
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

PARTS = ("system", "user")


class CandidateError(ValueError):
    pass


def _template_messages(input_messages: Any) -> list[dict[str, Any]]:
    if isinstance(input_messages, dict) and input_messages.get("type") == "template":
        return [m for m in input_messages.get("template") or [] if isinstance(m, dict)]
    if isinstance(input_messages, list):
        return [m for m in input_messages if isinstance(m, dict)]
    return []


def _text(content: Any) -> str:
    from tui.core.evals.context import content_text

    return content_text(content)


def base_messages(prompt_messages: list[dict[str, Any]],
                  eval_input_messages: Any) -> list[dict[str, Any]]:
    """The seed's messages, completed with the eval template's non-system messages when
    the prompt has none of its own."""
    messages = [{"role": m.get("role", "user"), "content": _text(m.get("content"))}
                for m in prompt_messages if isinstance(m, dict)]
    if not any(m["role"] != "system" for m in messages):
        messages += [{"role": m.get("role", "user"), "content": _text(m.get("content"))}
                     for m in _template_messages(eval_input_messages)
                     if m.get("role") not in ("system", "developer")]
    if not any(m["role"] == "user" for m in messages):
        raise CandidateError("the prompt has no user message and the eval's template none: "
                             "save the prompt with a user message such as {{item.question}}")
    return messages


def seed_candidate(messages: list[dict[str, Any]], parts: list[str]) -> dict[str, str]:
    unknown = set(parts) - set(PARTS)
    if unknown or not parts:
        raise CandidateError(f"parts to optimize: {', '.join(PARTS)} (got {', '.join(parts)})")
    candidate = {}
    for part in parts:
        found = next((m for m in messages if m["role"] == part), None)
        candidate[part] = found["content"] if found else ""
    return candidate


def messages_for(messages: list[dict[str, Any]], candidate: dict[str, str]) -> list[dict]:
    """The seed's messages with each optimized part's text put in its place."""
    out = copy.deepcopy(messages)
    for part, text in candidate.items():
        found = next((m for m in out if m["role"] == part), None)
        if found is not None:
            found["content"] = text
        elif part == "system":
            out.insert(0, {"role": "system", "content": text})
        else:
            out.append({"role": part, "content": text})
    return out


def template(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """OpenAI's input_messages template for a run."""
    return {"type": "template", "template": messages}


def candidate_hash(candidate: dict[str, str]) -> str:
    body = json.dumps(candidate, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]
