"""Counts in user-facing sentences."""

from __future__ import annotations

from tui.core.wording import count_of


def test_counts_read_as_sentences() -> None:
    assert count_of(1, "example") == "1 example"
    assert count_of(0, "example") == "0 examples"
    assert count_of(12_345, "example") == "12,345 examples"
    assert count_of(2, "child", "children") == "2 children"
