"""tunedeck's local state: one SQLite file, migrations, typed records, queries.

Imports neither textual nor tui, and never touches the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.store import Store

__all__ = ["Store"]


def __getattr__(name: str):
    # `Store` (and with it sqlite-utils, ~0.5 s and ~90 MB) loads on first use, so a process
    # that needs only a light module (the import's workers need store.codec) stays light.
    if name == "Store":
        from store.store import Store

        return Store
    raise AttributeError(f"module 'store' has no attribute {name!r}")
