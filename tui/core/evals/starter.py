"""Starting an eval without reading the source: a commented example file, or an eval
made from a stored dataset version (`tunedeck eval init`).

Eval files are JSON; a line whose first characters are `//` is a comment. That is
unambiguous: JSON strings cannot span lines, so no such line is inside a value.
"""

from __future__ import annotations

import json
from typing import Any

COMMENT = "//"

# What a dataset-made eval grades with: close to the reference, not letter for letter
# (a fine-tune rarely repeats its training answers exactly).
DEFAULT_GRADER = {
    "type": "text_similarity", "name": "close to the reference",
    "input": "{{sample.output_text}}", "reference": "{{item.reference}}",
    "evaluation_metric": "fuzzy_match", "pass_threshold": 0.8,
}


def strip_comments(text: str) -> str:
    """The JSON of an eval file: `//` comment lines emptied (line numbers stay right)."""
    return "\n".join("" if line.lstrip().startswith(COMMENT) else line
                     for line in text.split("\n"))


EXAMPLE = """\
// An eval for tunedeck: JSON, and lines starting with // are comments.
// Run it:   tunedeck eval run @PATH@      (or press o in the Evals pane)
// Graders and templates use OpenAI's shapes, so an eval moves between providers.
{
  // The eval's name in the Evals pane and in `tunedeck eval list`.
  "name": "capitals",
  // Sampled when no --model is given. @MODEL_NOTE@
  "model": @MODEL@,
  // The items: inline as here, or "data": "items.jsonl" beside this file
  // (one {"item": {...}} a line, or a .json list). Fields are yours to name.
  "items": [
    {"item": {"question": "What is the capital of France?", "answer": "Paris"}},
    {"item": {"question": "What is the capital of Japan?", "answer": "Tokyo"}},
    {"item": {"question": "What is the capital of Kenya?", "answer": "Nairobi"}}
  ],
  // What the model is sent for each item; {{item.FIELD}} is filled from the item.
  "input_messages": {"type": "template", "template": [
    {"role": "system", "content": "Answer with the city's name only."},
    {"role": "user", "content": "{{item.question}}"}
  ]},
  // Sampling options, as in OpenAI's evals.runs.create.
  "sampling_params": {"temperature": 0},
  // The graders: every one must pass for an item to pass. Also: string_check with
  // eq/ne/like, text_similarity with bleu/rouge_l/..., score_model, label_model,
  // python (run in a jail), multi. `t` in the Evals pane turns failures into
  // training data, with the graders' reference (here item.answer) as the answer.
  "testing_criteria": [
    {"type": "string_check", "name": "names the city", "operation": "ilike",
     "input": "{{sample.output_text}}", "reference": "{{item.answer}}"},
    {"type": "text_similarity", "name": "nothing but the city",
     "evaluation_metric": "fuzzy_match", "pass_threshold": 0.6,
     "input": "{{sample.output_text}}", "reference": "{{item.answer}}"}
  ]
}
"""


def example_eval(model: str, path: str) -> str:
    """A small eval file that runs as written (`tunedeck eval run PATH`)."""
    return (EXAMPLE.replace("@PATH@", path).replace("@MODEL_NOTE@", _model_note(model))
            .replace("@MODEL@", json.dumps(model)))


def _model_note(model: str) -> str:
    if model.startswith("sandbox-"):
        return ("A sandbox model: it repeats the question, so\n"
                "  // every item fails until you fine-tune it (the loop: tunedeck loop start).")
    return "Any model the profile serves, a fine-tune included."


def split_conversation(row: Any) -> tuple[list[dict[str, Any]], str] | None:
    """A training example as (the conversation up to its last user turn, the last
    assistant answer), or None when it has no text answer after a user turn.

    Chat rows (`messages`) and preference rows (`input` + `preferred_output`) both
    work; tool-call answers have no text to compare, so they are left out.
    """
    if not isinstance(row, dict):
        return None
    if isinstance(row.get("input"), dict) and isinstance(row.get("preferred_output"), list):
        messages = list(row["input"].get("messages") or []) + list(row["preferred_output"])
    else:
        messages = row.get("messages")
    if not isinstance(messages, list):
        return None
    last = next((i for i in range(len(messages) - 1, -1, -1)
                 if isinstance(messages[i], dict) and messages[i].get("role") == "assistant"),
                None)
    if last is None or not isinstance(messages[last].get("content"), str):
        return None
    prompt = [m for m in messages[:last] if isinstance(m, dict)]
    if not any(m.get("role") == "user" for m in prompt):
        return None
    while prompt and prompt[-1].get("role") != "user":
        prompt.pop()  # what came after the last user turn is not the model's to see
    return prompt, messages[last]["content"]


def dataset_items(lines: Any) -> tuple[list[dict[str, Any]], int]:
    """Eval items from a dataset version's JSONL lines, and how many lines were left out."""
    items: list[dict[str, Any]] = []
    skipped = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            parts = split_conversation(json.loads(line))
        except ValueError:
            parts = None
        if parts is None:
            skipped += 1
            continue
        items.append({"item": {"messages": parts[0], "reference": parts[1]}})
    return items, skipped


def dataset_eval(name: str, data_file: str, model: str) -> dict[str, Any]:
    """An eval definition over items made by `dataset_items`, written beside it."""
    return {
        "name": name,
        "description": "made by tunedeck eval init --from-dataset: each item is a "
                       "conversation up to its last user turn; its answer is the reference",
        "model": model,
        "data": data_file,
        "input_messages": {"type": "item_reference", "item_reference": "item.messages"},
        "testing_criteria": [DEFAULT_GRADER],
    }
