"""Import OpenAI's server-side evals, runs and output items into the store (idempotent).

The hosted Evals API shuts down on 2026-11-30: what is imported here stays
readable afterwards. Running it again updates what changed and adds what is new.
Each eval, run and item is stored as it arrives, so a list the provider will
not end (PaginationStopped, see `tui.core.pagination`) keeps what was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.core.pagination import Pager, cursor_kwargs, safe_id


@dataclass
class ImportReport:
    evals: int = 0
    runs: int = 0
    items: int = 0


def _dump(obj: Any) -> Any:
    return obj.model_dump(mode="json", exclude_none=True, by_alias=True) if hasattr(obj, "model_dump") else obj


async def import_openai(store: Any, client: Any, profile: str, *,
                        eval_ids: list[str] | None = None) -> ImportReport:
    report = ImportReport()
    async def evals_page(cursor: str | None) -> Any:
        return await client.evals.list(**cursor_kwargs(cursor, limit=100))

    remote_evals = (_each([await client.evals.retrieve(e) for e in eval_ids]) if eval_ids
                    else Pager(evals_page, what="listing evals"))
    async for remote in remote_evals:
        data = _dump(remote)
        meta = {"remote": {"created_at": data.get("created_at"),
                           "metadata": data.get("metadata")}}
        local = store.evals.find_remote(profile, remote.id)
        if local is None:
            local = store.evals.create(
                data.get("name") or remote.id, testing_criteria=data.get("testing_criteria") or [],
                data_source_config=data.get("data_source_config") or {}, source="openai",
                profile=profile, remote_id=remote.id, metadata=meta)
        else:
            store.evals.update(local.id, name=data.get("name") or remote.id,
                               testing_criteria=data.get("testing_criteria") or [],
                               data_source_config=data.get("data_source_config") or {})
        report.evals += 1
        async def runs_page(cursor: str | None, eval_id: str = remote.id) -> Any:
            return await client.evals.runs.list(eval_id, **cursor_kwargs(cursor, limit=100))

        what = f"listing the runs of eval {safe_id(remote.id, '')}".rstrip()
        async for run in Pager(runs_page, what=what):
            report.items += await _import_run(store, client, profile, local.id, remote.id, run)
            report.runs += 1
    return report


async def _each(items: list[Any]):
    for item in items:
        yield item


async def _import_run(store, client, profile, eval_id, remote_eval_id, run) -> int:
    data = _dump(run)
    data_source = data.get("data_source") or {}
    local = store.evals.find_run_remote(profile, run.id)
    if local is None:
        local = store.evals.create_run(
            eval_id, model=data.get("model"), status=data.get("status", "completed"),
            name=data.get("name") or run.id, profile=profile, remote_id=run.id,
            data_source=data_source)
    store.evals.update_run(
        local.id, status=data.get("status", "completed"),
        result_counts=data.get("result_counts"),
        per_testing_criteria_results=data.get("per_testing_criteria_results"),
        usage=data.get("per_model_usage"),
        error=(data.get("error") or {}).get("message") if isinstance(data.get("error"), dict)
        else None)
    n = 0
    async def items_page(cursor: str | None) -> Any:
        return await client.evals.runs.output_items.list(
            run.id, **cursor_kwargs(cursor, eval_id=remote_eval_id, limit=100))

    what = f"listing the output items of eval run {safe_id(run.id, '')}".rstrip()
    async for item in Pager(items_page, what=what):
        out = _dump(item)
        sample = out.get("sample") or {}
        usage = sample.get("usage") or {}
        results = out.get("results") or []
        scores = [r.get("score") for r in results if isinstance(r.get("score"), int | float)]
        status = {"pass": "pass", "fail": "fail"}.get(out.get("status"), "error")
        if (sample.get("error") or {}).get("message"):
            status = "error"
        store.evals.record_result(
            local.id, int(out.get("datasource_item_id", n)), item=out.get("datasource_item"),
            status=status, sample=sample, score=sum(scores) / len(scores) if scores else None,
            results=results, input_tokens=usage.get("prompt_tokens"),
            output_tokens=usage.get("completion_tokens"),
            error=(sample.get("error") or {}).get("message") or None, remote_id=item.id)
        n += 1
    return n
