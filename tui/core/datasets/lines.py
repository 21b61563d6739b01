"""Reading JSONL lines with their byte offsets, in bounded memory.

Each reader yields `(byte_offset, raw, size)`: `raw` is the line without its
`\\n` / `\\r\\n`, and `size` is the line's length in the file including the
newline. A line longer than `MAX_LINE_BYTES` is never held whole: it comes
back with `raw` cut to its first `TOO_LONG_PREFIX` bytes and `size` larger
than `len(raw)` + 2, and the scanner reports it as too long.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from tui.core.datasets.source import open_regular, size_at_open

MAX_LINE_BYTES = 64 * 1024 * 1024
TOO_LONG_PREFIX = 4096
_BLOCK = 1 << 20

Line = tuple[int, bytes, int]


def _strip(raw: bytes) -> bytes:
    if raw.endswith(b"\n"):
        raw = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
    return raw


def is_too_long(raw: bytes, size: int) -> bool:
    return size > len(raw) + 2


def read_range(path: str | os.PathLike[str], start: int = 0, end: int | None = None,
               max_line: int = MAX_LINE_BYTES, limit: int | None = None) -> Iterator[Line]:
    """Lines that start in [start, end) of a file (`start` must be a line start).

    Only a regular file is read (NotRegularFile otherwise), and no further than
    its size when opened: a file that keeps growing still comes to an end.
    `limit` stops it earlier: at the size a caller saw when it opened the file
    (a chunked scan's workers each open it later, and read what the caller planned).
    """
    with open_regular(path, buffering=_BLOCK) as f:
        size = size_at_open(f) if limit is None else min(limit, size_at_open(f))
        left = size - start  # bytes this reader may still read
        f.seek(start)
        pos = start
        readline = f.readline
        while (end is None or pos < end) and left > 0:
            raw = readline(min(max_line + 1, left))
            if not raw:
                return
            left -= len(raw)
            size = len(raw)
            if size > max_line and not raw.endswith(b"\n"):
                prefix = raw[:TOO_LONG_PREFIX]
                del raw
                while left > 0:  # skip to the line's end, a block at a time
                    rest = readline(min(_BLOCK, left))
                    left -= len(rest)
                    size += len(rest)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield pos, prefix, size
            else:
                yield pos, _strip(raw), size
            pos += size


def split_bytes(data: bytes, max_line: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """The lines of an in-memory file."""
    pos = 0
    n = len(data)
    find = data.find
    while pos < n:
        nl = find(b"\n", pos)
        stop = n if nl < 0 else nl + 1
        size = stop - pos
        if size > max_line + 1:
            yield pos, data[pos:pos + TOO_LONG_PREFIX], size
        else:
            yield pos, _strip(data[pos:stop]), size
        pos = stop


def from_iterable(lines: Iterable[bytes | str]) -> Iterator[Line]:
    """Lines given one by one (bytes or str, with or without their newline)."""
    pos = 0
    for item in lines:
        raw = item.encode("utf-8", "surrogatepass") if isinstance(item, str) else bytes(item)
        size = len(raw) if raw.endswith(b"\n") else len(raw) + 1
        stripped = _strip(raw)
        if len(stripped) > MAX_LINE_BYTES:
            yield pos, stripped[:TOO_LONG_PREFIX], size
        else:
            yield pos, stripped, size
        pos += size
