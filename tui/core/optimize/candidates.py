"""A GEPA candidate ({part: text}) and the chat messages it stands for.

Parts: `system` (the system prompt), `user` (the last user message, the
template with {{item.x}} or {{x}} variables each item fills), `few_shot` (the
example user/assistant turns before it, as one JSON text: tui.core.optimize.
few_shot) and `message:N` for any other message of the seed. Parts not chosen
are kept as they are. A prompt saved with only a system message takes the eval's own
template for the rest, so the items still reach the model.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from tui.core.optimize import few_shot

FEW_SHOT = "few_shot"
MESSAGE = "message:"
PARTS = ("system", "user", FEW_SHOT)


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


@dataclass(frozen=True)
class Layout:
    """Where each part lives in a seed's messages (indexes into them).

    `system` is the first system message (added when absent), `user` the last user
    message (the template each item fills), `few_shot` the user/assistant pairs between
    the leading system messages and that template, when they are plain examples (no
    {{variables}}); any other message is `message:N`, N counted from 1.
    """

    count: int
    system: int | None
    user: int
    few_shot: tuple[int, int] | None  # [start, end) of the example turns
    few_shot_problem: str = ""

    def index(self, part: str) -> int | None:
        if part == "system":
            return self.system
        if part == "user":
            return self.user
        number = part.removeprefix(MESSAGE)
        if part.startswith(MESSAGE) and number.isdigit() and 1 <= int(number) <= self.count:
            return int(number) - 1
        raise CandidateError(f"parts to optimize: {', '.join(PARTS)} or {MESSAGE}N for N "
                             f"in 1..{self.count} (got {part})")


def layout(messages: list[dict[str, Any]]) -> Layout:
    users = [i for i, m in enumerate(messages) if m["role"] == "user"]
    if not users:
        raise CandidateError("the prompt has no user message")
    system = next((i for i, m in enumerate(messages) if m["role"] == "system"), None)
    start = 0
    while start < len(messages) and messages[start]["role"] in ("system", "developer"):
        start += 1
    end = users[-1]
    span = messages[start:end] if start <= end else []
    problem = ""
    roles = [m["role"] for m in span]
    if roles != ["user", "assistant"] * (len(span) // 2) or start > end:
        problem = ("the messages before the last user message are not user/assistant pairs; "
                   f"choose them one by one as {MESSAGE}N")
    elif any("{{" in str(m["content"]) for m in span):
        problem = ("the turns before the last user message have {{variables}}, so they are "
                   f"part of the template, not examples; choose them as {MESSAGE}N")
    return Layout(count=len(messages), system=system, user=end,
                  few_shot=None if problem else (start, end), few_shot_problem=problem)


def available_parts(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(part, label) of what may change in these messages, in the order shown."""
    where = layout(messages)
    out = [("system", "system prompt")]
    if where.few_shot is not None:
        n = (where.few_shot[1] - where.few_shot[0]) // 2
        out.append((FEW_SHOT, f"few-shot examples ({n or 'none yet'})"))
    out.append(("user", "user template message"))
    taken = {where.system, where.user, *(range(*where.few_shot) if where.few_shot else ())}
    out += [(f"{MESSAGE}{i + 1}", f"message {i + 1} ({m['role']})")
            for i, m in enumerate(messages) if i not in taken]
    return out


def _check(where: Layout, parts: list[str]) -> None:
    if not parts:
        raise CandidateError(f"parts to optimize: {', '.join(PARTS)} or {MESSAGE}N (got none)")
    owners: dict[int, str] = {}
    for part in parts:
        if part == FEW_SHOT:
            if where.few_shot is None:
                raise CandidateError(f"few_shot: {where.few_shot_problem}")
            indexes = list(range(*where.few_shot))
        else:
            index = where.index(part)
            indexes = [] if index is None else [index]
        for index in indexes:
            if index in owners:
                raise CandidateError(f"{owners[index]} and {part} are the same message "
                                     f"({MESSAGE}{index + 1}): choose one")
            owners[index] = part


def seed_candidate(messages: list[dict[str, Any]], parts: list[str]) -> dict[str, str]:
    where = layout(messages)
    _check(where, parts)
    candidate = {}
    for part in parts:
        if part == FEW_SHOT:
            start, end = where.few_shot or (0, 0)
            candidate[part] = few_shot.to_text(messages[start:end])
            continue
        index = where.index(part)
        candidate[part] = messages[index]["content"] if index is not None else ""
    return candidate


def messages_for(messages: list[dict[str, Any]], candidate: dict[str, str]) -> list[dict]:
    """The seed's messages with each optimized part's text put in its place (FewShotError,
    a CandidateError, when the few-shot text is not a list of pairs)."""
    out = copy.deepcopy(messages)
    where = layout(messages)
    add_system = None
    for part, text in candidate.items():
        if part == FEW_SHOT:
            continue
        index = where.index(part)
        if index is None:
            add_system = text
        else:
            out[index]["content"] = text
    if FEW_SHOT in candidate:
        start, end = where.few_shot or (where.user, where.user)
        try:
            out[start:end] = few_shot.to_turns(candidate[FEW_SHOT])
        except few_shot.FewShotError as exc:
            raise CandidateError(str(exc)) from None
    if add_system is not None:
        out.insert(0, {"role": "system", "content": add_system})
    return out


def task_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages that carry the task (not the system prompt, not the examples)."""
    try:
        span = layout(messages).few_shot or (0, 0)
    except CandidateError:
        span = (0, 0)
    return [m for i, m in enumerate(messages)
            if m["role"] not in ("system", "developer") and not span[0] <= i < span[1]]


def template(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """OpenAI's input_messages template for a run."""
    return {"type": "template", "template": messages}


def candidate_hash(candidate: dict[str, str]) -> str:
    body = json.dumps(candidate, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]
