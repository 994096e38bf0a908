"""Copying the live database to a file while it may be in use.

The copy is made in a private temporary file beside FILE and moved over it
only when it is complete (files.replacing): a backup that fails or is killed
half-way leaves the previous backup whole. The live database, its `-wal` and
`-shm`, links and anything that is not a regular file are refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from assistant.errors import DebriefError, StorageError
from assistant.files import check_target, replacing
from assistant.storage.connection import storage_error


def live_files(conn: sqlite3.Connection) -> list[Path]:
    """The database file behind `conn`, and the files SQLite keeps beside it."""
    files = []
    for _seq, name, filename in conn.execute("PRAGMA database_list"):
        if name == "main" and filename:
            files += [Path(filename + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    return files


def backup_to(conn: sqlite3.Connection, dest: Path, *, force: bool = False, protected: Iterable[Path] = ()) -> None:
    dest = Path(dest)
    protected = list(protected) + live_files(conn)
    if check_target(dest, protected=protected) and not force:
        raise StorageError(f"{dest} already exists; choose another file or add --force to replace it.")
    try:
        with replacing(dest, protected=protected) as temp:
            target = sqlite3.connect(str(temp))
            try:
                conn.backup(target)
                target.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
            finally:
                target.close()
    except sqlite3.DatabaseError as e:
        raise storage_error(e, dest) from None
    except OSError as e:
        raise DebriefError(f"Cannot write {dest} ({e.strerror}); pick a folder you can write to.") from None
