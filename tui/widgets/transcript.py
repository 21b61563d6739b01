"""An example rendered as a chat transcript: roles coloured, tools and images legible.

Works on whatever the line holds, valid or not: a transcript is also how a
user sees *why* a line was rejected. Everything in a line is data: it is put
into Text (never markup) through `visible()`, so control characters show.
"""

from __future__ import annotations

import json
from typing import Any

from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.untrusted import visible

ROLE_STYLES = {
    "system": "bold magenta",
    "developer": "bold magenta",
    "user": "bold cyan",
    "assistant": "bold green",
    "tool": "bold yellow",
    "function": "bold yellow",
}
DPO_KEYS = ("input", "preferred_output", "non_preferred_output")


def _image_label(part: dict[str, Any]) -> str:
    image = part.get("image_url")
    url = image.get("url", "") if isinstance(image, dict) else str(image or "")
    detail = image.get("detail") if isinstance(image, dict) else None
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        kind = header[5:].split(";")[0] or "unknown type"
        size_kb = len(payload) * 3 / 4 / 1024
        label = f"[image {visible(kind)}, {size_kb:,.0f} KB inline"
    else:
        label = f"[image {visible(url[:80])}"
    return label + (f", detail={visible(detail)}]" if detail else "]")


def _content(content: Any) -> Text:
    if content is None:
        return Text("(no content)", style="dim italic")
    if isinstance(content, str):
        return Text(visible(content))
    if isinstance(content, list):
        text = Text()
        for part in content:
            if isinstance(part, dict) and part.get("type") == "text":
                text.append(visible(part.get("text", "")))
            elif isinstance(part, dict) and part.get("type") == "image_url":
                text.append(_image_label(part), style="italic blue")
            else:
                text.append(visible(json.dumps(part, ensure_ascii=False)), style="red")
            text.append("\n")
        text.rstrip()
        return text
    return Text(visible(json.dumps(content, ensure_ascii=False)), style="red")


def _tool_calls(calls: Any) -> Text:
    text = Text()
    for call in calls if isinstance(calls, list) else [calls]:
        function = call.get("function", {}) if isinstance(call, dict) else {}
        name = function.get("name", "?") if isinstance(function, dict) else "?"
        arguments = function.get("arguments", "") if isinstance(function, dict) else ""
        call_id = call.get("id", "") if isinstance(call, dict) else ""
        text.append(f"→ {visible(name)}", style="bold yellow")
        text.append(f"({visible(arguments)})")
        if call_id:
            text.append(f"  [{visible(call_id)}]", style="dim")
        text.append("\n")
    text.rstrip()
    return text


def render_message(message: Any) -> RenderableType:
    if not isinstance(message, dict):
        return Text(f"(not a message: {visible(json.dumps(message, ensure_ascii=False))})",
                    style="red")
    role = str(message.get("role", "(no role)"))
    title = Text(visible(role), style=ROLE_STYLES.get(role, "bold red"))
    if message.get("name"):
        title.append(f" · {visible(message['name'])}", style="dim")
    if message.get("tool_call_id"):
        title.append(f" · result of {visible(message['tool_call_id'])}", style="dim")
    if message.get("weight") == 0:
        title.append("  weight 0: not trained on", style="dim italic")
    body = (
        [_content(message.get("content"))]
        if "content" in message or not message.get("tool_calls")
        else []
    )
    if message.get("tool_calls"):
        body.append(_tool_calls(message["tool_calls"]))
    return Group(title, *body, Text(""))


def _messages(messages: Any) -> list[RenderableType]:
    if not isinstance(messages, list):
        return [Text(f"messages is not a list: {visible(json.dumps(messages)[:200])}",
                     style="red")]
    return [render_message(m) for m in messages]


def _tools(tools: Any) -> RenderableType:
    names = []
    for tool in tools if isinstance(tools, list) else []:
        function = tool.get("function", {}) if isinstance(tool, dict) else {}
        names.append(function.get("name", "?") if isinstance(function, dict) else "?")
    return Text(f"tools: {visible(', '.join(map(str, names))) or '(none)'}", style="yellow")


def render_example(data: Any) -> RenderableType:
    """A renderable for one dataset line (already parsed JSON)."""
    if not isinstance(data, dict):
        return Text(f"Not a JSON object: {visible(json.dumps(data, ensure_ascii=False)[:500])}",
                    style="red")
    parts: list[RenderableType] = []
    if any(k in data for k in DPO_KEYS):
        source = data.get("input") if isinstance(data.get("input"), dict) else {}
        if source.get("tools"):
            parts.append(_tools(source["tools"]))
        parts.extend(_messages(source.get("messages")))
        preferred = Panel(
            Group(*_messages(data.get("preferred_output"))), title="preferred", border_style="green"
        )
        rejected = Panel(
            Group(*_messages(data.get("non_preferred_output"))),
            title="non-preferred",
            border_style="red",
        )
        parts.append(Columns([preferred, rejected], equal=True, expand=True))
        return Group(*parts)
    if data.get("tools"):
        parts.append(_tools(data["tools"]))
    parts.extend(_messages(data.get("messages")))
    extra = {k: v for k, v in data.items() if k not in ("messages", "tools", "parallel_tool_calls")}
    if extra:
        table = Table(
            title="reference fields (graders read them as {{item.…}})",
            show_header=False,
            expand=True,
        )
        for key, value in extra.items():
            table.add_row(Text(visible(key), style="bold"),
                          Text(visible(json.dumps(value, ensure_ascii=False))))
        parts.append(table)
    return Group(*parts)


class Transcript(VerticalScroll):
    """A scrollable transcript of one example."""

    DEFAULT_CSS = """
    Transcript {
        height: 1fr;
        padding: 0 1;
    }
    """

    def compose(self):
        yield Static(id="transcript-body")

    def show(self, raw: str, header: RenderableType | None = None) -> None:
        try:
            body: RenderableType = render_example(json.loads(raw))
        except (ValueError, RecursionError):
            body = Text(f"This line is not valid JSON:\n{visible(raw[:2000])}", style="red")
        self.query_one("#transcript-body", Static).update(
            Group(header, body) if header is not None else body
        )
        self.scroll_home(animate=False)
