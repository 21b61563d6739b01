"""How an example's line is kept in `examples.body`: its UTF-8 bytes, zstd-compressed.

JSONL lines compress about 2x on their own, and the store keeps every line of
every version, so a database holding a 243 MB file is ~0.6x its size instead
of ~1.4x (a 2.4 KB line filled a 4 KB page alone). Compressing a 2.4 KB line
costs ~15 µs and happens in the import's worker processes; reading a page of
100 lines back costs well under a millisecond.

Search keeps its old meaning (`instr(lower(data), lower(?))`: ASCII-only case
folding, as SQLite's `lower` does) through `body_contains`, which every
connection registers as the SQL function `example_contains(body, needle)`.
"""

from __future__ import annotations

import threading

import zstandard

LEVEL = 1  # the same ratio as level 3 on lines this short, and faster
# Tables sized for a line of a few kB, not for zstd's default 128 kB+ input: resetting big
# tables for every line costs more than compressing it (~20% faster between tokenizer calls).
_PARAMS = zstandard.ZstdCompressionParameters.from_level(LEVEL, source_size=4096)

_local = threading.local()  # zstd contexts are not thread-safe; making one costs ~15 µs


def _compressor() -> zstandard.ZstdCompressor:
    c = getattr(_local, "c", None)
    if c is None:
        c = _local.c = zstandard.ZstdCompressor(compression_params=_PARAMS)
    return c


def _decompressor() -> zstandard.ZstdDecompressor:
    d = getattr(_local, "d", None)
    if d is None:
        d = _local.d = zstandard.ZstdDecompressor()
    return d


def pack(data: bytes) -> bytes:
    """A line's UTF-8 bytes, ready for `examples.body`."""
    return _compressor().compress(data)


def pack_text(text: str | bytes) -> bytes:
    return pack(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))


def unpack(body: bytes | str) -> str:
    """The stored line as text (a value still in the old TEXT layout comes back as is)."""
    if isinstance(body, str):
        return body
    return _decompressor().decompress(body).decode("utf-8", "surrogatepass")


def body_contains(body: bytes | str | None, needle: str | None) -> int:
    """1 when the line holds `needle`, ignoring ASCII case (SQLite's `lower`), else 0."""
    if body is None or needle is None:
        return 0
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else (
        _decompressor().decompress(body))
    return int(needle.encode("utf-8", "surrogatepass").lower() in data.lower())
