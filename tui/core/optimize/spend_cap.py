"""The dollar cap of one optimization: checked before every batch and reflection call.

What is spent is read from the store (the search's eval results, item by item,
plus the reflection calls), so a resumed optimization counts what the earlier
process spent. What a call will cost is planned with the larger of the
pre-flight's estimate and the dearest call seen so far (estimates count
characters, providers count tokens). The held-out proof's cost is reserved out
of the cap, so the search stops early enough for the proof to be paid for.
"""

from __future__ import annotations

from typing import Any


class BudgetReached(RuntimeError):
    """Spending more would pass the optimization's dollar cap."""


class SpendCap:
    def __init__(self, store: Any, opt_id: int, max_usd: float | None, *,
                 per_item_usd: float = 0.0, per_reflection_usd: float = 0.0,
                 proof_calls: int = 0) -> None:
        self.store = store
        self.opt_id = opt_id
        self.max_usd = max_usd
        self.per_item_usd = per_item_usd
        self.per_reflection_usd = per_reflection_usd
        self.proof_calls = proof_calls
        self.reached = False

    def spent(self) -> float:
        row = self.store.optimizations.get(self.opt_id)
        return self.store.optimizations.search_cost(self.opt_id) + row.reflection_cost_usd

    def item_usd(self) -> float:
        return max(self.per_item_usd, self.store.optimizations.max_item_cost(self.opt_id))

    def reserve_usd(self) -> float:
        return self.proof_calls * self.item_usd()

    def seen_reflection(self, cost_usd: float) -> None:
        self.per_reflection_usd = max(self.per_reflection_usd, cost_usd)

    def _limit(self) -> float | None:
        return None if self.max_usd is None else max(0.0, self.max_usd - self.reserve_usd())

    def check(self, adding_usd: float) -> None:
        """Raise BudgetReached when spending `adding_usd` more would pass the cap."""
        limit = self._limit()
        if limit is None:
            return
        spent = self.spent()
        if spent + adding_usd > limit + 1e-12:
            self.reached = True
            raise BudgetReached(
                f"spent ${spent:.4f}; ${adding_usd:.4f} more would pass the cap of "
                f"${self.max_usd:.4f} (${self.reserve_usd():.4f} kept for the held-out proof)")

    def check_items(self, n: int) -> None:
        self.check(n * self.item_usd())

    def check_reflection(self) -> None:
        self.check(self.per_reflection_usd)

    def __call__(self, gepa_state: Any = None) -> bool:
        """GEPA's stop condition: True once not even one more item can be paid for."""
        limit = self._limit()
        if limit is not None and self.spent() + self.item_usd() > limit:
            self.reached = True
        return self.reached
