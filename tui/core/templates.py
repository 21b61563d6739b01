"""`{{variable}}` templates: find the names, fill them, never evaluate anything.

A template is data, not code: `{{ a.b.0 }}` looks up keys and list indexes
in plain dicts and lists, and nothing else (no attributes, no calls).
"""

from __future__ import annotations

import json
import re
from typing import Any

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][\w\-]*(?:\.[\w\-]+)*)\s*\}\}")
_MISSING = object()


def variables(text: str) -> list[str]:
    """The variable names in a text, in order of first appearance."""
    seen: dict[str, None] = {}
    for match in VARIABLE.finditer(text):
        seen.setdefault(match.group(1), None)
    return list(seen)


def lookup(context: dict[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def fill(text: str, context: dict[str, Any], *, keep_missing: bool = True) -> str:
    """Replace each `{{name}}` with its value; a missing one stays as written (or becomes "")."""

    def replace(match: re.Match[str]) -> str:
        value = lookup(context, match.group(1))
        if value is _MISSING:
            return match.group(0) if keep_missing else ""
        return _as_text(value)

    return VARIABLE.sub(replace, text)


def missing(text: str, context: dict[str, Any]) -> list[str]:
    return [name for name in variables(text) if lookup(context, name) is _MISSING]


def fill_messages(messages: list[dict[str, Any]], context: dict[str, Any]) -> list[dict[str, Any]]:
    """Fill every string content (and text parts) of a message list."""
    filled = []
    for message in messages:
        message = dict(message)
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = fill(content, context)
        elif isinstance(content, list):
            message["content"] = [
                {**part, "text": fill(part["text"], context)}
                if isinstance(part, dict) and isinstance(part.get("text"), str)
                else part
                for part in content
            ]
        filled.append(message)
    return filled


def message_variables(messages: list[dict[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for message in messages:
        content = message.get("content")
        texts = (
            [content]
            if isinstance(content, str)
            else [p.get("text", "") for p in content or [] if isinstance(p, dict)]
        )
        for text in texts:
            for name in variables(text):
                names.setdefault(name, None)
    return list(names)
