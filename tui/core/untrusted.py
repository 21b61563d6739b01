"""Untrusted text made safe to show: control characters become visible escapes.

Datasets, model answers, eval files, names and provider messages come from
other people. Shown raw, their control characters are instructions to the
terminal (ESC ] 2 sets the window title, ESC ] 52 writes the clipboard, ESC [ 2 J
wipes the screen, C1 0x9b is a one-byte CSI, U+202E reverses what follows).
`visible()` is the one place that decides how each is shown instead:

- newline and tab are kept: they are layout, not commands;
- every other C0 control (U+0000-U+001F) becomes its Unicode control picture
  (U+2400-U+241F: ESC is shown as ␛, NUL as ␀, CR as ␍);
- DEL (U+007F), C1 controls (U+0080-U+009F), bidirectional embeddings,
  overrides, isolates and marks, the line/paragraph separators and lone
  surrogates become a `\\uXXXX` escape.

The `\\uXXXX` form is JSON's own escape, so JSON printed through `visible()`
stays valid JSON with the same meaning (JSON never holds a raw C0 control).
The function is idempotent: what it returns has nothing left to replace.

This module is the data side of the rule; building Content/Text from such text
(never markup) is the UI's side, in tui/ui_text.py.
"""

from __future__ import annotations

import re
from typing import TextIO

_KEPT = {0x09, 0x0A}
# Bidirectional embeddings, overrides and isolates; the marks; the line and
# paragraph separators some terminals treat as line breaks.
_FORMAT_CONTROLS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
                    0x2028, 0x2029)


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x20):
        if code not in _KEPT:
            table[code] = chr(0x2400 + code)
    for code in (0x7F, *range(0x80, 0xA0), *_FORMAT_CONTROLS, *range(0xD800, 0xE000)):
        table[code] = f"\\u{code:04x}"
    return table


_TABLE = _build_table()
_NEEDS = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE)
                                  if not 0xD800 <= c < 0xE000)
                    + "\ud800-\udfff]")


def visible(text: object) -> str:
    """`text` as a string whose control characters are shown, not obeyed."""
    value = text if isinstance(text, str) else str(text)
    if _NEEDS.search(value) is None:
        return value
    return value.translate(_TABLE)


def has_controls(text: str) -> bool:
    """Whether `visible(text)` would change anything."""
    return _NEEDS.search(text) is not None


def count_controls(text: str) -> int:
    """How many characters `visible(text)` would replace."""
    return sum(1 for _ in _NEEDS.finditer(text))


class VisibleStream:
    """A text stream that writes everything through `visible()`.

    The headless commands print names, messages and data that came from
    elsewhere; wrapping stdout and stderr once, where the command starts, means
    no print anywhere can hand a control sequence to the terminal. Everything
    else (encoding, isatty, fileno, buffer) is the wrapped stream's.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    @property
    def raw(self) -> TextIO:
        """The wrapped stream, for data that must keep its exact bytes (see data_output)."""
        return self._stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def writelines(self, lines: list[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def data_output(stream: TextIO | VisibleStream) -> TextIO | VisibleStream:
    """Where a command writes data itself (an export to stdout): the exact text when the
    stream is a file or a pipe (`> file`, `| jq`), shown through `visible()` when it
    is a terminal, where a control sequence in the data would be obeyed."""
    raw = stream.raw if isinstance(stream, VisibleStream) else stream
    try:
        to_terminal = raw.isatty()
    except (AttributeError, ValueError):
        to_terminal = False
    return stream if to_terminal else raw
