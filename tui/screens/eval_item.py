"""An item's drill-down: the filled prompt, the output, the reference, every grader."""

from __future__ import annotations

import json
from typing import Any

from rich.markup import escape

from tui.core.evals.context import output_text
from tui.screens.text_view import TextViewScreen


def describe(result: Any) -> str:
    sample = result.sample or {}
    parts = [f"[b]Item {result.item_index}[/b] · {result.status}"
             + (f" · score {result.score:.3f}" if result.score is not None else "")]
    if result.error:
        parts.append(f"[b red]Error[/b red] {escape(result.error)}")
    parts.append("[b]Prompt[/b]")
    for message in sample.get("input") or []:
        parts.append(f"  [dim]{escape(str(message.get('role')))}[/dim] "
                     f"{escape(str(message.get('content')))}")
    parts.append(f"[b]Output[/b]\n  {escape(output_text(sample)) or '[dim](none)[/dim]'}")
    item = result.item or {}
    if "reference" in item:
        parts.append(f"[b]Reference[/b]\n  {escape(str(item['reference']))}")
    parts.append("[b]Graders[/b]")
    for g in result.results or []:
        mark = "error" if g.get("error") else ("pass" if g.get("passed") else "fail")
        parts.append(f"  {escape(str(g.get('name')))} ({g.get('type', '')}): {mark}, "
                     f"score {float(g.get('score') or 0):.3f}")
        why = g.get("error") or g.get("reasoning")
        if why:
            parts.append(f"    [dim]{escape(str(why))}[/dim]")
    tokens = f"{result.input_tokens or 0} in / {result.output_tokens or 0} out"
    latency = f" · {result.latency_ms:.0f} ms" if result.latency_ms is not None else ""
    parts.append(f"[b]Usage[/b] {tokens}{latency}")
    parts.append(f"[b]Item[/b]\n  {escape(json.dumps(item, ensure_ascii=False))}")
    return "\n".join(parts)


class EvalItemScreen(TextViewScreen):
    """One graded item in full."""

    text_id = "eval-item-detail"

    def __init__(self, result: Any) -> None:
        super().__init__(describe(result))
        self.result = result
