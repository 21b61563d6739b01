"""Few-shot examples as one GEPA component: the user/assistant pairs as JSON text.

A prompt version keeps few-shot examples as plain turns (the Playground's "Few-shot
from a dataset" puts them between the system message and the user template). GEPA
evolves text, so the pairs travel as a JSON list of {"user": ..., "assistant": ...}
objects, one pair a line so the live view's diff shows which example changed. The
reflection model writes a new list; reading it back is lenient about the shapes a
model plausibly answers in (a fenced ```json block, role/content messages) and
strict about everything else, so a malformed proposal is scored as a failure with
the reason instead of stopping the search.
"""

from __future__ import annotations

import json
import re
from typing import Any

REFLECTION_TEMPLATE = """I provided an assistant with the following few-shot examples \
(user/assistant pairs shown before each task) to teach it how to answer:
```
<curr_param>
```

The following are examples of task inputs given to the assistant after those examples, \
along with the assistant's response for each of them, and feedback on how the response \
could be better:
```
<side_info>
```

Your task is to write a new list of few-shot examples that teaches the assistant to \
answer as the references and the feedback require: their format, length and style. \
Keep the same JSON shape, a list of {"user": ..., "assistant": ...} objects.

Provide the new JSON list within ``` blocks."""


class FewShotError(ValueError):
    """A few-shot text that is not a list of user/assistant pairs."""


def to_text(turns: list[dict[str, Any]]) -> str:
    """Turns (user, assistant, user, assistant, ...) as the component's JSON text."""
    pairs = [{"user": turns[i]["content"], "assistant": turns[i + 1]["content"]}
             for i in range(0, len(turns) - 1, 2)]
    if not pairs:
        return "[]"
    return "[\n" + ",\n".join(f"  {json.dumps(p, ensure_ascii=False)}" for p in pairs) + "\n]"


_LANG_LINE = re.compile(r"^\s*(json|JSON)\s*\n")


def _pair(entry: Any, position: int) -> tuple[str, str]:
    if isinstance(entry, dict) and isinstance(entry.get("user"), str) \
            and isinstance(entry.get("assistant"), str):
        return entry["user"], entry["assistant"]
    raise FewShotError(f"example {position} is not {{\"user\": text, \"assistant\": text}}")


def to_turns(text: str) -> list[dict[str, str]]:
    """The component's text back as user/assistant turns; FewShotError says what is wrong."""
    body = _LANG_LINE.sub("", text.strip().strip("`"), count=1).strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise FewShotError(f"the few-shot examples are not JSON ({exc.msg} at line "
                           f"{exc.lineno})") from None
    if not isinstance(data, list):
        raise FewShotError("the few-shot examples are not a JSON list")
    if data and all(isinstance(e, dict) and "role" in e for e in data):
        roles = [e.get("role") for e in data]
        if len(data) % 2 or roles != ["user", "assistant"] * (len(data) // 2) or not all(
                isinstance(e.get("content"), str) for e in data):
            raise FewShotError("the few-shot messages do not alternate user, assistant")
        return [{"role": e["role"], "content": e["content"]} for e in data]
    turns: list[dict[str, str]] = []
    for position, entry in enumerate(data, 1):
        user, assistant = _pair(entry, position)
        turns += [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]
    return turns
