"""Export a run's results as CSV or JSONL (OpenAI output-item shape plus local measures).

Written through `private_files.atomic_output`: whole or not at all, and 0600.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tui.core.csv_cells import csv_writer
from tui.core.evals.context import output_text
from tui.core.private_files import atomic_output


def output_item(result: Any) -> dict[str, Any]:
    return {
        "datasource_item_id": result.item_index, "status": result.status,
        "datasource_item": result.item, "sample": result.sample,
        "results": result.results or [], "score": result.score, "error": result.error,
        "input_tokens": result.input_tokens, "output_tokens": result.output_tokens,
        "latency_ms": result.latency_ms, "cost_usd": result.cost_usd,
    }


def export_jsonl(store: Any, run_id: int, path: str | Path) -> int:
    n = 0
    with atomic_output(path) as handle:
        for result in store.evals.iter_results(run_id):
            handle.write(json.dumps(output_item(result), ensure_ascii=False) + "\n")
            n += 1
    return n


def export_csv(store: Any, run_id: int, path: str | Path) -> int:
    run = store.evals.run(run_id)
    criteria = [c.get("name", "?") for c in
                (run.data_source or {}).get("testing_criteria")
                or store.evals.get(run.eval_id).testing_criteria or []]
    header = ["item_index", "status", "score", *[f"{c}.score" for c in criteria],
              *[f"{c}.passed" for c in criteria], "output_text", "error", "input_tokens",
              "output_tokens", "latency_ms", "cost_usd", "item"]
    n = 0
    with atomic_output(path) as handle:
        writer = csv_writer(handle)
        writer.writerow(header)
        for r in store.evals.iter_results(run_id):
            by_name = {g.get("name"): g for g in r.results or []}
            writer.writerow([
                r.item_index, r.status, r.score,
                *[by_name.get(c, {}).get("score") for c in criteria],
                *[by_name.get(c, {}).get("passed") for c in criteria],
                output_text(r.sample), r.error or "", r.input_tokens, r.output_tokens,
                r.latency_ms, r.cost_usd, json.dumps(r.item, ensure_ascii=False),
            ])
            n += 1
    return n
