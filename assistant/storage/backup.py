"""Copying the live database to a file while it may be in use."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from assistant.errors import StorageError
from assistant.storage.connection import storage_error


def backup_to(conn: sqlite3.Connection, dest: Path, *, force: bool = False) -> None:
    dest = Path(dest)
    if dest.exists() and not force:
        raise StorageError(f"{dest} already exists; choose another file or add --force to replace it.")
    try:
        if dest.exists():
            dest.unlink()
        fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except OSError as e:
        raise StorageError(f"Cannot create {dest} ({e.strerror}); pick a folder you can write to.") from None
    target = sqlite3.connect(str(dest))
    try:
        conn.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
    except sqlite3.DatabaseError as e:
        target.close()
        dest.unlink(missing_ok=True)
        raise storage_error(e, dest) from None
    target.close()
