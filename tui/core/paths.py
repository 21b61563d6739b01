"""Where tunedeck keeps its files: TUNEDECK_HOME, or the platform's user data dir."""

from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    override = os.environ.get("TUNEDECK_HOME")
    if override:
        return Path(override).expanduser()
    # Imported here: platformdirs is only needed when no override is set.
    import platformdirs

    return Path(platformdirs.user_data_dir("tunedeck", appauthor=False))


def config_path() -> Path:
    override = os.environ.get("TUNEDECK_CONFIG")
    if override:
        return Path(override).expanduser()
    return home_dir() / "config.toml"


def default_db_path() -> Path:
    return home_dir() / "tunedeck.db"


def log_path() -> Path:
    return home_dir() / "tunedeck.log"


def safe_file_name(name: str, fallback: str = "export") -> str:
    """A name (a dataset's, an eval's: other people's text) as one file name: letters,
    digits, `.`, `_`, `-` and `@` kept, anything else (a `/` included) made `-`."""
    cleaned = "".join(c if c.isalnum() or c in "._-@" else "-" for c in name).strip(".-")
    return cleaned or fallback


def export_path(name: str, suffix: str) -> Path:
    """Where a pane offers to write an export: the folder tunedeck was started in, where
    `tunedeck export -o FILE` and `tunedeck eval export RUN FILE` put a relative FILE,
    under a name that says what it holds (`capitals-run-3.csv`)."""
    return Path.cwd() / f"{safe_file_name(name)}{suffix}"
