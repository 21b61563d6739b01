"""`store_changed`: the one signal that the store has new data to show.

Panes and screens used to learn of changes four ways (a listener list on the
loop host, a 1 s poll, a walk of the screen stack, nested messages), and
writes by another process (a `tunedeck ...` command on the same database while
the TUI runs) only showed after a pane switch. Now:

- whoever writes (a worker, the loop host, a pane) calls `announce()`; bursts are
  coalesced, so subscribers hear at most once per `interval`;
- a cheap timer reads SQLite's `PRAGMA data_version` on the UI thread's connection:
  it changes when any *other* connection commits (a worker thread's, another
  process's), and then the signal is announced too;
- subscribers (`Pane` subscribes every pane, screens subscribe themselves) re-read
  what they show from the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.signal import Signal

# At most one delivery per this many seconds, however many writes.
COALESCE_S = 0.2
# How often the UI connection asks whether another connection committed.
POLL_S = 0.5


def data_version(store: Any) -> int:
    """SQLite's per-connection counter of commits made by other connections."""
    return int(store.db.execute("PRAGMA data_version").fetchone()[0])


class StoreChanges:
    def __init__(self, app: App, *, interval: float = COALESCE_S, poll: float = POLL_S) -> None:
        self.app = app
        self.signal: Signal[None] = Signal(app, "store_changed")
        self.interval = interval
        self.poll = poll
        self._pending = False
        self._version: int | None = None
        self._store: Any = None
        self.published = 0  # deliveries so far (tests count them)

    def subscribe(self, node: DOMNode, callback: Callable[[], Any]) -> None:
        """Call `callback()` on `node` after the store changed (until it unmounts)."""
        self.signal.subscribe(node, lambda _data: callback())

    def unsubscribe(self, node: DOMNode) -> None:
        self.signal.unsubscribe(node)

    def announce(self) -> None:
        """The store changed. On the UI thread; a worker thread calls
        `app.call_from_thread(changes.announce)` (or writes, which `watch` notices)."""
        if self._pending or not self.app.is_running:
            return
        self._pending = True
        self.app.set_timer(self.interval, self._publish, name="store_changed")

    def _publish(self) -> None:
        self._pending = False
        if self._store is None:
            return  # stopped: the store is closing with the app
        # What the subscribers are about to read includes any other commit so far.
        self._version = data_version(self._store)
        self.published += 1
        self.signal.publish(None)

    def watch(self, store: Any) -> None:
        """Start noticing other connections' commits on the UI thread's `store`."""
        self._store = store
        self._version = data_version(store)
        self.app.set_interval(self.poll, self._check, name="store data_version")

    def stop(self) -> None:
        """Before the store closes (at quit): no more reads of it, no more deliveries."""
        self._store = None

    def _check(self) -> None:
        if self._store is None:
            return
        version = data_version(self._store)
        if version != self._version:
            self._version = version
            self.announce()
