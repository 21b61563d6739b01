"""A run's totals in OpenAI's shapes, computed from the store (the single source of truth)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def item_status(results: list[dict[str, Any]], sample_error: str | None = None) -> str:
    """error: the sample or a grader failed; pass: every criterion passed; else fail."""
    if sample_error or any(r.get("error") for r in results):
        return "error"
    return "pass" if results and all(r.get("passed") for r in results) else "fail"


def item_score(results: list[dict[str, Any]]) -> float | None:
    scores = [r["score"] for r in results if isinstance(r.get("score"), int | float)]
    return sum(scores) / len(scores) if scores else None


def summarize(store: Any, run_id: int) -> dict[str, Any]:
    """result_counts, per_testing_criteria_results, per_model_usage, cost and latency."""
    counts = {"total": 0, "errored": 0, "failed": 0, "passed": 0}
    criteria: dict[str, dict[str, Any]] = {}
    usage: dict[str, dict[str, int]] = defaultdict(lambda: {
        "invocation_count": 0, "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
        "cached_tokens": 0})
    cost = 0.0
    latencies: list[float] = []
    for status, results, sample, input_tokens, output_tokens, cost_usd, latency_ms in \
            store.evals.iter_totals_rows(run_id):
        counts["total"] += 1
        key = {"pass": "passed", "fail": "failed"}.get(status, "errored")
        counts[key] += 1
        for grade in results or []:
            name = grade.get("name", "?")
            entry = criteria.setdefault(name, {"testing_criteria": name, "passed": 0,
                                               "failed": 0, "errored": 0, "score_sum": 0.0})
            if grade.get("error"):
                entry["errored"] += 1
            elif grade.get("passed"):
                entry["passed"] += 1
            else:
                entry["failed"] += 1
            entry["score_sum"] += float(grade.get("score") or 0.0)
            grader_sample = grade.get("sample") or {}
            if grader_sample.get("usage") and grader_sample.get("model"):
                _add_usage(usage[grader_sample["model"]], grader_sample["usage"])
        sample = sample or {}
        if input_tokens is not None and sample.get("model"):
            _add_usage(usage[sample["model"]], sample.get("usage") or {
                "prompt_tokens": input_tokens, "completion_tokens": output_tokens})
        if cost_usd:
            cost += cost_usd
        if latency_ms is not None:
            latencies.append(latency_ms)
    per_criteria = []
    for entry in criteria.values():
        graded = entry["passed"] + entry["failed"] + entry["errored"]
        per_criteria.append({
            "testing_criteria": entry["testing_criteria"], "passed": entry["passed"],
            "failed": entry["failed"], "errored": entry["errored"],
            "pass_rate": entry["passed"] / graded if graded else 0.0,
            "mean_score": entry["score_sum"] / graded if graded else 0.0,
        })
    latencies.sort()
    return {
        "result_counts": counts,
        "per_testing_criteria_results": per_criteria,
        "per_model_usage": [{"model_name": m, **u} for m, u in usage.items()],
        "cost_usd": cost,
        "latency_ms": {
            "p50": _quantile(latencies, 0.5), "p95": _quantile(latencies, 0.95),
            "mean": sum(latencies) / len(latencies) if latencies else None,
        },
        "pass_rate": pass_rate(counts),
    }


def pass_rate(counts: dict[str, int]) -> float:
    total = counts.get("total", 0)
    return counts.get("passed", 0) / total if total else 0.0


def _add_usage(into: dict[str, int], usage: dict[str, Any]) -> None:
    prompt = int(usage.get("prompt_tokens") or usage.get("input_tokens") or 0)
    completion = int(usage.get("completion_tokens") or usage.get("output_tokens") or 0)
    into["invocation_count"] += 1
    into["prompt_tokens"] += prompt
    into["completion_tokens"] += completion
    into["total_tokens"] += int(usage.get("total_tokens") or prompt + completion)
    into["cached_tokens"] += int(usage.get("cached_tokens") or 0)


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return values[min(len(values) - 1, int(q * len(values)))]
