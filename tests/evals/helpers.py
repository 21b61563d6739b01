"""Building evals and runs for the tests."""

from __future__ import annotations

from tui.core.evals.definition import parse, save_to_store
from tui.core.evals.runner import create_run

EXACT = {"type": "string_check", "name": "exact", "input": "{{sample.output_text}}",
         "reference": "{{item.reference}}", "operation": "eq"}
TEMPLATE = {"type": "template", "template": [
    {"role": "system", "content": "Repeat the question."},
    {"type": "message", "role": "user", "content": {"type": "input_text",
                                                    "text": "{{item.question}}"}}]}


def items(n: int, *, passing=lambda i: i % 2 == 1):
    """sandbox-small echoes the question: odd items pass, even ones fail."""
    return [{"item": {"question": f"question {i}",
                      "reference": f"question {i}" if passing(i) else "other"}}
            for i in range(n)]


def make_run(store, n: int = 10, *, model: str | None = "sandbox-small", rows=None,
             criteria=None, batch: bool = False):
    definition = parse({"name": "echo", "items": rows if rows is not None else items(n),
                        "input_messages": TEMPLATE, "testing_criteria": criteria or [EXACT]})
    eval_row = save_to_store(store, definition)
    return create_run(store, eval_row.id, definition, model=model,
                      total=len(definition.source["content"]), batch=batch)


def client(server, **kwargs):
    from openai import AsyncOpenAI

    return AsyncOpenAI(api_key=server.api_key, base_url=server.base_url, max_retries=0, **kwargs)
