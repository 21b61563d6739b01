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
