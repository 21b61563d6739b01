"""The cyclic garbage collector, paused while the TUI starts.

Starting makes ~50k long-lived objects (modules, classes, the widget tree) and almost
no garbage, yet the collector ran ~130 times before the first pane was on screen, one
of them a full collection: ~55 ms of CPU of the ~500 ms to the first pane (issue 19).
`tunedeck` pauses it before importing the app, and the app resumes it once its first
pane is on screen (or a second after the first frame). Only a pause made here is
resumed: an embedding program's own gc.disable() is left alone.
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
        gc.enable()
