"""One line in, one `LineResult` out: parse, check, count tokens.

This is the hot path of validation (it runs in the worker processes), so it
imports nothing heavy and builds field paths for messages only on errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

import orjson

from tui.core.datasets.counting import count_messages
from tui.core.datasets.examples import check_example, example_messages
from tui.core.datasets.lines import MAX_LINE_BYTES, Line, is_too_long
from tui.core.datasets.overlap import example_hash
from tui.core.datasets.plain_chat import plain_chat_counts, role_costs
from tui.core.datasets.tokens import TokenCounter, encoding_name_for_model, token_limit_for_model

BOM = b"\xef\xbb\xbf"
_SPACE = b" \t\r\n\x0b\x0c"


@dataclass(slots=True)
class LineResult:
    """The verdict on one line of a training file (blank lines have none)."""

    line: int  # 1-based
    status: Literal["valid", "invalid"]
    format: str  # sft, sft_tools, vision, dpo, rft, unknown
    category: str | None  # the first error's category (None when valid)
    message: str | None  # the first error's message, naming the field
    tokens: int | None  # valid lines only
    assistant_tokens: int | None
    n_messages: int | None
    raw: bytes  # the line without its newline (the first 4 KiB of a too-long line)
    byte_offset: int
    errors: list[tuple[str, str]] = field(default_factory=list)  # every (category, message)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    content_hash: int | None = None  # valid lines, when the scanner hashes examples


class LineScanner:
    """Checks lines of one file against one model and method."""

    def __init__(self, model: str, method: str, *, method_source: str = "given",
                 counter: TokenCounter | None = None, hash_examples: bool = False) -> None:
        self.model = model
        self.hash_examples = hash_examples
        self.method = method
        self.method_source = method_source
        self.encoding = encoding_name_for_model(model)
        self.token_limit = token_limit_for_model(model)
        self.counter = counter or TokenCounter(self.encoding)
        # The plain-chat shortcut (scan_fast): supervised files only, and not when every
        # valid line must carry its hash (the train/validation overlap check).
        self._plain_roles: dict[str, int] | None = None
        self._shortcut = method == "supervised" and not hash_examples

    def scan(self, line: int, offset: int, raw: bytes, size: int) -> LineResult:
        warnings: list[tuple[str, str]] = []
        too_long = is_too_long(raw, size)
        if offset == 0 and raw.startswith(BOM):
            raw = raw[3:]
            warnings.append(("utf8_bom", "line: starts with a UTF-8 byte-order mark"))
        if too_long:
            length = f"{size / 1048576:,.0f} MiB" if size >= 1048576 else f"{size:,} bytes"
            return self._invalid(line, offset, raw, "line_too_long",
                                 f"line: {length} is too long to check (limit "
                                 f"{MAX_LINE_BYTES // (1024 * 1024)} MiB); no example is that long",
                                 warnings)
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                return self._invalid(line, offset, raw, "invalid_utf8",
                                     f"line: not UTF-8 (byte 0x{raw[bad.start]:02x} at column "
                                     f"{bad.start + 1})", warnings)
            return self._invalid(line, offset, raw, "invalid_json", f"line: not JSON ({exc})",
                                 warnings)
        return self._judge(line, offset, raw, obj, warnings)

    def scan_fast(self, line: int, offset: int, raw: bytes, size: int
                  ) -> tuple[int, int, int] | LineResult:
        """scan's verdict; for a plain chat line (plain_chat.py) that is valid with no
        finding, only what it adds up to: (tokens, assistant tokens, messages).

        A valid "sft" LineResult with no errors or warnings is all a plain line could get
        from `scan`: the shortcut leaves out building it, the full rules, and the scan
        for escaped special tokens (a "<" in the raw line or in any content sends the line
        the full way).
        """
        if not self._shortcut or raw[:1] != b"{" or size > len(raw) + 2:  # BOM, blank, long
            return self.scan(line, offset, raw, size)
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return self.scan(line, offset, raw, size)
        if b"<" not in raw:
            roles = self._plain_roles
            if roles is None:
                roles = self._plain_roles = role_costs(self.counter)
            counts = plain_chat_counts(obj, roles, self.counter, self.counter.fresh)
            if counts is not None and counts[0] <= self.token_limit:
                return counts
        return self._judge(line, offset, raw, obj, [])

    def _judge(self, line: int, offset: int, raw: bytes, obj: object,
               warnings: list[tuple[str, str]]) -> LineResult:
        """The verdict on a line that parsed as JSON."""
        # Special tokens all start with "<|", and "<" is either itself or \u003c/\u003C in JSON:
        # a line with neither can hold none, and most lines skip the per-string checks.
        # (A one-byte search is memchr; this costs a third of `b"<|" in raw or b"\\u" in raw`.)
        check_special = b"<" in raw or b"\\u003" in raw
        fmt, ex = check_example(obj, self.method, method_source=self.method_source,
                                check_special=check_special)
        warnings.extend(ex.warn)
        if ex.err:
            category, message = ex.err[0]
            return LineResult(line, "invalid", fmt, category, message, None, None, None, raw,
                              offset, ex.err, warnings)
        messages = example_messages(obj, fmt)
        tokens, assistant = count_messages(messages, self.counter, self.counter.fresh)
        if tokens > self.token_limit:
            warnings.append(("over_token_limit",
                             f"line: {tokens:,} tokens; {self.model} trains on the first "
                             f"{self.token_limit:,} (the rest is truncated)"))
        return LineResult(line, "valid", fmt, None, None, tokens, assistant, len(messages), raw,
                          offset, [], warnings,
                          example_hash(obj) if self.hash_examples else None)

    @staticmethod
    def _invalid(line: int, offset: int, raw: bytes, category: str, message: str,
                 warnings: list[tuple[str, str]]) -> LineResult:
        return LineResult(line, "invalid", "unknown", category, message, None, None, None, raw,
                          offset, [(category, message)], warnings)


def is_blank(offset: int, raw: bytes, size: int) -> bool:
    """An empty or all-whitespace line (a lone byte-order mark at the start counts too)."""
    if raw and raw[0] not in _SPACE and not (offset == 0 and raw.startswith(BOM)):
        return False
    body = raw[3:] if offset == 0 and raw.startswith(BOM) else raw
    return not body.strip() and not is_too_long(raw, size)


def scan_lines(lines: Iterable[Line], scanner: LineScanner, *,
               first_line: int = 1) -> Iterator[LineResult]:
    """Results for the non-blank lines, numbered from `first_line`."""
    number = first_line - 1
    scan = scanner.scan
    for offset, raw, size in lines:
        number += 1
        if not is_blank(offset, raw, size):
            yield scan(number, offset, raw, size)
