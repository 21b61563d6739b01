"""GEPA's callbacks written to the store: each candidate's validation scores, calls used.

The store is what the CLI's status, the live view and a resumed process read;
GEPA's own run_dir holds what only GEPA needs to resume its search.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class StoreRecorder:
    def __init__(self, store: Any, opt_id: int,
                 on_change: Callable[[], None] | None = None) -> None:
        self.store = store
        self.opt_id = opt_id
        self.on_change = on_change

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def on_valset_evaluated(self, event: dict[str, Any]) -> None:
        scores = {str(k): float(v) for k, v in (event.get("scores_by_val_id") or {}).items()}
        self.store.optimizations.record_candidate(
            self.opt_id, int(event["candidate_idx"]), dict(event["candidate"]),
            parents=[int(p) for p in event.get("parent_ids") or [] if p is not None],
            val_score=float(event["average_score"]), val_scores=scores)
        self._changed()

    def on_budget_updated(self, event: dict[str, Any]) -> None:
        self.store.optimizations.update(self.opt_id,
                                        metric_calls=int(event["metric_calls_used"]))
        self._changed()

    def on_optimization_end(self, event: dict[str, Any]) -> None:
        self.store.optimizations.update(self.opt_id,
                                        metric_calls=int(event["total_metric_calls"]))


class RunLog:
    """GEPA's log lines appended to run_dir/run_log.txt, never to stdout (GEPA's own
    Logger tees sys.stdout, which would mix its lines into `--json` output or the TUI)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def log(self, message: str, *args: Any, **kwargs: Any) -> None:
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(" ".join(str(m) for m in (message, *args)) + "\n")
