"""Runs an eval run: items → samples (from the data or a sandbox model) → graders → output items."""

from __future__ import annotations

from typing import Any

import orjson

from tui.engines import grading
from tui.engines.protocol import GenerationParams
from tui.engines.text import content_text
from tui.sandbox import inference
from tui.sandbox.errors import APIError
from tui.sandbox.routes.files import file_bytes
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import new_id, now

FINAL = ("completed", "failed", "canceled")
ITEM_SECONDS = 0.1


def items_of(sb: Sandbox, source: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows `{item, sample?}` from inline content or an uploaded JSONL file."""
    if source.get("type") == "file_content":
        return [row for row in source.get("content") or [] if isinstance(row, dict)]
    rows = []
    for line in file_bytes(sb, source["id"], "data_source.source.id").splitlines():
        if line.strip():
            row = orjson.loads(line)
            # Eval files wrap each line as {"item": …}; a bare object is taken as the item.
            rows.append(row if isinstance(row, dict) and "item" in row else {"item": row})
    return rows


def _render_messages(data_source: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    spec = data_source.get("input_messages") or {}
    if spec.get("type") == "item_reference":
        ref = str(spec.get("item_reference", "")).removeprefix("item.")
        value: Any = item
        for part in ref.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if isinstance(value, str):
            return [{"role": "user", "content": value}]
        return [m for m in value or [] if isinstance(m, dict)]
    messages = []
    for message in spec.get("template") or []:
        text = content_text(message.get("content"))
        messages.append({"role": message.get("role", "user"), "content": grading.render(text, item)})
    return messages


def _sample_output(sample: dict[str, Any]) -> str:
    if isinstance(sample.get("output_text"), str):
        return sample["output_text"]
    output = sample.get("output")
    if isinstance(output, list) and output and isinstance(output[0], dict):
        return content_text(output[0].get("content"))
    return ""


async def _sample(sb: Sandbox, run: dict[str, Any], row: dict[str, Any], usage: dict[str, int]) -> dict[str, Any]:
    source = run["data_source"]
    item = row.get("item") or {}
    params = source.get("sampling_params") or {}
    base = {"error": None, "finish_reason": "stop", "input": [], "max_completion_tokens": 0,
            "model": run["model"], "output": [], "seed": params.get("seed") or 0,
            "temperature": params.get("temperature", 1.0), "top_p": params.get("top_p", 1.0),
            "usage": {"cached_tokens": 0, "completion_tokens": 0, "prompt_tokens": 0, "total_tokens": 0}}
    if source["type"] == "jsonl":
        given = row.get("sample") or {}
        text = _sample_output(given)
        base.update(output=[{"role": "assistant", "content": text}], _text=text)
        return base
    messages = _render_messages(source, item)
    fmt = params.get("response_format") or (params.get("text") or {}).get("format")
    gen = await inference.generate(sb, run["model"], messages, GenerationParams(
        max_tokens=params.get("max_completion_tokens"),
        json_schema=inference.schema_of(fmt, "sampling_params.response_format") if fmt else None))
    usage["invocations"] += 1
    usage["prompt"] += gen.prompt_tokens
    usage["completion"] += gen.completion_tokens
    base.update(
        input=[{"role": m["role"], "content": content_text(m.get("content"))} for m in messages],
        output=[{"role": "assistant", "content": gen.text}], finish_reason=gen.finish_reason,
        max_completion_tokens=params.get("max_completion_tokens") or 0, _text=gen.text,
        usage={"cached_tokens": 0, "completion_tokens": gen.completion_tokens,
               "prompt_tokens": gen.prompt_tokens, "total_tokens": gen.prompt_tokens + gen.completion_tokens},
    )
    return base


async def _grade(criteria: list[dict[str, Any]], item: dict[str, Any], text: str) -> list[Any]:
    """Grade with the project's grader engine, as tunedeck's own eval runs do.

    Model graders get no model here (the sandbox does not call itself): they
    come back errored, with the engine's message.
    """
    from tui.core.evals.graders import grade_all

    try:
        output_json: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        output_json = None
    sample = {"output_text": text, "output_json": output_json}
    return await grade_all(criteria, item, sample)


async def run(sb: Sandbox, run_id: str) -> None:
    record = sb.state.get("runs", run_id)
    ev = sb.state.get("evals", record["eval_id"]) if record else None
    if record is None or ev is None:
        return
    criteria = ev["testing_criteria"]
    await sb.sleep(ITEM_SECONDS)
    try:
        rows = items_of(sb, record["data_source"]["source"])
    except (APIError, orjson.JSONDecodeError) as exc:
        record.update(status="failed", error={"code": "invalid_data_source", "message": str(exc)})
        sb.state.save("runs", record)
        return
    for old in sb.state.where("output_items", run_id=run_id):  # a resumed run starts over
        sb.state.delete("output_items", old["id"])
    record["status"] = "in_progress"
    counts = {"total": 0, "errored": 0, "failed": 0, "passed": 0}
    per = {c.get("name") or c.get("type"): {"passed": 0, "failed": 0} for c in criteria}
    usage = {"invocations": 0, "prompt": 0, "completion": 0}
    for index, row in enumerate(rows):
        await sb.sleep(ITEM_SECONDS)
        try:
            sample = await _sample(sb, record, row, usage)
        except APIError as exc:
            sample = {"error": {"code": exc.code or "error", "message": exc.message}, "_text": ""}
        results = [] if sample.get("error") else await _grade(
            criteria, row.get("item") or {}, sample["_text"])
        errors = [r.error for r in results if r.error]
        if errors and not sample.get("error"):
            sample["error"] = {"code": "grader_error", "message": "; ".join(errors)}
        if sample.get("error"):
            status = "error"
            counts["errored"] += 1
        else:
            status = "pass" if all(r.passed for r in results) else "fail"
            counts["passed" if status == "pass" else "failed"] += 1
        counts["total"] += 1
        for r in results:
            if r.error is None:
                per[r.name]["passed" if r.passed else "failed"] += 1
        sb.state.put("output_items", {
            "id": new_id("outputitem", "_"), "object": "eval.run.output_item", "created_at": now(),
            "datasource_item": row.get("item") or {}, "datasource_item_id": index,
            "eval_id": record["eval_id"], "run_id": run_id, "status": status,
            "results": [{"name": r.name, "passed": r.passed, "score": r.score, "type": r.type,
                         "sample": None} for r in results],
            "sample": {k: v for k, v in sample.items() if not k.startswith("_")},
        })
        record["result_counts"] = dict(counts)
        sb.state.save("runs", record)
    record.update(
        status="completed", result_counts=counts,
        per_testing_criteria_results=[{"testing_criteria": name, **v} for name, v in per.items()],
        per_model_usage=[{"model_name": record["model"], "invocation_count": usage["invocations"],
                          "prompt_tokens": usage["prompt"], "completion_tokens": usage["completion"],
                          "total_tokens": usage["prompt"] + usage["completion"], "cached_tokens": 0}]
        if usage["invocations"] else [],
    )
    sb.state.save("runs", record)


def resume_all(sb: Sandbox) -> None:
    for record in sb.state.all("runs"):
        if record["status"] not in FINAL:
            sb.spawn(record["id"], run(sb, record["id"]))


