"""sqlite-utils, imported without pandas and numpy.

sqlite-utils imports pandas and numpy when they are installed (they are wherever
`tunedeck[local]` is: TRL and datasets need them), only to map their scalar types
to column types on insert. The store never inserts pandas or numpy values, and
the two cost ~0.5 s of start-up, before the TUI's first pane can show (issue 19).
So while sqlite-utils itself is imported they are hidden (a `None` in sys.modules
makes `import pandas` raise ImportError, which sqlite-utils handles); afterwards
they import normally for whoever needs them. Every store module imports
sqlite-utils through here, so whichever comes first takes the light path.
(Another thread importing pandas during that one import would get an
ImportError; where pandas is already imported, nothing is hidden.)
"""

from __future__ import annotations

import sys
from types import ModuleType

_HIDDEN = ("pandas", "numpy")


def _import_light() -> tuple[ModuleType, type]:
    hidden = [name for name in _HIDDEN if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import sqlite_utils
        from sqlite_utils.migrations import Migrations
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    return sqlite_utils, Migrations


sqlite_utils, Migrations = _import_light()

__all__ = ["Migrations", "sqlite_utils"]
