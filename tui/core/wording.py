"""Counts in sentences: "1 example", "2 examples", with thousands separators."""

from __future__ import annotations


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
