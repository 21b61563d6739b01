"""Why a typed path cannot be opened as a file, in words, before a dialog closes.

Only metadata is read (no file contents), so a dialog can ask on every enter.
"""

from __future__ import annotations

from pathlib import Path


def file_problem(raw: str) -> str | None:
    """None when `raw` names a regular file; otherwise what is wrong with it."""
    try:
        path = Path(raw).expanduser()
    except RuntimeError:  # `~name/...` for a user this machine does not know
        return f"{raw}: that home folder is not known here; type the full path"
    try:
        if not path.exists():
            return f"{path} does not exist"
        if path.is_dir():
            return f"{path} is a folder: type the path of a file inside it"
        if not path.is_file():
            return f"{path} is not a regular file"
    except (OSError, ValueError) as exc:  # a name too long, a NUL byte
        return f"{path} cannot be read: {getattr(exc, 'strerror', None) or exc}"
    return None
