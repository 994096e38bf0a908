"""Opening the database file the same way everywhere, writing to it one
transaction at a time, and saying what went wrong.

Both sides use `connect`: the fast standard-library reader (reader.py) and
the sqlite-utils writer (store.py). It refuses a `debrief.db` that is a
symbolic link (debrief never creates, migrates or chmods through a link),
applies the one busy timeout, keeps the `-wal` and `-shm` files private,
and leaves transactions to the code (`isolation_level=None`).

`writing` is the one way to change the database: `BEGIN IMMEDIATE` takes the
write lock before anything is read, so two debriefs answering at the same
instant queue for it (the busy timeout) instead of failing on a stale read;
a lock that is still held is asked for again, a bounded number of times,
and the person is told that it waits. Everything in the block commits
together or not at all. `storage_error` turns any SQLite error into one
sentence with the fix.
"""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from assistant.errors import StorageError
from assistant.settings import DB_NAME

BUSY_TIMEOUT_S = 5.0  # one busy timeout for readers and writers
WRITE_ATTEMPTS = 2  # a writer waits out the busy timeout this many times before giving up
SCHEMA_VERSION = 4  # the `user_version` the newest migration sets (schema.py; a test keeps them in step)


def database_path(home: Path) -> Path:
    return home / DB_NAME


def refuse_link(path: Path) -> None:
    """A `debrief.db` that is a symbolic link (or not a regular file) is refused."""
    try:
        info = os.lstat(path)
    except OSError:
        return
    if stat.S_ISLNK(info.st_mode):
        raise StorageError(
            f"{path} is a symbolic link; debrief keeps its database as a regular file, so move the real file "
            "there (or set DEBRIEF_HOME to the folder that holds it)."
        )
    if not stat.S_ISREG(info.st_mode):
        raise StorageError(f"{path} is not a regular file; move it aside so debrief can create its database there.")


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the busy timeout set; files SQLite creates beside the
    database (the write-ahead log, the shared memory) are private (0600)."""
    refuse_link(path)
    old_umask = os.umask(0o077)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return conn
    except sqlite3.DatabaseError as e:
        raise storage_error(e, path) from None
    finally:
        os.umask(old_umask)


def is_busy(error: BaseException) -> bool:
    message = str(error).lower()
    return isinstance(error, sqlite3.OperationalError) and ("locked" in message or "busy" in message)


def begin_immediate(conn: sqlite3.Connection, path: Path | None, on_wait: Callable[[str], None] | None = None) -> None:
    """Take the write lock. SQLite waits out the busy timeout first; a lock
    still held is asked for again (WRITE_ATTEMPTS in all), and a busy answer
    that came at once (not after waiting) is retried until the same deadline."""
    (timeout_ms,) = conn.execute("PRAGMA busy_timeout").fetchone()
    timeout = max(timeout_ms / 1000, 0.05)
    deadline = time.monotonic() + WRITE_ATTEMPTS * timeout
    waited = 0
    while True:
        began = time.monotonic()
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as e:
            if not is_busy(e):
                raise
            now = time.monotonic()
            if now - began >= timeout * 0.9:
                waited += 1
            if waited >= WRITE_ATTEMPTS or now >= deadline:
                raise
            if waited == 1 and now - began >= timeout * 0.9 and on_wait is not None:
                on_wait(f"Another program is writing to {path}; waiting for it a little longer.")
            time.sleep(random.uniform(0.005, 0.05))


@contextmanager
def writing(
    conn: sqlite3.Connection, path: Path | None, on_wait: Callable[[str], None] | None = None
) -> Iterator[sqlite3.Connection]:
    """One write transaction: all of the block or none of it."""
    try:
        begin_immediate(conn, path, on_wait)
    except sqlite3.DatabaseError as e:
        raise storage_error(e, path) from None
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as error:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.DatabaseError:
                pass
        if isinstance(error, sqlite3.DatabaseError):
            raise storage_error(error, path) from None
        raise


def storage_error(error: sqlite3.DatabaseError, path: Path | None) -> StorageError:
    message = str(error).lower()
    if "locked" in message or "busy" in message:
        return StorageError(f"The database {path} is busy in another program; close it (or wait) and try again.")
    if "readonly" in message or "read-only" in message or "unable to open" in message:
        return StorageError(f"Cannot write to {path}; check its permissions or set DEBRIEF_HOME to a writable folder.")
    if "disk is full" in message or "full" in message:
        return StorageError(f"The disk holding {path} is full; free some space and try again.")
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return StorageError(f"{path} is damaged; run `debrief doctor`, and restore a copy made with `debrief backup`.")
    return StorageError(f"The database {path} failed ({error}); run `debrief doctor`.")
