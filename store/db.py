"""Opening the database: file mode, WAL, busy timeout, migrations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store._sqlite import sqlite_utils
from store.codec import body_contains
from store.migrations import migrations

# Long enough for a second tunedeck (or a headless command) to finish its write.
BUSY_TIMEOUT_MS = 10_000


def _create_private(path: Path) -> None:
    """Create the file 0600 before SQLite does, so no umask can widen it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def connect(path: str | Path) -> sqlite_utils.Database:
    """A connection with the house settings, without running migrations.

    Every thread that touches the store opens its own connection with this.
    """
    path = Path(path)
    if not path.exists():
        _create_private(path)
    # isolation_level=None: statements outside `write()` commit at once, and
    # `write()` opens BEGIN IMMEDIATE so two processes never deadlock upgrading
    # a read lock to a write lock (busy_timeout cannot help in that case).
    conn = sqlite3.connect(
        str(path),
        timeout=BUSY_TIMEOUT_MS / 1000,
        check_same_thread=False,
        isolation_level=None,
    )
    # Searching compressed example lines (store/codec.py) needs this on every connection.
    conn.create_function("example_contains", 2, body_contains, deterministic=True)
    db = sqlite_utils.Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    # NORMAL is durable across application crashes in WAL mode (only an OS
    # crash can lose the last commits), and much faster for bulk imports.
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


@contextmanager
def write(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction that takes the write lock up front (nests as a savepoint)."""
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating if needed) the database and apply pending migrations."""
    db = connect(path)
    # The write lock first, then the check for pending migrations: two processes
    # opening a new file at once (a TUI and a headless command) both saw m001
    # pending, and the loser failed on "table already exists" or "database is
    # locked" (a read lock cannot be upgraded while another process writes).
    # Holding it, the second waits (busy timeout) and then finds nothing to do.
    with write(db):
        migrations.apply(db)
    # WAL side files inherit nothing from the main file's mode.
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.chmod(side, 0o600)
    return db
