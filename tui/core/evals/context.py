"""Samples, grader templates and input messages in OpenAI's shapes.

A template is data, never code: `{{item.a.b}}`, `{{sample.output_text}}` and
`{{sample.output_json.x}}` are key/index look-ups through `tui.core.templates`.
"""

from __future__ import annotations

import json
from typing import Any

from tui.core import templates


def output_text(sample: dict[str, Any] | None) -> str:
    """The model's text in a sample (ours, OpenAI's output-item shape, or a bare string)."""
    if not sample:
        return ""
    if isinstance(sample, str):
        return sample
    if isinstance(sample.get("output_text"), str):
        return sample["output_text"]
    texts = []
    for message in sample.get("output") or []:
        if isinstance(message, dict):
            texts.append(content_text(message.get("content")))
    return "".join(texts)


def content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text", ""))
    if isinstance(content, list):
        return "".join(content_text(part) for part in content)
    return str(content)


def normalize_sample(sample: Any) -> dict[str, Any]:
    """A sample as stored: always with `output_text` and OpenAI's `output` list."""
    if isinstance(sample, str):
        sample = {"output_text": sample}
    sample = dict(sample or {})
    text = output_text(sample)
    sample["output_text"] = text
    sample.setdefault("output", [{"role": "assistant", "content": text}])
    return sample


# What a JSON text can start with after json's whitespace: json.loads fails on any other
# first character, and raising costs more than the rest of templating a message (issue 19).
_JSON_STARTS = frozenset('{["-0123456789tfnNI')


def _output_json(text: Any) -> Any:
    if isinstance(text, str) and text.lstrip(" \t\n\r")[:1] not in _JSON_STARTS:
        return None
    try:
        return json.loads(text)
    except (ValueError, TypeError):
        return None


def grading_context(item: dict[str, Any], sample: dict[str, Any] | None) -> dict[str, Any]:
    sample = normalize_sample(sample)
    sample["output_json"] = _output_json(sample["output_text"])
    return {"item": item, "sample": sample}


def render(template: Any, context: dict[str, Any]) -> str:
    """Fill one grader template; a missing variable becomes "" (as OpenAI renders it)."""
    if not isinstance(template, str):
        return content_text(template)
    return templates.fill(template, context, keep_missing=False)


def _message(entry: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    role = entry.get("role", "user")
    content = entry.get("content", "")
    if isinstance(content, list):
        text = "".join(render(content_text(part), context) for part in content)
    else:
        text = render(content_text(content), context)
    return {"role": role, "content": text}


def build_messages(input_messages: Any, item: dict[str, Any], sample: Any = None) -> list[dict]:
    """Chat messages from OpenAI's `input_messages` (template or item_reference) or a list.

    Variables may be written `{{item.x}}` or, as in playground prompts, `{{x}}`.
    """
    context = {**item, **grading_context(item, sample)}
    if isinstance(input_messages, dict):
        kind = input_messages.get("type")
        if kind == "item_reference":
            ref = str(input_messages.get("item_reference", ""))
            value = templates.lookup(context, ref.strip("{} "))
            if isinstance(value, str):
                return [{"role": "user", "content": value}]
            if isinstance(value, list):
                return [_message(m, {}) for m in value if isinstance(m, dict)]
            raise ValueError(f"item_reference {ref!r} names nothing in this item")
        template = input_messages.get("template", [])
    else:
        template = input_messages or []
    if not isinstance(template, list):
        raise ValueError("input_messages: template must be a list of messages")
    return [_message(entry, context) for entry in template if isinstance(entry, dict)]


def template_messages(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Playground messages as OpenAI's `{type: template, template: [...]}`."""
    return {
        "type": "template",
        "template": [{"role": m.get("role", "user"), "content": m.get("content", "")}
                     for m in messages],
    }
