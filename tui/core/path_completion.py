"""What a partly typed path completes to, as a shell's tab would (one folder listing).

Used by the file dialogs' inline suggestion: the typed text is kept as typed (a `~`
stays a `~`), only the missing tail is proposed. Hidden entries are proposed only
once a `.` is typed, as shells do.
"""

from __future__ import annotations

import os
from os.path import commonprefix
from pathlib import Path

# A folder with more entries than this is not worth listing for one keystroke.
MAX_ENTRIES = 5000


def complete_path(typed: str, *, base: Path | None = None) -> str | None:
    """`typed` extended by the longest tail every matching entry shares, or None.

    A single match that is a folder gets its trailing separator, so the next
    keystroke completes inside it. `base` resolves relative paths (default: cwd).
    """
    if not typed:
        return None
    folder_text, _, stem = typed.rpartition(os.sep)
    folder_shown = folder_text + os.sep if _ else ""
    try:
        folder = Path(folder_text or (os.sep if _ else ".")).expanduser()
    except RuntimeError:  # `~name` for a user this machine does not know
        return None
    if not folder.is_absolute():
        folder = (base or Path.cwd()) / folder
    try:
        with os.scandir(folder) as entries:
            names: list[tuple[str, bool]] = []
            for count, entry in enumerate(entries):
                if count >= MAX_ENTRIES:
                    return None
                if entry.name.startswith(stem) and (stem.startswith(".")
                                                    or not entry.name.startswith(".")):
                    names.append((entry.name, _is_dir(entry)))
    except OSError:
        return None
    if not names:
        return None
    if len(names) == 1:
        name, is_dir = names[0]
        completed = folder_shown + name + (os.sep if is_dir else "")
    else:
        completed = folder_shown + commonprefix([name for name, _ in names])
    return completed if completed != typed else None


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
