"""A line's result as the store keeps it: a pre-serialised `examples` row, built where it was scanned.

The import's worker processes build these beside their totals, so the process
that writes the store neither parses nor counts anything again: it inserts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from store.codec import pack

if TYPE_CHECKING:  # store.datasets brings sqlite-utils, which the workers do not need
    from store.datasets import ExampleRow
    from tui.core.datasets.scan import LineResult


def example_row(r: LineResult) -> ExampleRow:
    """The row for one result; its line number counts from the scan's first line."""
    raw = r.raw
    if r.status == "valid" and not raw.endswith((b"\r", b"\n")):
        data = raw  # it parsed as JSON, so it is UTF-8 already: stored byte for byte
    else:
        data = raw.decode("utf-8", errors="replace").rstrip("\r\n").encode("utf-8")
    return (r.line, r.status, r.format, r.category, r.message, r.tokens, r.assistant_tokens,
            r.n_messages, pack(data))
