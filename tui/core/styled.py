"""Styled lines without markup: what tui/core hands to both the TUI and the CLI.

A line is a list of (text, style) runs; style "" is plain. The TUI turns the
runs into Content (tui/ui_text.py: from_runs), the CLI joins their text. No
markup string is ever built, so a name holding `[b]` or `[/draft]` is just text.
"""

from __future__ import annotations

Runs = list[tuple[str, str]]


def plain_text(runs: Runs) -> str:
    """The line as the CLI prints it: the runs' text, styles dropped."""
    return "".join(text for text, _ in runs)
