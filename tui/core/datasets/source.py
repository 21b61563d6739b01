"""A dataset's bytes come from a regular file, checked before anything reads it.

`tunedeck validate /dev/zero` never ended (a line that never ends, in a file
that never ends), a FIFO made the check itself block until some writer came,
and an import hashed /dev/urandom for ever. Only a regular file has an end
known in advance: anything else (a device, a FIFO, a socket) is refused up
front with "not a regular file", and readers stop at the size the file had
when it was opened, so one that keeps growing is still read to an end.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows: no FIFOs to block on, no O_NONBLOCK to clear
    fcntl = None  # type: ignore[assignment]

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)

_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISDIR, "a directory"))


class NotRegularFile(OSError):
    """The path is a device, FIFO, socket or directory; the message says which."""


def kind_of(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def open_regular(path: str | os.PathLike[str], buffering: int = -1) -> BinaryIO:
    """`path` opened for reading, or NotRegularFile. Never blocks on a FIFO.

    The check is made on the opened descriptor, so what is checked is what is read.
    """
    fd = os.open(path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(
        os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(f"not a regular file but {kind_of(mode)}; tunedeck reads JSONL "
                                 "files, not devices, pipes or sockets")
        if fcntl is not None and _NONBLOCK:
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~_NONBLOCK)
        return os.fdopen(fd, "rb", buffering=buffering)
    except BaseException:
        os.close(fd)
        raise


def size_at_open(handle: BinaryIO) -> int:
    """The file's size now: readers read no further than this."""
    return os.fstat(handle.fileno()).st_size


def readable_problem(path: Path) -> str | None:
    """Why `path` cannot be validated or imported ("no such file", …), or None."""
    if not path.exists():
        return "no such file"
    if path.is_dir():
        return "is a directory, not a JSONL file"
    try:
        with open_regular(path) as handle:
            handle.read(1)
    except NotRegularFile as exc:
        return str(exc)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    return None
