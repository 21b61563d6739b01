"""Validate a fine-tuning file exactly and offline: the one engine behind the CLI, pane and sandbox.

* `validate_file(path, …)` streams a file (in worker processes when large);
* `validate_bytes(data, …)` checks an in-memory file (the sandbox's uploads);
* `iter_line_results(path_or_lines, …)` yields one `LineResult` per non-blank
  line;
* `validate_file_rows(path, deliver, …)` is validate_file that also hands over
  every line's store row (the store import, in one pass).

All of them detect the method from the file's first lines when none is given,
and give the same verdict on the same bytes.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from tui.core.datasets.formats import detect_method, normalize_method
from tui.core.datasets.lines import Line, from_iterable, read_range, split_bytes
from tui.core.datasets.overlap import overlap
from tui.core.datasets.parallel import scan_file, scan_file_rows
from tui.core.datasets.report import LineError, ValidationReport, ValidationSummary, build_report
from tui.core.datasets.scan import LineResult, LineScanner, is_blank, scan_lines
from tui.core.datasets.source import readable_problem
from tui.core.datasets.stats import Accumulator

__all__ = ["LineResult", "UsageError", "ValidationReport", "iter_line_results", "validate_bytes",
           "validate_file"]

DEFAULT_MODEL = "gpt-4o-mini"
DETECT_LINES = 200
DETECT_BYTES = 8 * 1024 * 1024


class UsageError(Exception):
    """The file cannot be read at all (missing, a directory, unreadable)."""


def check_path(path: str | os.PathLike[str]) -> Path:
    """The path, user-expanded, or a UsageError saying why it cannot be read."""
    p = Path(path).expanduser()
    problem = readable_problem(p)
    if problem is not None:
        raise UsageError(f"{path}: {problem}")
    return p


def _sample(lines: Iterable[Line]) -> list[bytes]:
    sample: list[bytes] = []
    used = 0
    for offset, raw, size in lines:
        if used > DETECT_BYTES or len(sample) >= DETECT_LINES:
            break
        used += size
        if not is_blank(offset, raw, size):
            sample.append(raw[3:] if offset == 0 and raw.startswith(b"\xef\xbb\xbf") else raw)
    return sample


def resolve_method(method: str | None, head: Iterable[Line]) -> tuple[str, bool]:
    """(method, detected?) — the given method, or the one the file's first lines look like."""
    given = normalize_method(method)
    if given is not None:
        return given, False
    return detect_method(_sample(head)), True


def _source(detected: bool, method: str) -> str:
    return "detected from the file's first lines" if detected else f"--method {method}"


def validate_file(path: str | os.PathLike[str], *, model: str = DEFAULT_MODEL,
                  method: str | None = None, workers: int = 2,
                  progress: Callable[[int, int], None] | None = None, epochs: int | None = None,
                  prices: dict[str, float] | None = None,
                  validation_path: str | os.PathLike[str] | None = None) -> ValidationReport:
    """Validate a JSONL file in bounded memory. `progress(bytes_done, bytes_total)` as it goes.

    Raises UsageError when the path cannot be read, ValueError for an unknown method.
    """
    p = check_path(path)
    valid_p = check_path(validation_path) if validation_path is not None else None
    chosen, detected = resolve_method(method, read_range(p))
    scanner = LineScanner(model, chosen, method_source=_source(detected, chosen),
                          hash_examples=valid_p is not None)
    acc, _ = scan_file(str(p), scanner, workers=workers, progress=progress)
    summary = shared = None
    if valid_p is not None:
        vacc, _ = scan_file(str(valid_p), scanner, workers=workers)
        summary = ValidationSummary(
            path=str(validation_path), examples=vacc.examples, invalid=vacc.invalid,
            errors=dict(vacc.errors),
            first_errors=[LineError(line=ln, category=c, message=m)
                          for ln, c, m in vacc.first_errors])
        shared = overlap(acc.hashes, set(vacc.hashes))
    return build_report(acc, path=str(path), model=model, method=chosen, method_detected=detected,
                        encoding=scanner.encoding, epochs=epochs, prices=prices, overlap=shared,
                        validation=summary)


def validate_bytes(data: bytes, *, model: str = DEFAULT_MODEL, method: str | None = None,
                   epochs: int | None = None, prices: dict[str, float] | None = None,
                   sink: Callable[[LineResult], None] | None = None) -> ValidationReport:
    """Validate an in-memory JSONL file (same rules and verdict as validate_file).

    `sink` gets each non-blank line's result on the way (one pass for a derived version).
    """
    data = bytes(data)
    chosen, detected = resolve_method(method, split_bytes(data))
    scanner = LineScanner(model, chosen, method_source=_source(detected, chosen))
    acc = Accumulator(scanner.token_limit)
    acc.feed(split_bytes(data), scanner, sink=sink)
    return build_report(acc, path=None, model=model, method=chosen, method_detected=detected,
                        encoding=scanner.encoding, epochs=epochs, prices=prices)


def iter_line_results(path_or_lines: str | os.PathLike[str] | bytes | Iterable[bytes | str], *,
                      model: str = DEFAULT_MODEL, method: str | None = None,
                      hashes: bool = False) -> Iterator[LineResult]:
    """One LineResult per non-blank line, streaming (a path is read a line at a time).

    Checks the path and detects the method at once (UsageError, ValueError), then
    scans lazily as the iterator is consumed.

    `path_or_lines` is a path, a whole file's bytes, or an iterable of lines.
    With `hashes`, valid results carry `content_hash` (see overlap.example_hash).
    """
    if isinstance(path_or_lines, str | os.PathLike):
        p = check_path(path_or_lines)
        chosen, detected = resolve_method(method, read_range(p))
        lines: Iterable[Line] = read_range(p)
    elif isinstance(path_or_lines, bytes | bytearray | memoryview):
        data = bytes(path_or_lines)
        chosen, detected = resolve_method(method, split_bytes(data))
        lines = split_bytes(data)
    else:
        source = from_iterable(path_or_lines)
        head = list(itertools.islice(source, DETECT_LINES))
        chosen, detected = resolve_method(method, head)
        lines = itertools.chain(head, source)
    scanner = LineScanner(model, chosen, method_source=_source(detected, chosen),
                          hash_examples=hashes)
    return scan_lines(lines, scanner)


def validate_file_rows(path: str | os.PathLike[str], deliver: Callable[[int, list], None], *,
                       model: str = DEFAULT_MODEL, method: str | None = None, workers: int = 2,
                       progress: Callable[[int, int], None] | None = None,
                       epochs: int | None = None,
                       prices: dict[str, float] | None = None,
                       limit: int | None = None) -> ValidationReport:
    """validate_file's report, with every line's store row handed to `deliver` on the way.

    One pass for both (the store import): worker processes scan, count and build the
    rows; `deliver(first_line, rows)` gets them in file order (see scan_file_rows).
    `limit`: scan no more than the file's first `limit` bytes (what the import hashed).
    """
    p = check_path(path)
    chosen, detected = resolve_method(method, read_range(p))
    scanner = LineScanner(model, chosen, method_source=_source(detected, chosen))
    acc, _ = scan_file_rows(str(p), scanner, deliver, workers=workers, progress=progress,
                            limit=limit)
    return build_report(acc, path=str(p), model=model, method=chosen, method_detected=detected,
                        encoding=scanner.encoding, epochs=epochs, prices=prices)
