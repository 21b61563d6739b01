"""Failing items into training data: SFT with the reference as the answer, or DPO pairs.

The answer is what the eval's graders compare the output with: a string_check's or
text_similarity's `reference` template (`{{item.answer}}`), not a field that has to
be named `reference`.
"""

from __future__ import annotations

import json
from typing import Any

from tui.core import data_lines
from tui.core.evals.context import build_messages, grading_context, output_text, render

FALLBACK_REFERENCE = "{{item.reference}}"
# Graders whose `reference` is the right answer (a `ne` string_check's is a wrong one).
_COMPARING = ("string_check", "text_similarity")


class NoReference(ValueError):
    """No answer to train on; the message says which item field is needed."""


def reference_of(item: dict[str, Any], template: str) -> str:
    return render(template, grading_context(item, None))


def _graders(criteria: Any) -> list[dict[str, Any]]:
    """The criteria and, inside `multi` graders, their sub-graders, in order."""
    out: list[dict[str, Any]] = []
    for criterion in criteria or []:
        if not isinstance(criterion, dict):
            continue
        out.append(criterion)
        if criterion.get("type") == "multi" and isinstance(criterion.get("graders"), dict):
            out += [{"name": key, **sub} for key, sub in criterion["graders"].items()
                    if isinstance(sub, dict)]
    return out


def reference_template(criteria: Any) -> str | None:
    """The first item-based `reference` a comparing grader checks the output against."""
    for grader in _graders(criteria):
        reference = grader.get("reference")
        if grader.get("type") not in _COMPARING or not isinstance(reference, str):
            continue
        if grader.get("type") == "string_check" and grader.get("operation") == "ne":
            continue
        if "{{" in reference and "item." in reference:
            return reference
    return None


def _field_words(template: str) -> str:
    """`{{item.answer}}` as "item.answer", for messages."""
    return template.replace("{{", "").replace("}}", "").strip()


def training_lines(store: Any, run_id: int, *, kind: str = "sft",
                   reference: str | None = None,
                   indexes: set[int] | None = None) -> list[dict[str, Any]]:
    """SFT or DPO lines for the run's failing items (or the chosen `indexes`); the answer
    comes from `reference`, by default the one the eval's graders compare with."""
    if kind not in ("sft", "dpo"):
        raise ValueError("kind must be sft or dpo")
    run = store.evals.run(run_id)
    eval_row = store.evals.get(run.eval_id)
    input_messages = (run.data_source or {}).get("input_messages") or eval_row.input_messages
    if reference is None:
        reference = reference_template(eval_row.testing_criteria) or FALLBACK_REFERENCE
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
            lines.append(data_lines.sft_example(messages, answer))
        else:
            rejected = output_text(sample)
            if rejected and rejected != answer:
                lines.append(data_lines.dpo_pair(messages, answer, rejected))
    return lines


def failures_to_dataset(store: Any, run_id: int, dataset_name: str, **kwargs: Any):
    """A new version of `dataset_name` with the lines added; (version, how many lines).
    NoReference says, in plain words, which item field the answers were looked for in."""
    from tui.core.dataset_versions import append_lines

    lines = training_lines(store, run_id, **kwargs)
    if not lines:
        raise NoReference(why_no_lines(store, run_id, chosen=kwargs.get("indexes") is not None,
                                       reference=kwargs.get("reference")))
    return append_lines(store, dataset_name, lines), len(lines)


def why_no_lines(store: Any, run_id: int, *, chosen: bool, reference: str | None) -> str:
    which = "chosen item" if chosen else "failing item"
    if not chosen and not any(r.status == "fail" for r in store.evals.iter_results(run_id)):
        return ("this run has no failing item to turn into training data (space chooses "
                "items to use instead)")
    template = reference or reference_template(
        store.evals.get(store.evals.run(run_id).eval_id).testing_criteria)
    if template is None:
        return (f"no {which} has a correct answer to train on: none of this eval's graders "
                "compares the output with an item field (a string_check or text_similarity "
                "whose reference is like {{item.answer}}), and the items have no 'reference' "
                "field. Add such a grader (e) or a 'reference' field to the items.")
    return (f"no {which} has a value for {_field_words(template)}, the answer this eval's "
            "graders compare with: that item field is what becomes the training answer")


def dumps_lines(lines: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
