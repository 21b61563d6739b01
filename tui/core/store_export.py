"""Export what the store holds: a dataset version, or an eval with its runs' results.

Writers take an open text handle (stdout or `private_files.atomic_output`), so
an export either lands whole under its name, private (0600), or not at all. Each kind resolves its
reference with an `ExportError` that lists what does exist.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from store import Store
from store.records import DatasetVersion, Eval, EvalRun
from tui.core.csv_cells import csv_writer

FORMATS = ("jsonl", "csv")
DATASET_CSV = ("line", "status", "category", "tokens", "data")
PAGE = 2_000


class ExportError(Exception):
    """Nothing matches the reference; the message says what exists."""


def guess_format(path: str | Path | None, given: str | None) -> str:
    """--format when given, else the output's extension, else JSONL."""
    if given:
        return given
    if path is not None and Path(path).suffix.lower() == ".csv":
        return "csv"
    return "jsonl"


# -- datasets -------------------------------------------------------------
def resolve_dataset(store: Store, ref: str) -> tuple[str, DatasetVersion]:
    """`NAME` (latest ready version) or `NAME@N` / `NAME@vN` (tui.core.refs)."""
    from tui.core.refs import RefError, dataset_version, parse_ref

    try:
        parsed = parse_ref(ref)
        return parsed.name, dataset_version(store, parsed)
    except RefError as exc:
        raise ExportError(str(exc)) from None


def _examples(store: Store, version_id: int, only_valid: bool) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = store.datasets.example_rows(version_id, only_valid=only_valid, after=last,
                                           limit=PAGE)
        if not rows:
            return
        yield from rows
        last = rows[-1]["line"]


def write_dataset(store: Store, version_id: int, handle: IO[str], *, fmt: str = "jsonl",
                  only_valid: bool = True) -> int:
    """The version's (valid) examples; JSONL is byte for byte what a job trains on."""
    n = 0
    if fmt == "csv":
        writer = csv_writer(handle)
        writer.writerow(DATASET_CSV)
        for row in _examples(store, version_id, only_valid):
            writer.writerow([row[c] if row[c] is not None else "" for c in DATASET_CSV])
            n += 1
        return n
    for row in _examples(store, version_id, only_valid):
        handle.write(row["data"] + "\n")
        n += 1
    return n


# -- evals ----------------------------------------------------------------
def resolve_eval(store: Store, ref: str) -> Eval:
    """A local id, a provider id (eval_…), or a name (the newest eval of that name)."""
    found = None
    if ref.isdigit():
        try:
            found = store.evals.get(int(ref))
        except KeyError:
            found = None
    if found is None:
        rows = list(store.db.query(
            "SELECT id FROM evals WHERE remote_id = ? ORDER BY id DESC LIMIT 1", [ref]))
        found = store.evals.get(rows[0]["id"]) if rows else store.evals.find(ref)
    if found is None:
        known = [f"{e.name} (id {e.id})" for e in store.evals.list()]
        raise ExportError(f"no eval {ref!r}; stored evals: "
                          + (", ".join(known) if known else "none"))
    return found


def resolve_runs(store: Store, ev: Eval, run_ref: str | None) -> list[EvalRun]:
    runs = store.evals.runs(ev.id)
    if run_ref is None:
        return runs
    chosen = [r for r in runs if str(r.id) == run_ref or r.remote_id == run_ref]
    if not chosen:
        known = ", ".join(str(r.id) + (f" ({r.remote_id})" if r.remote_id else "")
                          for r in runs) or "none"
        raise ExportError(f"eval {ev.name!r} has no run {run_ref!r}; its runs: {known}")
    return chosen


def _criteria(store: Store, ev: Eval, runs: list[EvalRun]) -> list[str]:
    names: list[str] = []
    for run in runs:
        for c in (run.data_source or {}).get("testing_criteria") or ev.testing_criteria or []:
            if c.get("name", "?") not in names:
                names.append(c.get("name", "?"))
    return names


def write_eval(store: Store, ev: Eval, runs: list[EvalRun], handle: IO[str], *,
               fmt: str = "jsonl") -> int:
    """One row per output item of each run, with the run's id, name and model.

    JSONL rows are the OpenAI output-item shape of `tui.core.evals.results_export`;
    CSV has that module's columns after run_id, run_name and model.
    """
    from tui.core.evals.context import output_text
    from tui.core.evals.results_export import output_item

    n = 0
    writer = None
    criteria = _criteria(store, ev, runs)
    if fmt == "csv":
        writer = csv_writer(handle)
        writer.writerow(["run_id", "run_remote_id", "run_name", "model", "item_index", "status",
                         "score", *[f"{c}.score" for c in criteria],
                         *[f"{c}.passed" for c in criteria], "output_text", "error",
                         "input_tokens", "output_tokens", "latency_ms", "cost_usd", "item"])
    for run in runs:
        head = {"eval": ev.name, "eval_id": ev.id, "run_id": run.id,
                "run_remote_id": run.remote_id, "run_name": run.name, "model": run.model}
        for r in store.evals.iter_results(run.id):
            if writer is None:
                handle.write(json.dumps(head | output_item(r), ensure_ascii=False) + "\n")
            else:
                by_name = {g.get("name"): g for g in r.results or []}
                writer.writerow([
                    run.id, run.remote_id or "", run.name, run.model or "", r.item_index,
                    r.status, r.score, *[by_name.get(c, {}).get("score") for c in criteria],
                    *[by_name.get(c, {}).get("passed") for c in criteria],
                    output_text(r.sample), r.error or "", r.input_tokens, r.output_tokens,
                    r.latency_ms, r.cost_usd, json.dumps(r.item, ensure_ascii=False)])
            n += 1
    return n
