"""Files that hold a user's data are created private: 0600 files, 0700 folders.

Exports, the sandbox's state, a local job's copy of the training data: on a
shared machine a umask of 022 made them readable by every other account. Each
is created with its final mode in the `open` call itself (never widened, then
narrowed), whatever the umask.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_opener(path: str, flags: int) -> int:
    """`open(..., opener=private_opener)`: a file it creates is 0600 from the start."""
    return os.open(path, flags, FILE_MODE)


def private_dir(path: str | Path) -> Path:
    """`path` as a folder only its owner can enter (created, or narrowed when it exists)."""
    folder = Path(path).expanduser()
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(folder, DIR_MODE)
    return folder


def create_private(path: str | Path) -> Path:
    """An existing file narrowed to 0600, or a new empty one (before SQLite opens it:
    SQLite gives its -wal and -shm files the main file's mode)."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_CREAT | os.O_RDWR, FILE_MODE))
    os.chmod(target, FILE_MODE)
    return target


@contextmanager
def atomic_output(path: str | Path, *, overwrite: bool = True,
                  binary: bool = False) -> Iterator[IO[Any]]:
    """A handle on a 0600 temp file beside `path`, moved onto `path` once fully written.

    An export lands whole under its name or not at all, and private (a file it
    replaces is replaced, mode included). With overwrite=False an existing
    `path` raises FileExistsError and is left untouched.
    """
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and target.exists():
        raise FileExistsError(f"{target} exists: pick another name")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp's mode already, whatever a platform does
        mode = "wb" if binary else "w"
        kwargs: dict[str, Any] = {} if binary else {"encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            _place_new(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _place_new(tmp: str, target: Path) -> None:
    """Move `tmp` to `target` only if no file took that name meanwhile."""
    try:
        os.link(tmp, target)  # atomic: fails when the name exists
    except FileExistsError:
        raise FileExistsError(f"{target} exists: pick another name") from None
    except OSError:  # a file system without hard links: the check above must do
        if target.exists():
            raise FileExistsError(f"{target} exists: pick another name") from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


def write_private(path: str | Path, data: bytes | str) -> None:
    """Write `data` to `path` atomically as a 0600 file."""
    with atomic_output(path, binary=isinstance(data, bytes)) as handle:
        handle.write(data)
