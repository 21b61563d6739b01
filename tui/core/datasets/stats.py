"""Running totals over a file's line results, mergeable across byte-range chunks.

Distributions are kept as `Counter`s of exact values (tokens, messages), so
memory grows with the number of *distinct* counts, not of examples, and
quantiles stay exact after merging chunks.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable

from tui.core.datasets.lines import Line
from tui.core.datasets.scan import LineResult, LineScanner, is_blank

FIRST_N = 20
HEAD_BYTES = 512


class Accumulator:
    """Totals for a run of consecutive lines (a whole file, or one chunk of it)."""

    def __init__(self, token_limit: int) -> None:
        self.token_limit = token_limit
        self.lines = 0  # physical lines, blank ones included
        self.examples = 0  # non-blank lines
        self.invalid = 0
        self.size = 0  # bytes read
        self.formats: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()  # lines with at least one error of a category
        self.warnings: Counter[str] = Counter()
        self.first_errors: list[tuple[int, str, str]] = []
        self.first_warnings: list[tuple[int, str, str]] = []
        self.tokens: Counter[int] = Counter()
        self.assistant_tokens: Counter[int] = Counter()
        self.messages: Counter[int] = Counter()
        self.over_limit = 0
        self.billable = 0  # sum of min(limit, tokens) over valid examples
        self.head = b""  # the start of the first non-blank line, for hints
        self.nul_lines = 0
        self.hashes: array[int] = array("Q")  # valid examples' hashes, if the scanner makes them

    def add(self, r: LineResult) -> None:
        self.examples += 1
        self.formats[r.format] += 1
        if not self.head:
            self.head = r.raw[:HEAD_BYTES]
        if r.warnings:
            self._note(r.line, r.warnings, self.warnings, self.first_warnings)
        if r.status == "invalid":
            self.invalid += 1
            self._note(r.line, r.errors, self.errors, self.first_errors)
            if b"\x00" in r.raw:
                self.nul_lines += 1
            return
        if r.content_hash is not None:
            self.hashes.append(r.content_hash)
        tokens = r.tokens or 0
        self.tokens[tokens] += 1
        self.assistant_tokens[r.assistant_tokens or 0] += 1
        self.messages[r.n_messages or 0] += 1
        if tokens > self.token_limit:
            self.over_limit += 1
            self.billable += self.token_limit
        else:
            self.billable += tokens

    def add_blank(self, line: int) -> None:
        message = "line: empty (skipped)"
        self._note(line, [("blank_line", message)], self.warnings, self.first_warnings)

    @staticmethod
    def _note(line: int, found: list[tuple[str, str]], counts: Counter[str],
              first: list[tuple[int, str, str]]) -> None:
        seen: set[str] = set()
        for category, message in found:
            if category not in seen:
                seen.add(category)
                counts[category] += 1
            if len(first) < FIRST_N:
                first.append((line, category, message))

    def feed(self, lines: Iterable[Line], scanner: LineScanner, first_line: int = 1,
             sink: Callable[[LineResult], None] | None = None) -> None:
        """Scan and add every line (numbered from `first_line`); `sink` gets each result too."""
        number = first_line - 1
        scan = scanner.scan_fast
        add = self.add
        tokens, assistant_tokens, messages = self.tokens, self.assistant_tokens, self.messages
        plain = billable = 0  # plain chat lines (scan_fast's shortcut) and their tokens
        for offset, raw, size in lines:
            number += 1
            self.size += size
            if is_blank(offset, raw, size):
                self.add_blank(number)
                continue
            result = scan(number, offset, raw, size)
            if type(result) is tuple:  # valid, sft, no finding: what `add` would do with it
                n, assistant, n_messages = result
                plain += 1
                billable += n  # scan_fast took it: not over the token limit
                tokens[n] += 1
                assistant_tokens[assistant] += 1
                messages[n_messages] += 1
                if not self.head:
                    self.head = raw[:HEAD_BYTES]
                if sink is not None:
                    sink(LineResult(number, "valid", "sft", None, None, n, assistant,
                                    n_messages, raw, offset))
                continue
            add(result)
            if sink is not None:
                sink(result)
        if plain:
            self.examples += plain
            self.formats["sft"] += plain
            self.billable += billable
        self.lines = number - first_line + 1

    def merge(self, other: Accumulator) -> None:
        """Append the totals of the lines that follow this run's (renumbering them)."""
        shift = self.lines
        self.lines += other.lines
        self.examples += other.examples
        self.invalid += other.invalid
        self.size += other.size
        self.over_limit += other.over_limit
        self.billable += other.billable
        self.nul_lines += other.nul_lines
        self.head = self.head or other.head
        self.hashes.extend(other.hashes)
        for mine, theirs in ((self.formats, other.formats), (self.errors, other.errors),
                             (self.warnings, other.warnings), (self.tokens, other.tokens),
                             (self.assistant_tokens, other.assistant_tokens),
                             (self.messages, other.messages)):
            mine.update(theirs)
        for mine_first, theirs_first in ((self.first_errors, other.first_errors),
                                         (self.first_warnings, other.first_warnings)):
            room = FIRST_N - len(mine_first)
            mine_first.extend((line + shift, c, m) for line, c, m in theirs_first[:max(room, 0)])


def summarize(values: Counter[int], bins: int = 20) -> dict:
    """total, min, max, mean, median, p10, p90 and a histogram of a multiset of ints.

    Quantiles interpolate linearly between order statistics (numpy's default).
    """
    n = sum(values.values())
    if n == 0:
        return {"count": 0, "total": 0, "min": None, "max": None, "mean": None, "median": None,
                "p10": None, "p90": None, "histogram": {"edges": [], "counts": []}}
    keys = sorted(values)
    cumulative = []
    running = 0
    for key in keys:
        running += values[key]
        cumulative.append(running)

    def nth(k: int) -> int:  # the k-th smallest value, 0-based
        lo, hi = 0, len(keys) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cumulative[mid] > k:
                hi = mid
            else:
                lo = mid + 1
        return keys[lo]

    def quantile(q: float) -> float:
        pos = q * (n - 1)
        below = math.floor(pos)
        low, high = nth(below), nth(min(below + 1, n - 1))
        return float(low + (high - low) * (pos - below))

    total = sum(k * c for k, c in values.items())
    return {"count": n, "total": total, "min": keys[0], "max": keys[-1], "mean": total / n,
            "median": quantile(0.5), "p10": quantile(0.1), "p90": quantile(0.9),
            "histogram": histogram(values, keys[0], keys[-1], bins)}


def histogram(values: Counter[int], low: int, high: int, bins: int) -> dict:
    """Integer buckets [edges[i], edges[i+1]) of equal width covering low..high."""
    width = max(1, math.ceil((high - low + 1) / bins))
    count = math.ceil((high - low + 1) / width)
    edges = [low + i * width for i in range(count + 1)]
    counts = [0] * count
    for value, c in values.items():
        counts[min((value - low) // width, count - 1)] += c
    return {"edges": edges, "counts": counts}
