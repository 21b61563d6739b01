"""The cyclic garbage collector: paused while the TUI starts, kept off the start-up heap.

Starting makes ~50k long-lived objects (modules, classes, the widget tree) and almost
no garbage, yet the collector ran ~130 times before the first pane was on screen, one
of them a full collection: ~55 ms of CPU of the ~500 ms to the first pane (issue 19).
`tunedeck` pauses it before importing the app, and the app resumes it once its first
pane is on screen (or a second after the first frame). Only a pause made here is
resumed: an embedding program's own gc.disable() is left alone.

Once started, a process's start-up heap (modules, classes, the widget tree, a
server's routes) lives as long as the process, yet every full collection walks it:
~60-70 ms each in the eval runner and in the sandbox (timed with gc.callbacks,
issue 19), a stall of every request in flight, a few times a run. Frozen
(`gc.freeze`), it is left out of every later collection. Objects made after the
freeze are collected as before; what is frozen is never freed, so it is done
where the heap holds almost no garbage: after start-up's imports.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    global _paused
    if _paused:
        _paused = False
        freeze_long_lived()
        gc.enable()


def freeze_long_lived() -> None:
    """Leave everything alive now out of later collections (see the module's doc)."""
    gc.freeze()
