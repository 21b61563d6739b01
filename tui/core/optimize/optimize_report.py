"""One optimization as data: what the CLI's --json, its text and the live view show."""

from __future__ import annotations

import difflib
from typing import Any

from tui.core.optimize.candidates import base_messages, messages_for


def _version(store: Any, version_id: int | None) -> dict[str, Any] | None:
    if version_id is None:
        return None
    from tui.core.optimize.held_out import prompt_name

    version = store.prompts.version(version_id)
    return {"id": version.id, "prompt": prompt_name(store, version), "version": version.version,
            "ref": f"{prompt_name(store, version)}@{version.version}", "note": version.note}


def spent_usd(store: Any, opt: Any) -> float:
    """Search and reflection dollars, plus the held-out runs' once they ran."""
    total = store.optimizations.search_cost(opt.id) + opt.reflection_cost_usd
    for run_id in dict.fromkeys(r for r in (opt.seed_test_run_id, opt.best_test_run_id) if r):
        total += store.evals.run(run_id).cost_usd or 0.0
    return total


def summary(store: Any, opt_id: int) -> dict[str, Any]:
    opt = store.optimizations.get(opt_id)
    candidates = store.optimizations.candidates(opt.id)
    by_idx = {c.idx: c for c in candidates}
    best_idx = opt.best_candidate_idx
    if best_idx is None and candidates:  # still searching: the best so far
        best_idx = max(candidates, key=lambda c: (c.val_score or 0.0, -c.idx)).idx
    comparison = opt.comparison or {}
    seed = _version(store, opt.seed_version_id) or {}
    seed.update(val_score=by_idx[0].val_score if 0 in by_idx else None,
                test_pass_rate=comparison.get("seed_pass_rate"))
    best = _version(store, opt.best_version_id) or {}
    best.update(candidate_idx=best_idx,
                val_score=by_idx[best_idx].val_score if best_idx in by_idx else None,
                test_pass_rate=comparison.get("best_pass_rate"))
    split = opt.split or {}
    return {
        "object": "prompt.optimization", "id": opt.id, "status": opt.status,
        "stop_reason": opt.stop_reason, "error": opt.error,
        "eval": store.evals.get(opt.eval_id).name, "model": opt.model, "profile": opt.profile,
        "reflection_model": opt.reflection_model, "reflection_profile": opt.reflection_profile,
        "parts": opt.parts, "split": {k: len(split.get(k) or []) for k in ("train", "val", "test")},
        "split_seed": opt.seed,
        "budget": {"max_metric_calls": opt.max_metric_calls, "metric_calls": opt.metric_calls,
                   "max_usd": opt.max_usd, "spent_usd": spent_usd(store, opt),
                   "reflection_calls": opt.reflection_calls,
                   "estimated_usd": (opt.estimate or {}).get("total_usd")},
        "seed": seed, "best": best,
        "candidates": [{"idx": c.idx, "parents": c.parents, "val_score": c.val_score,
                        "val_scores": c.val_scores or {}, "candidate": c.candidate}
                       for c in candidates],
        "held_out": comparison or None,
        "seed_test_run_id": opt.seed_test_run_id, "best_test_run_id": opt.best_test_run_id,
        "run_dir": opt.run_dir,
    }


def best_diff(store: Any, opt_id: int) -> list[str]:
    """A unified diff of the best candidate's messages against the seed's."""
    opt = store.optimizations.get(opt_id)
    candidates = store.optimizations.candidates(opt.id)
    if not candidates:
        return []
    idx = opt.best_candidate_idx
    best = next((c for c in candidates if c.idx == idx), None) or max(
        candidates, key=lambda c: (c.val_score or 0.0, -c.idx))
    seed = next((c for c in candidates if c.idx == 0), None)
    if seed is None:
        return []
    version = store.prompts.version(opt.seed_version_id)
    eval_row = store.evals.get(opt.eval_id)
    messages = base_messages(version.messages, eval_row.input_messages)

    def lines(candidate: dict[str, str]) -> list[str]:
        out = []
        for m in messages_for(messages, candidate):
            out.append(f"[{m['role']}]")
            out.extend(str(m["content"]).splitlines() or [""])
        return out

    return list(difflib.unified_diff(lines(seed.candidate), lines(best.candidate),
                                     "seed", f"candidate {best.idx}", lineterm=""))
