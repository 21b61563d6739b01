"""One dataset line in one cell: what the Datasets pane's example list shows of it.

A line may be a chat example, a preference pair, an eval item or not JSON at all;
the preview is the part a person recognizes it by (the first user message, the
item) or the validator's message for a line that failed. Headless and pure.
"""

from __future__ import annotations

import json


def preview(data: str, message: str | None) -> str:
    """The validator's message if any, else the item or the first user message (200
    characters, on one line), else the raw line's start."""
    if message:
        return message
    try:
        obj = json.loads(data)
    except (json.JSONDecodeError, RecursionError):
        return data[:120]
    if isinstance(obj, dict):
        source = obj.get("input", obj) if "input" in obj else obj
        if "item" in obj and isinstance(obj["item"], dict):
            return json.dumps(obj["item"], ensure_ascii=False)[:200]
        messages = source.get("messages") if isinstance(source, dict) else None
        if isinstance(messages, list):
            for m in messages:
                if isinstance(m, dict) and m.get("role") == "user":
                    content = m.get("content")
                    text = content if isinstance(content, str) else json.dumps(content)
                    return text.replace("\n", " ")[:200]
    return data[:120]
