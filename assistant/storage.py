"""The debrief log in SQLite, through sqlite-utils.

`Store` opens (creating with mode 0600 in a 0700 folder) and migrates the
database, turns WAL on, and writes each answer the moment it is accepted.
Tables: `sessions` (one row per debrief), `turns` (one row per stage
answered), `audio` (each answer's WAV, kept apart so listing stays light),
and `turns_fts` (full-text search over answers, Porter stemming).
"""

from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils

from .errors import NotFoundError, StorageError
from .settings import DB_NAME, data_dir, ensure_data_dir

migrations = sqlite_utils.Migrations("debrief")
BUSY_TIMEOUT_S = 5.0


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db["sessions"].create(
        {
            "id": int, "started_at": str, "updated_at": str, "status": str,
            "company": str, "role": str, "demo": int, "engine": str,
            "downhill": str, "average_rating": float, "improve": str,
            "nailed": str, "summary": str,
        },
        pk="id",
        not_null={"started_at", "status"},
        defaults={"demo": 0, "status": "interrupted"},
    )
    db["sessions"].create_index(["started_at"])
    db["sessions"].create_index(["company", "started_at"])
    db["turns"].create(
        {
            "id": int, "session_id": int, "position": int, "stage": str,
            "question": str, "answer": str, "rating": float, "causes": str,
            "improve": str, "nailed": str, "confidence": float, "answered_at": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"session_id", "stage", "answered_at"},
    )
    db["turns"].create_index(["session_id", "stage"], unique=True)
    db["audio"].create(
        {"turn_id": int, "session_id": int, "wav": bytes},
        pk="turn_id",
        foreign_keys=[("turn_id", "turns", "id"), ("session_id", "sessions", "id")],
    )
    db["audio"].create_index(["session_id"])
    db["turns"].enable_fts(["answer"], tokenize="porter", create_triggers=True)


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite opens it."""
    if path.exists():
        return
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


class Store:
    def __init__(self, db: sqlite_utils.Database, path: Path | None):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, home: Path | None = None, *, create: bool = True) -> "Store":
        home = ensure_data_dir(home or data_dir()) if create else (home or data_dir())
        path = home / DB_NAME
        if not create and not path.exists():
            raise NotFoundError(f"No debriefs yet at {home}; run `debrief start` first.")
        old_umask = os.umask(0o077)  # the -wal and -shm files get 0600 too
        try:
            _create_private(path)
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
            db = sqlite_utils.Database(conn)
            store = cls(db, path)
            store._setup()
        except sqlite3.DatabaseError as e:
            raise storage_error(e, path) from None
        finally:
            os.umask(old_umask)
        return store

    @classmethod
    def memory(cls) -> "Store":
        store = cls(sqlite_utils.Database(memory=True), None)
        store._setup()
        return store

    def _setup(self) -> None:
        self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        self.db.execute("PRAGMA foreign_keys = ON")
        if self.path is not None:
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = FULL")
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    # -- writing, one answer at a time --------------------------------------
    def start_session(self, *, company: str | None = None, role: str | None = None,
                      demo: bool = False, engine: str | None = None) -> int:
        stamp = now()
        with self._writing():
            return self.db["sessions"].insert(
                {"started_at": stamp, "updated_at": stamp, "status": "interrupted",
                 "company": company, "role": role, "demo": int(demo), "engine": engine}
            ).last_pk

    def save_answer(self, session_id: int, position: int, stage: str, question: str,
                    answer: str | None, rating: float | None, causes: tuple[str, ...] | list[str],
                    improve: str | None, nailed: str | None, *, audio: bytes | None = None,
                    confidence: float | None = None) -> None:
        row = {
            "session_id": session_id, "position": position, "stage": stage,
            "question": question, "answer": answer, "rating": rating,
            "causes": json.dumps(list(causes)), "improve": improve, "nailed": nailed,
            "confidence": confidence, "answered_at": now(),
        }
        with self._writing():
            existing = self._turn_id(session_id, stage)
            if existing is None:
                turn_id = self.db["turns"].insert(row).last_pk
            else:
                turn_id = existing
                self.db["turns"].update(turn_id, row)
                self.db["audio"].delete_where("turn_id = ?", [turn_id])
            if audio:
                self.db["audio"].insert({"turn_id": turn_id, "session_id": session_id, "wav": audio})
            self.db["sessions"].update(session_id, {"updated_at": row["answered_at"]})

    def finish(self, session_id: int, *, status: str, downhill: str | None,
               improve: str | None, nailed: str | None, summary: str | None) -> None:
        ratings = [r for (r,) in self.db.execute(
            "select rating from turns where session_id = ? and rating is not null", [session_id])]
        average = round(sum(ratings) / len(ratings), 2) if ratings else None
        with self._writing():
            self.db["sessions"].update(session_id, {
                "status": status, "downhill": downhill, "improve": improve,
                "nailed": nailed, "summary": summary, "average_rating": average,
                "updated_at": now(),
            })

    def _turn_id(self, session_id: int, stage: str) -> int | None:
        row = self.db.execute(
            "select id from turns where session_id = ? and stage = ?", [session_id, stage]
        ).fetchone()
        return row[0] if row else None

    class _Writing:
        def __init__(self, store: "Store"):
            self.store = store

        def __enter__(self):
            self.tx = self.store.db.conn.__enter__()

        def __exit__(self, kind, error, tb):
            self.store.db.conn.__exit__(kind, error, tb)
            if isinstance(error, sqlite3.DatabaseError):
                raise storage_error(error, self.store.path) from None
            return False

    def _writing(self) -> "Store._Writing":
        return Store._Writing(self)

    # -- reading -------------------------------------------------------------
    def session(self, session_id: int | None = None, *, status: str | None = None) -> dict[str, Any]:
        if session_id is None:
            where, args = ("where status = ?", [status]) if status else ("", [])
            row = self.db.execute(
                f"select id from sessions {where} order by started_at desc, id desc limit 1", args
            ).fetchone()
            if row is None:
                kind = f"{status} " if status else ""
                raise NotFoundError(f"There is no {kind}debrief yet; run `debrief start` to record one.")
            session_id = row[0]
        rows = list(self.db.query("select * from sessions where id = ?", [session_id]))
        if not rows:
            raise NotFoundError(f"There is no debrief with id {session_id}; see `debrief list` for ids.")
        return rows[0]

    def turns(self, session_id: int) -> list[dict[str, Any]]:
        rows = list(self.db.query(
            "select * from turns where session_id = ? order by position", [session_id]))
        for row in rows:
            row["causes"] = json.loads(row["causes"] or "[]")
        return rows

    def list_sessions(self, *, limit: int | None = None, company: str | None = None,
                      since: str | None = None, include_demo: bool = True) -> Iterator[dict[str, Any]]:
        where, args = [], []
        if company:
            where.append("company like ?")
            args.append(f"%{company}%")
        if since:
            where.append("started_at >= ?")
            args.append(since)
        if not include_demo:
            where.append("demo = 0")
        sql = "select * from sessions"
        if where:
            sql += " where " + " and ".join(where)
        sql += " order by started_at desc, id desc"
        if limit:
            sql += f" limit {int(limit)}"
        yield from self.db.query(sql, args)

    def search(self, text: str, *, limit: int = 100) -> list[dict[str, Any]]:
        query = fts_query(text)
        sql = """
            select turns.session_id, turns.stage, turns.answer, sessions.started_at
            from turns_fts
            join turns on turns.rowid = turns_fts.rowid
            join sessions on sessions.id = turns.session_id
            where turns_fts match :q
            order by sessions.started_at desc, turns.position
            limit :limit
        """
        return list(self.db.query(sql, {"q": query, "limit": limit}))


def fts_query(text: str) -> str:
    """A safe FTS5 query from anything a person may type: every word required."""
    import re

    words = re.findall(r"\w+", text or "")
    if not words:
        raise SearchError("Give at least one word to search for, e.g. `debrief search rambled`.")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


class SearchError(StorageError):
    pass


def storage_error(error: sqlite3.DatabaseError, path: Path | None) -> StorageError:
    message = str(error).lower()
    if "locked" in message or "busy" in message:
        return StorageError(
            f"The database {path} is busy in another program; close it (or wait) and try again."
        )
    if "readonly" in message or "read-only" in message or "unable to open" in message:
        return StorageError(
            f"Cannot write to {path}; check its permissions or set DEBRIEF_HOME to a writable folder."
        )
    if "disk is full" in message or "full" in message:
        return StorageError(f"The disk holding {path} is full; free some space and try again.")
    if "not a database" in message or "malformed" in message or "corrupt" in message:
        return StorageError(
            f"{path} is damaged; run `debrief doctor`, and restore a copy made with `debrief backup`."
        )
    return StorageError(f"The database {path} failed ({error}); run `debrief doctor`.")
