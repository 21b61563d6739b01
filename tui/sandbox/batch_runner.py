"""Runs a batch: validate the input JSONL, answer each request, write output/error files.

Output lines come back in a deterministic but different order from the
input (sorted by a hash of custom_id), as OpenAI warns they may: clients must
match on custom_id.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from tui.sandbox.errors import APIError
from tui.sandbox.routes.files import file_bytes, store_file
from tui.sandbox.service import Sandbox
from tui.sandbox.shapes import new_id, now

FINAL = ("failed", "completed", "expired", "cancelled")
SUPPORTED = ("/v1/chat/completions",)
VALIDATE_SECONDS = 1.0
REQUEST_SECONDS = 0.1


def _invalid(lines: list[bytes], endpoint: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parsed requests, and the errors that fail the whole batch (as OpenAI's validation does)."""
    requests, errors, seen = [], [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError:
            errors.append({"code": "invalid_json_line", "line": number, "param": None,
                           "message": f"Line {number} is not valid JSON."})
            continue
        problem = None
        if not isinstance(row, dict) or not isinstance(row.get("custom_id"), str):
            problem = ("missing_required_parameter", "custom_id", "needs a string 'custom_id'")
        elif row["custom_id"] in seen:
            problem = ("duplicate_custom_id", "custom_id", f"repeats custom_id {row['custom_id']!r}")
        elif row.get("method") != "POST":
            problem = ("invalid_request", "method", "must use method POST")
        elif row.get("url") != endpoint:
            problem = ("mismatched_endpoint", "url", f"has url {row.get('url')!r}, not {endpoint}")
        elif not isinstance(row.get("body"), dict):
            problem = ("missing_required_parameter", "body", "needs an object 'body'")
        if problem:
            code, param, text = problem
            errors.append({"code": code, "line": number, "param": param,
                           "message": f"Line {number} {text}."})
            continue
        seen.add(row["custom_id"])
        requests.append(row)
    if not requests and not errors:
        errors.append({"code": "empty_file", "line": None, "param": None,
                       "message": "The input file has no requests."})
    return requests, errors


async def run(sb: Sandbox, batch_id: str) -> None:
    from tui.sandbox.routes.chat import complete

    batch = sb.state.get("batches", batch_id)
    if batch is None:
        return
    await sb.sleep(VALIDATE_SECONDS)
    requests, errors = _invalid(file_bytes(sb, batch["input_file_id"]).splitlines(), batch["endpoint"])
    if errors:
        batch.update(status="failed", failed_at=now(), errors={"object": "list", "data": errors})
        sb.state.save("batches", batch)
        return
    if batch["status"] == "cancelling":
        _end_cancelled(sb, batch)
        return
    batch.update(status="in_progress", in_progress_at=now(),
                 request_counts={"total": len(requests), "completed": 0, "failed": 0})
    sb.state.save("batches", batch)
    outputs, failures = [], []
    usage = {"input": 0, "output": 0}
    for row in requests:
        if batch["status"] == "cancelling":
            break
        await sb.sleep(REQUEST_SECONDS)
        line = {"id": new_id("batch_req", "_"), "custom_id": row["custom_id"], "error": None}
        request_id = new_id("req", "_")
        try:
            answer = await complete(sb, row["body"])
        except APIError as exc:
            line["response"] = {"status_code": exc.status, "request_id": request_id, "body": exc.body()}
            failures.append(line)
            batch["request_counts"]["failed"] += 1
        else:
            line["response"] = {"status_code": 200, "request_id": request_id, "body": answer}
            usage["input"] += answer["usage"]["prompt_tokens"]
            usage["output"] += answer["usage"]["completion_tokens"]
            outputs.append(line)
            batch["request_counts"]["completed"] += 1
        sb.state.save("batches", batch)
    cancelled = batch["status"] == "cancelling"
    if not cancelled:
        batch.update(status="finalizing", finalizing_at=now())
        sb.state.save("batches", batch)
        await sb.sleep(VALIDATE_SECONDS)
    order = lambda line: hashlib.sha1(line["custom_id"].encode()).hexdigest()  # noqa: E731
    for name, lines, key in (("output", outputs, "output_file_id"), ("errors", failures, "error_file_id")):
        if lines:
            data = b"".join(orjson.dumps(x) + b"\n" for x in sorted(lines, key=order))
            batch[key] = store_file(sb, data, filename=f"{batch['id']}_{name}.jsonl",
                                    purpose="batch_output")["id"]
    batch["usage"] = {"input_tokens": usage["input"], "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens": usage["output"], "output_tokens_details": {"reasoning_tokens": 0},
                      "total_tokens": usage["input"] + usage["output"]}
    if cancelled:
        _end_cancelled(sb, batch)
    else:
        batch.update(status="completed", completed_at=now())
        sb.state.save("batches", batch)


def _end_cancelled(sb: Sandbox, batch: dict[str, Any]) -> None:
    batch.update(status="cancelled", cancelled_at=now())
    sb.state.save("batches", batch)


def resume_all(sb: Sandbox) -> None:
    # A batch interrupted by a restart starts over: its requests are deterministic.
    for batch in sb.state.all("batches"):
        if batch["status"] not in FINAL:
            if batch["status"] == "cancelling":
                _end_cancelled(sb, batch)
            else:
                batch.update(status="validating", request_counts={"total": 0, "completed": 0, "failed": 0})
                sb.spawn(batch["id"], run(sb, batch["id"]))
