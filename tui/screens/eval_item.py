"""An item's drill-down: the filled prompt, the output, the reference, every grader.

Everything here is data (the item, the model's answer, graders' names and
reasoning): the text is Content built from parts, never markup.
"""

from __future__ import annotations

import json
from typing import Any

from textual.content import Content

from tui.core.evals.context import output_text
from tui.screens.text_view import TextViewScreen
from tui.ui_text import lines, styled


def describe(result: Any) -> Content:
    sample = result.sample or {}
    rows: list[Content | str] = [styled(
        (f"Item {result.item_index}", "b"), f" · {result.status}",
        f" · score {result.score:.3f}" if result.score is not None else None)]
    if result.error:
        rows.append(styled(("Error", "b red"), " ", result.error))
    rows.append(styled(("Prompt", "b")))
    for message in sample.get("input") or []:
        rows.append(styled("  ", (str(message.get("role")), "dim"), " ",
                           str(message.get("content"))))
    answer = output_text(sample)
    rows.append(styled(("Output", "b"), "\n  ", answer if answer else ("(none)", "dim")))
    item = result.item or {}
    if "reference" in item:
        rows.append(styled(("Reference", "b"), "\n  ", str(item["reference"])))
    rows.append(styled(("Graders", "b")))
    for g in result.results or []:
        mark = "error" if g.get("error") else ("pass" if g.get("passed") else "fail")
        rows.append(styled(f"  {g.get('name')} ({g.get('type', '')}): {mark}, "
                           f"score {float(g.get('score') or 0):.3f}"))
        why = g.get("error") or g.get("reasoning")
        if why:
            rows.append(styled("    ", (str(why), "dim")))
    tokens = f"{result.input_tokens or 0} in / {result.output_tokens or 0} out"
    latency = f" · {result.latency_ms:.0f} ms" if result.latency_ms is not None else ""
    rows.append(styled(("Usage", "b"), f" {tokens}{latency}"))
    rows.append(styled(("Item", "b"), "\n  ", json.dumps(item, ensure_ascii=False)))
    return lines(rows)


class EvalItemScreen(TextViewScreen):
    """One graded item in full."""

    text_id = "eval-item-detail"

    def __init__(self, result: Any) -> None:
        super().__init__(describe(result))
        self.result = result
