"""Background work off the UI thread: a thread with its own event loop and store connection.

SQLite connections belong to the thread that opened them, and the UI thread's
event loop must not wait on a provider or on thousands of row writes. So an eval
run, a guided loop and an upload each run in a worker thread that opens its own
`Store` on the same file and its own asyncio loop; this is that pattern, once.
Their writes reach the screen through `store_changed` (tui/store_changes.py),
which notices another connection's commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from store import Store

T = TypeVar("T")


def run_with_store(db_path: Path, main: Callable[[Store], Awaitable[T]]) -> T:
    """Run `main(store)` to completion on a fresh event loop with this thread's own
    connection to `db_path`; both are closed when it returns or raises. Call it from a
    worker thread (`@work(thread=True)`), never from the UI thread."""
    from store import Store

    with Store(db_path) as store:
        return asyncio.run(main(store))


def call_in_loop(loop: asyncio.AbstractEventLoop, callback: Callable[[], Any]) -> bool:
    """Ask a background run's loop to call `callback` (cancel, detach) from another
    thread; False when that loop has already closed (the run ended meanwhile)."""
    try:
        loop.call_soon_threadsafe(callback)
    except RuntimeError:
        return False
    return True
