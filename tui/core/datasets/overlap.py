"""Example identity across files: a content hash that ignores key order and whitespace."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import orjson


def example_hash(obj: object) -> int:
    """A 64-bit hash of an example's canonical JSON (sorted keys, no whitespace)."""
    canonical = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    return int.from_bytes(hashlib.blake2b(canonical, digest_size=8).digest(), "big")


def overlap(train_hashes: Iterable[int], valid_hashes: Iterable[int]) -> int:
    """How many training examples (repeats included) also appear in the validation set."""
    valid = valid_hashes if isinstance(valid_hashes, set | frozenset) else set(valid_hashes)
    return sum(1 for h in train_hashes if h in valid)
