"""Distillation against the sandbox: the capitals prompts, sandbox-teacher, a store in tmp."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from store import Store
from tui.core.distill.distiller import Distiller
from tui.core.distill.teacher import Teacher
from tui.core.evals import definition as defs
from tui.core.evals.service import client_for, options_for

TEACHER = "sandbox-teacher"
# sandbox-teacher's price (USD per 1M tokens, in and out): tui/core/inference_prices.py.
PRICE_IN, PRICE_OUT = 2.00, 8.00


def unsure(n: int) -> bool:
    """The countries sandbox-teacher admits it does not know (its documented blind spot)."""
    return n % 5 == 4


def reference_eval(store: Store, tmp: Path, n: int = 6):
    """Graders for dataset prompts: the answer must equal the line's own (`item.reference`)."""
    data = tmp / "ref-items.jsonl"
    data.write_text("".join(json.dumps({"item": {"messages": [], "reference": "x"}}) + "\n"
                            for _ in range(n)))
    path = tmp / "reference.eval.json"
    path.write_text(json.dumps({
        "name": "same-as-reference", "data": data.name,
        "input_messages": {"type": "template", "template": [{"role": "user", "content": "x"}]},
        "testing_criteria": [{"type": "string_check", "name": "same",
                              "input": "{{sample.output_text}}",
                              "reference": "{{item.reference}}", "operation": "eq"}]}))
    return defs.save_to_store(store, defs.load(path))


async def distill(store: Store, profile: Any, run_id: int, **options: Any):
    """Run distillation `run_id` to its end; (finished run, teacher requests made)."""
    async with client_for(profile) as client:
        teacher = Teacher(client, TEACHER, options_for(profile, **options))
        done = await Distiller(store, run_id, teacher).run_all()
    return done, teacher.calls
