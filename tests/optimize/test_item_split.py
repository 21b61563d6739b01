"""The train / validation / held-out split: reproducible from its seed, disjoint, complete."""

from __future__ import annotations

import pytest

from tui.core.optimize.item_split import ItemSplit, SplitError, split_items


def test_the_same_seed_gives_the_same_split_and_another_seed_another():
    a, b = split_items(20, seed=7), split_items(20, seed=7)
    assert a == b
    assert split_items(20, seed=8) != a
    assert a.sizes() == {"train": 8, "val": 6, "test": 6}


def test_the_parts_are_disjoint_sorted_and_cover_every_item():
    split = split_items(37, seed=3)
    parts = [split.train, split.val, split.test]
    assert sorted(i for part in parts for i in part) == list(range(37))
    assert all(part == sorted(part) and part for part in parts)
    assert ItemSplit.from_dict(split.as_dict()) == split


def test_a_tiny_eval_still_gets_one_item_per_part_and_too_few_items_are_refused():
    assert split_items(3, seed=0).sizes() == {"train": 1, "val": 1, "test": 1}
    with pytest.raises(SplitError, match="at least 3 items"):
        split_items(2, seed=0)
    with pytest.raises(SplitError, match="shares"):
        split_items(10, seed=0, val_share=0.6, test_share=0.5)
