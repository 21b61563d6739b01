"""Failing items into training data: SFT with the reference as the answer, or DPO pairs."""

from __future__ import annotations

import json
from typing import Any

from tui.core import flywheel
from tui.core.evals.context import build_messages, grading_context, output_text, render


def reference_of(item: dict[str, Any], template: str) -> str:
    return render(template, grading_context(item, None))


def training_lines(store: Any, run_id: int, *, kind: str = "sft",
                   reference: str = "{{item.reference}}",
                   indexes: set[int] | None = None) -> list[dict[str, Any]]:
    """SFT or DPO lines for the run's failing items (or the chosen `indexes`)."""
    if kind not in ("sft", "dpo"):
        raise ValueError("kind must be sft or dpo")
    run = store.evals.run(run_id)
    input_messages = (run.data_source or {}).get("input_messages") \
        or store.evals.get(run.eval_id).input_messages
    lines = []
    for result in store.evals.iter_results(run_id):
        if indexes is not None and result.item_index not in indexes:
            continue
        if indexes is None and result.status != "fail":
            continue
        item = result.item or {}
        answer = reference_of(item, reference)
        if not answer:
            continue
        sample = result.sample or {}
        messages = sample.get("input") or build_messages(input_messages, item)
        messages = [{"role": m.get("role", "user"), "content": m.get("content", "")}
                    for m in messages]
        if kind == "sft":
            lines.append(flywheel.sft_example(messages, answer))
        else:
            rejected = output_text(sample)
            if rejected and rejected != answer:
                lines.append(flywheel.dpo_pair(messages, answer, rejected))
    return lines


def failures_to_dataset(store: Any, run_id: int, dataset_name: str, **kwargs: Any):
    """A new version of `dataset_name` with the lines added; (version, how many lines)."""
    from tui.core.dataset_versions import append_lines

    lines = training_lines(store, run_id, **kwargs)
    if not lines:
        raise ValueError("no failing item with a reference to turn into training data")
    return append_lines(store, dataset_name, lines), len(lines)


def dumps_lines(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
