"""Where a distillation's prompts come from: a dataset version, or an eval's items.

A prompt is the messages the teacher is asked and the item its graders see
(`{{item.*}}`). Prompts are numbered by their place in an immutable source
(a version's lines, an eval's items), so a resumed run finds the same prompt
under the same number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tui.core.evals.context import build_messages, content_text


@dataclass(frozen=True)
class Prompt:
    index: int
    messages: list[dict[str, Any]]
    item: dict[str, Any]
    extra: dict[str, Any]  # what the SFT line keeps beside messages (tools)


def _last_user_cut(messages: Any) -> tuple[list[dict[str, Any]], str | None] | None:
    """The conversation up to and including its last user turn, and the answer that
    followed it there (the line's own reference), or None without a user turn."""
    if not isinstance(messages, list):
        return None
    users = [i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        return None
    cut = users[-1] + 1
    after = [m for m in messages[cut:] if isinstance(m, dict) and m.get("role") == "assistant"]
    reference = content_text(after[0].get("content")) if after else None
    return [dict(m) for m in messages[:cut] if isinstance(m, dict)], reference


def from_version(store: Any, version_id: int) -> Iterator[Prompt]:
    """A dataset version's conversations up to their last user turn. The grader item is
    the line itself with those messages and `reference`: what the line answered there."""
    from tui.core.dataset_versions import version_lines

    for index, line in enumerate(version_lines(store, version_id, only_valid=True)):
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if not isinstance(row, dict):
            continue
        cut = _last_user_cut(row.get("messages"))
        if cut is None:
            continue
        messages, reference = cut
        extra = {k: row[k] for k in ("tools", "parallel_tool_calls") if k in row}
        yield Prompt(index, messages, {**row, "messages": messages, "reference": reference},
                     extra)


def from_eval(store: Any, eval_id: int) -> Iterator[Prompt]:
    """An eval's items through its `input_messages` template, as an eval run asks them."""
    from tui.core.evals import definition as defs
    from tui.core.evals.items import iter_source

    eval_row = store.evals.get(eval_id)
    definition = defs.from_store(eval_row)
    if not definition.source:
        raise ValueError(f"eval {eval_row.name!r} names no items to distill from")
    for index, row in enumerate(iter_source(definition.source, store)):
        item = row["item"]
        yield Prompt(index, build_messages(definition.input_messages, item), item, {})


def prompts_of(store: Any, run: Any) -> Iterator[Prompt]:
    if run.source_kind == "dataset":
        return from_version(store, run.source_version_id)
    return from_eval(store, run.source_eval_id)
