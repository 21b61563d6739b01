"""The Pareto front over validation items: which candidates are best on which item.

GEPA keeps, for every validation item, the candidates that score highest on it,
and picks parents from that front: a candidate that wins a few items can survive
though its mean is lower. The live view draws it as an items × candidates grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Front:
    items: list[str]  # validation item ids, in order
    best: dict[str, float]  # item id -> the highest score any candidate got on it
    wins: dict[int, set[str]]  # candidate idx -> the items it is best on

    def on_front(self) -> list[int]:
        return [idx for idx, items in self.wins.items() if items]


def front(candidates: list[dict[str, Any]]) -> Front:
    """`candidates`: as optimize_report.summary lists them (idx, val_scores)."""
    scored = [c for c in candidates if c.get("val_scores")]
    items = sorted({k for c in scored for k in c["val_scores"]},
                   key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
    best = {item: max(c["val_scores"].get(item, 0.0) for c in scored) for item in items}
    wins = {c["idx"]: {item for item in items if best[item] > 0
                       and c["val_scores"].get(item, 0.0) >= best[item]} for c in scored}
    return Front(items=items, best=best, wins=wins)
