"""A small dataset, an eval on the same questions, and a loop against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from store import Store
from tests.jobs.helpers import MODEL, stored_version
from tui.core import loop as loops
from tui.core.evals import definition as defs

N_ITEMS = 6


def capitals_eval(store: Store, tmp: Path, n: int = N_ITEMS):
    """Items asking the training questions; the sandbox's base model echoes, so it fails."""
    return defs.save_to_store(store, defs.load(capitals_eval_file(tmp, n)))


def capitals_eval_file(tmp: Path, n: int = N_ITEMS) -> Path:
    """The eval file (and its items) that `capitals_eval` stores."""
    data = tmp / "capitals-items.jsonl"
    data.write_text("".join(json.dumps({"item": {
        "question": f"What is the capital of country number {i}?",
        "answer": f"The capital of country {i} is City{i}."}}) + "\n" for i in range(n)))
    path = tmp / "capitals.eval.json"
    path.write_text(json.dumps({
        "name": "capitals", "data": data.name,
        "input_messages": {"type": "template", "template": [
            {"role": "user", "content": "{{item.question}}"}]},
        "testing_criteria": [{"type": "string_check", "name": "exact",
                              "input": "{{sample.output_text}}",
                              "reference": "{{item.answer}}", "operation": "eq"}]}))
    return path


def new_loop(store: Store, tmp: Path, profile: str, **kwargs):
    version_id = stored_version(store, n=12)
    eval_row = capitals_eval(store, tmp)
    return loops.create(store, profile=profile, eval_id=eval_row.id,
                        training_version_id=version_id, base_model=MODEL,
                        hyperparameters={"n_epochs": 2}, **kwargs)
