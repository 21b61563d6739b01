"""Pausing an optimization at once, from another thread (the TUI quitting).

GEPA checks its stop callbacks only between iterations, and one iteration may
be minutes of metric and reflection calls; a quit that waited for it would
hang the terminal. So every call the driver makes on its event loop goes
through `Pause.call`: `now()` cancels the call in flight (its finished items
are already in the store; the eval runner keeps them), and the driver unwinds
with `SearchPaused`. GEPA saved its state at the start of the iteration, so a
resume repeats at most the interrupted iteration, and the adapter reuses every
item recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class SearchPaused(BaseException):  # noqa: N818 - a signal, like KeyboardInterrupt
    """The run was paused mid-call. A BaseException so that GEPA's `except Exception`
    around an iteration (and a reflection) lets it through instead of going on."""


class Pause:
    """A `pause` for optimize_driver.run: true once asked (or once `also` says so)."""

    def __init__(self, also: Callable[[], bool] | None = None) -> None:
        self._also = also
        self._asked = threading.Event()
        self._lock = threading.Lock()
        self._task: asyncio.Future[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def __call__(self) -> bool:
        return self._asked.is_set() or bool(self._also and self._also())

    def now(self) -> None:
        """Pause: the call in flight is cancelled; any thread may ask."""
        with self._lock:
            self._asked.set()
            task, loop = self._task, self._loop
        if task is not None and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
                loop.call_soon_threadsafe(task.cancel)

    def call(self, loop: asyncio.AbstractEventLoop, work: Coroutine[Any, Any, T]) -> T:
        """`loop.run_until_complete(work)`, given up (SearchPaused) when paused."""
        if self():
            work.close()
            raise SearchPaused
        task = loop.create_task(work)
        with self._lock:
            self._task, self._loop = task, loop
        try:
            result = loop.run_until_complete(task)
        except asyncio.CancelledError:
            if self():
                raise SearchPaused from None
            raise
        finally:
            with self._lock:
                self._task = None
        if self():  # the eval runner ends a cancelled run as "canceled", not with an error
            raise SearchPaused
        return result


def run_call(pause: Callable[[], bool] | None, loop: asyncio.AbstractEventLoop,
             work: Coroutine[Any, Any, T]) -> T:
    """Run one call of the driver: through the Pause when there is one."""
    if isinstance(pause, Pause):
        return pause.call(loop, work)
    return loop.run_until_complete(work)
