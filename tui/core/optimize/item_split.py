"""An eval's items split into train / validation / held-out test, reproducibly from a seed.

GEPA reflects on train items, picks candidates on validation items, and never
sees the test items: an improvement is claimed only on those.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


class SplitError(ValueError):
    pass


@dataclass(frozen=True)
class ItemSplit:
    seed: int
    train: list[int]
    val: list[int]
    test: list[int]

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}

    def as_dict(self) -> dict[str, object]:
        return {"seed": self.seed, "train": self.train, "val": self.val, "test": self.test}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ItemSplit:
        return cls(seed=int(data["seed"]), train=list(data["train"]),  # type: ignore[arg-type]
                   val=list(data["val"]), test=list(data["test"]))  # type: ignore[arg-type]


def split_items(n: int, *, seed: int, val_share: float = 0.3,
                test_share: float = 0.3) -> ItemSplit:
    """Indexes 0..n-1 shuffled by `seed`, then cut: test and validation shares, train the rest.

    Each part gets at least one item; each part is sorted, so runs read items in order.
    """
    if n < 3:
        raise SplitError(f"optimizing needs at least 3 items (train, validation, test); "
                         f"the eval has {n}")
    if not (0 < val_share < 1 and 0 < test_share < 1 and val_share + test_share < 1):
        raise SplitError("validation and test shares must be between 0 and 1, together under 1")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_test = max(1, round(n * test_share))
    n_val = max(1, round(n * val_share))
    if n_test + n_val >= n:
        n_test, n_val = max(1, (n - 1) // 2), max(1, n - 1 - max(1, (n - 1) // 2))
    test = sorted(order[:n_test])
    val = sorted(order[n_test:n_test + n_val])
    train = sorted(order[n_test + n_val:])
    return ItemSplit(seed=seed, train=train, val=val, test=test)
