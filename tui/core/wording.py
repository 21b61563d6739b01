"""Counts in sentences: "1 example", "2 examples", with thousands separators."""

from __future__ import annotations


def count_of(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def money(usd: float) -> str:
    """Dollars as people read them: cents above a cent ("$7.91", "$1,204.00"), enough
    digits below one that a tenth of a cent is not "$0.00" ("$0.001", "$0.0004"), and
    "<$0.0001" for what rounds to nothing but is not nothing."""
    sign = "-" if usd < 0 else ""
    usd = abs(usd)
    if usd == 0 or usd >= 0.01:
        return f"{sign}${usd:,.2f}"
    if usd < 0.0001:
        return f"{sign}<$0.0001"
    return f"{sign}${usd:.4f}".rstrip("0")
