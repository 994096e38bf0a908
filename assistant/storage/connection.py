"""Opening the database file the same way everywhere, and saying what went wrong.

Both sides use `connect`: the fast standard-library reader (reader.py) and
the sqlite-utils writer (store.py). It applies the one busy timeout and
keeps the `-wal` and `-shm` files private. `storage_error` turns any SQLite
error into one sentence with the fix.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from assistant.errors import StorageError
from assistant.settings import DB_NAME

BUSY_TIMEOUT_S = 5.0  # one busy timeout for readers and writers
SCHEMA_VERSION = 3  # the `user_version` the newest migration sets (schema.py; a test keeps them in step)


def database_path(home: Path) -> Path:
    return home / DB_NAME


def connect(path: Path) -> sqlite3.Connection:
    """A connection with the busy timeout set; files SQLite creates beside the
    database (the write-ahead log, the shared memory) are private (0600)."""
    old_umask = os.umask(0o077)
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return conn
    except sqlite3.DatabaseError as e:
        raise storage_error(e, path) from None
    finally:
        os.umask(old_umask)


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
