"""A run's totals in OpenAI's shapes, computed from the store (the single source of truth)."""

from __future__ import annotations

import math
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
    return RunTotals.of_run(store, run_id).summary()


class _ExactSum:
    """A sum of floats that does not depend on their order: exact, rounded once when read.

    A runner adds its results as they finish and summarize in item order; both must give
    the same cost and mean scores, to the last digit. Every finite double is a whole
    number of 2**-1074, so they add up as integers; NaN and infinities (a grader's score)
    are summed apart, and they decide the result whatever the order.
    """

    __slots__ = ("_units", "_odd")
    _ONE = 1 << 1074

    def __init__(self) -> None:
        self._units = 0
        self._odd = 0.0

    def add(self, value: float) -> None:
        value = float(value)
        if math.isfinite(value):
            numerator, denominator = value.as_integer_ratio()
            self._units += numerator * (self._ONE // denominator)
        else:
            self._odd += value

    def value(self) -> float:
        return self._units / self._ONE + self._odd


def _new_usage() -> dict[str, int]:
    return {"invocation_count": 0, "prompt_tokens": 0, "completion_tokens": 0,
            "total_tokens": 0, "cached_tokens": 0}


class RunTotals:
    """A run's totals, summed one result at a time in any order: summarize's figures.

    Criteria and models are listed as summarize lists them, by first appearance in
    item order (the item's index, then the place in its results), so a runner adding
    results as they finish gets the same lists as a pass over the store. Latencies are
    kept only when asked for (they are the one part that grows with the results).
    """

    def __init__(self, *, latencies: bool = True) -> None:
        self.counts = {"total": 0, "errored": 0, "failed": 0, "passed": 0}
        self._cost = _ExactSum()
        self.latencies: list[float] | None = [] if latencies else None
        self._criteria: dict[str, dict[str, Any]] = {}
        self._usage: dict[str, dict[str, int]] = {}
        self._first: dict[tuple[str, str], tuple[int, int]] = {}  # (kind, name) -> where

    @classmethod
    def of_run(cls, store: Any, run_id: int, *, latencies: bool = True) -> RunTotals:
        """The totals of every result the store holds for a run."""
        totals = cls(latencies=latencies)
        for row in store.evals.iter_totals_rows(run_id):
            totals.add(*row)
        return totals

    def _seen(self, kind: str, name: str, where: tuple[int, int]) -> None:
        first = self._first.get((kind, name))
        if first is None or where < first:
            self._first[kind, name] = where

    def add(self, item_index: int, status: str, results: list[dict[str, Any]] | None,
            sample: dict[str, Any] | None, input_tokens: int | None,
            output_tokens: int | None, cost_usd: float | None,
            latency_ms: float | None) -> None:
        """One stored result's columns (store.evals.iter_totals_rows' row)."""
        self.counts["total"] += 1
        self.counts[{"pass": "passed", "fail": "failed"}.get(status, "errored")] += 1
        results = results or []
        for position, grade in enumerate(results):
            name = grade.get("name", "?")
            entry = self._criteria.get(name)
            if entry is None:
                entry = self._criteria[name] = {"testing_criteria": name, "passed": 0,
                                                "failed": 0, "errored": 0,
                                                "score_sum": _ExactSum()}
            self._seen("criteria", name, (item_index, position))
            if grade.get("error"):
                entry["errored"] += 1
            elif grade.get("passed"):
                entry["passed"] += 1
            else:
                entry["failed"] += 1
            entry["score_sum"].add(grade.get("score") or 0.0)
            grader_sample = grade.get("sample") or {}
            if grader_sample.get("usage") and grader_sample.get("model"):
                self._add_usage(grader_sample["model"], grader_sample["usage"],
                                (item_index, position))
        sample = sample or {}
        if input_tokens is not None and sample.get("model"):
            self._add_usage(sample["model"], sample.get("usage") or {
                "prompt_tokens": input_tokens, "completion_tokens": output_tokens},
                (item_index, len(results)))
        if cost_usd:
            self._cost.add(cost_usd)
        if latency_ms is not None and self.latencies is not None:
            self.latencies.append(latency_ms)

    def _add_usage(self, model: str, usage: dict[str, Any], where: tuple[int, int]) -> None:
        into = self._usage.get(model)
        if into is None:
            into = self._usage[model] = _new_usage()
        self._seen("model", model, where)
        _add_usage(into, usage)

    def _ordered(self, kind: str, table: dict[str, Any]) -> list[tuple[str, Any]]:
        return sorted(table.items(), key=lambda kv: self._first[kind, kv[0]])

    def summary(self) -> dict[str, Any]:
        per_criteria = []
        for _, entry in self._ordered("criteria", self._criteria):
            graded = entry["passed"] + entry["failed"] + entry["errored"]
            per_criteria.append({
                "testing_criteria": entry["testing_criteria"], "passed": entry["passed"],
                "failed": entry["failed"], "errored": entry["errored"],
                "pass_rate": entry["passed"] / graded if graded else 0.0,
                "mean_score": entry["score_sum"].value() / graded if graded else 0.0,
            })
        latencies = sorted(self.latencies or [])
        return {
            "result_counts": dict(self.counts),
            "per_testing_criteria_results": per_criteria,
            "per_model_usage": [{"model_name": m, **u} for m, u in
                                self._ordered("model", self._usage)],
            "cost_usd": self._cost.value(),
            "latency_ms": {
                "p50": _quantile(latencies, 0.5), "p95": _quantile(latencies, 0.95),
                "mean": sum(latencies) / len(latencies) if latencies else None,
            },
            "pass_rate": pass_rate(self.counts),
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
