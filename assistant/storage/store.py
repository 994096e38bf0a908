"""The debrief log in SQLite, through sqlite-utils.

`Store` opens (creating with mode 0600 in a 0700 folder) and migrates the
database, turns WAL on, and writes each answer the moment it is accepted.
Tables: `sessions` (one row per debrief), `turns` (one row per stage
answered), `audio` (each answer's WAV, kept apart so listing stays light),
and `turns_fts` (full-text search over answers, Porter stemming); since m002
also `edits` (every correction made with `debrief edit`) and `nudges` (which
coach suggestions and progress notes were already spoken), and
`sessions.crumpled_at`. The read queries live in reader.py (plain sqlite3, for
fast review commands); `Store` uses them on its own connection.

Every logical change is one write transaction (`transaction()`, through
connection.writing: `BEGIN IMMEDIATE`, the busy timeout, a bounded retry):
an answer with its audio, a correction with its summary and edit record, a
whole import file. Transactions nest: the outer one commits.

Privacy: `secure_delete` is on for every connection, so freed rows are zeroed
in the file; `crumple` and `delete` also merge the full-text index (dropping
the deleted words from its old segments) and truncate the WAL, so the text
they remove survives nowhere under the data dir.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import time
import wave
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from assistant.console import note, rating_text
from assistant.errors import NotFoundError, StorageError
from assistant.settings import DB_NAME, data_dir, ensure_data_dir
from assistant.storage import reader
from assistant.storage.connection import BUSY_TIMEOUT_S, SCHEMA_VERSION, connect, refuse_link, storage_error, writing
from assistant.storage.schema import migrations

TURN_COLUMNS = (
    "position", "stage", "question", "answer", "rating", "causes",
    "improve", "nailed", "confidence", "answered_at", "words", "followup", "positive", "rating_sure",
)  # fmt: skip
SESSION_COLUMNS = (
    "started_at", "updated_at", "status", "company", "role", "demo", "engine",
    "downhill", "average_rating", "improve", "nailed", "summary", "crumpled_at", "quotes",
)  # fmt: skip


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _create_private(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite opens it; never
    through a symbolic link (one that dangles included)."""
    refuse_link(path)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        refuse_link(path)  # it appeared meanwhile: the same checks
        return
    except OSError as e:
        raise StorageError(
            f"Cannot create {path} ({e.strerror}); check the folder's permissions or set DEBRIEF_HOME."
        ) from None
    os.close(fd)


class Store:
    def __init__(self, db: sqlite_utils.Database, path: Path | None):
        self.db = db
        self.path = path

    @classmethod
    def open(cls, home: Path | None = None, *, create: bool = True) -> Store:
        home = ensure_data_dir(home or data_dir()) if create else (home or data_dir())
        path = home / DB_NAME
        if not create and not path.exists():
            raise NotFoundError(f"No debriefs yet at {home}; run `debrief start` first.")
        _create_private(path)
        conn = connect(path)
        old_umask = os.umask(0o077)  # WAL turned on below creates the -wal and -shm files
        try:
            store = cls(sqlite_utils.Database(conn), path)
            store._setup()
        except sqlite3.DatabaseError as e:
            conn.close()
            raise storage_error(e, path) from None
        except BaseException:
            conn.close()
            raise
        finally:
            os.umask(old_umask)
        return store

    @classmethod
    def memory(cls) -> Store:
        store = cls(sqlite_utils.Database(memory=True), None)
        store.db.conn.isolation_level = None  # transactions are explicit, as on disk
        store._setup()
        return store

    def _setup(self) -> None:
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA secure_delete = ON")  # freed rows are zeroed, not left behind
        reader.prepare(self.db.conn)
        if self.path is not None:
            self._wal()
            self.db.execute("PRAGMA synchronous = FULL")
        if self.db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            with self.transaction():  # the version is read again under the write lock
                if self.db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                    migrations.apply(self.db)
        # Writable? Opening the database for writing is the check: taking the write
        # lock fails on a read-only file or folder, before the first question.
        with self.transaction():
            pass

    def _wal(self) -> None:
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self.db.enable_wal()  # needs a moment alone with a new database
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def close(self) -> None:
        self.db.close()

    # -- transactions ----------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One logical change: all of it or none of it. Inside another
        transaction it simply joins it."""
        conn = self.db.conn
        if conn.in_transaction:
            yield conn
            return
        with writing(conn, self.path, on_wait=note):
            yield conn

    def _execute(self, sql: str, args: Iterable[Any] | dict = ()) -> sqlite3.Cursor:
        return self.db.conn.execute(sql, args)  # type: ignore[arg-type]

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        names = list(row)
        cursor = self._execute(
            f"insert into {table} ({', '.join(names)}) values ({', '.join('?' * len(names))})",
            [row[n] for n in names],
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _update(self, table: str, row_id: int, row: dict[str, Any]) -> None:
        names = list(row)
        self._execute(
            f"update {table} set {', '.join(f'{n} = ?' for n in names)} where id = ?",
            [row[n] for n in names] + [row_id],
        )

    # -- writing, one answer at a time --------------------------------------
    def start_session(
        self, *, company: str | None = None, role: str | None = None, demo: bool = False, engine: str | None = None
    ) -> int:
        stamp = now()
        row = {
            "started_at": stamp,
            "updated_at": stamp,
            "status": "interrupted",
            "company": company,
            "role": role,
            "demo": int(demo),
            "engine": engine,
        }
        with self.transaction():
            return self._insert("sessions", row)

    def save_answer(
        self,
        session_id: int,
        position: int,
        stage: str,
        question: str,
        answer: str | None,
        rating: float | None,
        causes: tuple[str, ...] | list[str],
        improve: str | None,
        nailed: str | None,
        *,
        audio: bytes | None = None,
        confidence: float | None = None,
        words: list[tuple[str, float]] | tuple[tuple[str, float], ...] = (),
        followup: str | None = None,
        positive: tuple[str, ...] | list[str] = (),
        rating_sure: bool = True,
        keep_heard: bool = False,
    ) -> None:
        """Write one stage's answer (replacing an earlier one for that stage).
        `keep_heard` is for a follow-up that adds to the answer: the audio
        and the confidence stay as they were, and its own audio (the rest of
        an answer ended too soon) is kept after them. `rating_sure`: False
        for a rating heard in doubt and not checked."""
        row = {
            "session_id": session_id,
            "position": position,
            "stage": stage,
            "question": question,
            "answer": answer,
            "rating": rating,
            "causes": json.dumps(list(causes)),
            "improve": improve,
            "nailed": nailed,
            "confidence": confidence,
            "words": json.dumps([[w, c] for w, c in words]) if words else None,
            "followup": followup,
            "positive": json.dumps(list(positive)) if positive else None,
            "rating_sure": None if rating is None else int(rating_sure),
            "answered_at": now(),
        }
        with self.transaction():
            turn_id = self._turn_id(session_id, stage)
            if turn_id is None:
                turn_id = self._insert("turns", row)
            elif keep_heard:
                kept = {k: v for k, v in row.items() if k != "confidence" and (k != "words" or words)}
                self._update("turns", turn_id, kept)
            else:
                self._update("turns", turn_id, row)
                self._execute("delete from audio where turn_id = ?", [turn_id])
            if audio and keep_heard:
                old = self._execute("select wav from audio where turn_id = ?", [turn_id]).fetchone()
                if old and old[0]:
                    self._execute("update audio set wav = ? where turn_id = ?", [_joined_wav(old[0], audio), turn_id])
                    audio = None
            if audio:
                self._insert("audio", {"turn_id": turn_id, "session_id": session_id, "wav": audio})
            self._execute("update sessions set updated_at = ? where id = ?", [row["answered_at"], session_id])

    def finish(
        self,
        session_id: int,
        *,
        status: str,
        downhill: str | None,
        improve: str | None,
        nailed: str | None,
        summary: str | None,
        quotes: list[dict[str, str]] | None = None,
    ) -> None:
        with self.transaction():
            self._update(
                "sessions",
                session_id,
                {
                    "status": status,
                    "downhill": downhill,
                    "improve": improve,
                    "nailed": nailed,
                    "summary": summary,
                    "quotes": json.dumps(quotes) if quotes else None,
                    "average_rating": self._average(session_id),
                    "updated_at": now(),
                },
            )

    def _average(self, session_id: int) -> float | None:
        ratings = [
            value
            for (r,) in self._execute("select rating from turns where session_id = ?", [session_id])
            if (value := reader.rating(r)) is not None
        ]
        return round(sum(ratings) / len(ratings), 2) if ratings else None

    def _turn_id(self, session_id: int, stage: str) -> int | None:
        row = self._execute("select id from turns where session_id = ? and stage = ?", [session_id, stage]).fetchone()
        return row[0] if row else None

    # -- reading (the queries are in reader.py) -----------------------------
    def session(self, session_id: int | None = None, *, status: str | None = None) -> dict[str, Any]:
        return reader.session(self.db.conn, session_id, status=status)

    def turns(self, session_id: int) -> list[dict[str, Any]]:
        return reader.turns(self.db.conn, session_id)

    def list_sessions(
        self,
        *,
        limit: int | None = None,
        company: str | None = None,
        since: str | None = None,
        include_demo: bool = True,
    ) -> Iterator[dict[str, Any]]:
        yield from reader.list_sessions(
            self.db.conn, limit=limit, company=company, since=since, include_demo=include_demo
        )

    def search(self, text: str, *, limit: int = 100) -> list[dict[str, Any]]:
        return reader.search(self.db.conn, text, limit=limit)

    def recent_sessions(self, n: int, *, before: str | None = None, exclude: int | None = None) -> list[dict[str, Any]]:
        return reader.recent_sessions(self.db.conn, n, before=before, exclude=exclude)

    def ratings_and_causes(self, session_ids) -> dict[int, dict[str, Any]]:
        return reader.ratings_and_causes(self.db.conn, session_ids)

    # -- corrections -----------------------------------------------------------
    def apply_edit(
        self,
        session_id: int,
        stage: str,
        turn: dict[str, Any],
        changes: list[tuple[str, Any, Any]],
        outcome: dict[str, Any],
    ) -> None:
        """One correction in one transaction: the turn (created if the stage was
        never reached), one `edits` row per changed field, and the session's
        recomputed turning point, lessons, summary and average."""
        stamp = now()
        row = dict(turn, session_id=session_id, stage=stage, answered_at=turn.get("answered_at") or stamp)
        row["causes"] = json.dumps(list(row.get("causes") or []))
        with self.transaction():
            turn_id = self._turn_id(session_id, stage)
            if turn_id is None:
                self._insert("turns", row)
            else:
                self._update("turns", turn_id, row)
            for field, old, new in changes:
                self._insert(
                    "edits",
                    {
                        "session_id": session_id,
                        "stage": stage,
                        "field": field,
                        "old_value": _text(old),
                        "new_value": _text(new),
                        "edited_at": stamp,
                    },
                )
            average = self._average(session_id)
            self._update("sessions", session_id, dict(outcome, average_rating=average, updated_at=stamp))

    def edits(self, session_id: int) -> list[dict[str, Any]]:
        return reader.rows(self.db.conn, "select * from edits where session_id = ? order by id", [session_id])

    # -- the coach nudge ---------------------------------------------------------
    def open_nudges(self) -> set[str]:
        """Patterns spoken about and not gone away since."""
        return {p for (p,) in self._execute("select pattern from nudges where resolved_at is null")}

    def record_nudges(self, session_id: int, given: list[str], resolved: list[str]) -> None:
        stamp = now()
        with self.transaction():
            for pattern in resolved:
                self._execute(
                    "update nudges set resolved_at = ? where pattern = ? and resolved_at is null", [stamp, pattern]
                )
            for p in given:
                self._insert("nudges", {"pattern": p, "session_id": session_id, "nudged_at": stamp})

    # -- letting go ----------------------------------------------------------------
    def crumple(self, session_id: int) -> None:
        """Let go of a debrief's words: every answer's text and audio, and the old
        and new answers of its corrections. The ratings, causes, the improvement,
        the win, the turning point and the summary stay."""
        with self.transaction():
            self.session(session_id)
            self._execute("update turns set answer = null where session_id = ?", [session_id])
            self._execute("delete from audio where session_id = ?", [session_id])
            self._execute(
                "update edits set old_value = null, new_value = null where session_id = ? and field = 'answer'",
                [session_id],
            )
            stamp = now()
            self._execute(
                "update sessions set crumpled_at = coalesce(crumpled_at, ?), updated_at = ? where id = ?",
                [stamp, stamp, session_id],
            )
        self._scrub()

    def delete(self, session_id: int) -> None:
        """Remove a debrief entirely: its turns, audio, corrections, nudges and row."""
        with self.transaction():
            self.session(session_id)
            for table in ("audio", "edits", "nudges", "turns"):
                self._execute(f"delete from {table} where session_id = ?", [session_id])
            self._execute("delete from sessions where id = ?", [session_id])
        self._scrub()

    def _scrub(self) -> None:
        """Make removed text unrecoverable from the files: merge the full-text
        index into one segment (old segments still hold deleted words), with
        secure_delete zeroing every freed page, then copy the WAL into the
        database and truncate it to nothing. Another program reading the
        database holds the WAL back: that is waited for (and said) for at most
        twice the busy timeout."""
        with self.transaction():
            self._execute("insert into turns_fts(turns_fts) values('optimize')")
        if self.path is None:
            return
        conn = self.db.conn
        (timeout_ms,) = conn.execute("PRAGMA busy_timeout").fetchone()
        deadline = time.monotonic() + 2 * BUSY_TIMEOUT_S
        told = False
        try:
            conn.execute("PRAGMA busy_timeout = 500")
            while True:
                busy, _log, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return
                if time.monotonic() > deadline:
                    break
                if not told:
                    note(f"Another program has {self.path} open; waiting for it so the removed words can be wiped.")
                    told = True
                time.sleep(0.1)
        except sqlite3.DatabaseError as e:
            raise storage_error(e, self.path) from None
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        raise StorageError(
            f"Another program has {self.path} open, so the removed words may still be in its "
            "write-ahead log; close it and run the same command again."
        )

    # -- import ------------------------------------------------------------------
    def import_debriefs(
        self, docs: Iterable[dict[str, Any]], *, progress: Callable[[], None] | None = None
    ) -> tuple[list[int], int]:
        """Whole debriefs (as reader.document makes them, already checked), in
        one transaction: all of them or none. Returns (new ids, how many were
        already here). A debrief is already here when one with the same start
        time has the same content (whatever its id); a debrief whose id is taken
        by another gets a new id."""
        imported, skipped = [], 0
        with self.transaction():
            for doc in docs:
                new_id = self._import_one(doc)
                if new_id is None:
                    skipped += 1
                else:
                    imported.append(new_id)
                if progress is not None:
                    progress()
        return imported, skipped

    def _already_here(self, doc: dict[str, Any]) -> bool:
        same_start = [i for (i,) in self._execute("select id from sessions where started_at = ?", [doc["started_at"]])]
        return any(_same_content(reader.document(self.db.conn, i), doc) for i in same_start)

    def _import_one(self, doc: dict[str, Any]) -> int | None:
        if self._already_here(doc):
            return None
        session = {k: doc.get(k) for k in SESSION_COLUMNS}
        wanted = doc.get("id")
        if wanted is not None and self._execute("select 1 from sessions where id = ?", [wanted]).fetchone() is None:
            session["id"] = wanted
        session_id = self._insert("sessions", session)
        names = ("session_id",) + TURN_COLUMNS
        self.db.conn.executemany(
            f"insert into turns ({', '.join(names)}) values ({', '.join('?' * len(names))})",
            [[session_id] + [_turn_value(t, k) for k in TURN_COLUMNS] for t in doc.get("turns") or []],
        )
        self.db.conn.executemany(
            "insert into edits (session_id, stage, field, old_value, new_value, edited_at) values (?, ?, ?, ?, ?, ?)",
            [
                [session_id, e.get("stage"), e.get("field"), e.get("old_value"), e.get("new_value"), e.get("edited_at")]
                for e in doc.get("edits") or []
            ],
        )
        self.db.conn.executemany(
            "insert into nudges (session_id, pattern, nudged_at, resolved_at) values (?, ?, ?, ?)",
            [[session_id, n.get("pattern"), n.get("nudged_at"), n.get("resolved_at")] for n in doc.get("nudges") or []],
        )
        return session_id


def _turn_value(turn: dict[str, Any], key: str) -> Any:
    """A checked imported turn's value as it is stored: lists as JSON text
    (causes always; words and positive only when there are some)."""
    value = turn.get(key)
    if key == "causes":
        return json.dumps(value or [])
    if key in ("words", "positive"):
        return json.dumps(value) if value else None
    return value


def _same_content(stored: dict[str, Any], doc: dict[str, Any]) -> bool:
    """The same debrief, whatever its id: every field the document gives has
    the same value stored (lists compared item by item, on the item's fields)."""
    for key, value in doc.items():
        if key == "id":
            continue
        have = stored.get(key)
        if isinstance(value, list):
            if not isinstance(have, list) or len(have) != len(value):
                return False
            for a, b in zip(have, value, strict=True):
                if isinstance(b, dict):
                    if not isinstance(a, dict) or any(a.get(k) != v for k, v in b.items()):
                        return False
                elif a != b:
                    return False
        elif have != value:
            return False
    return True


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return rating_text(value)
    return json.dumps(value, ensure_ascii=False)


def _joined_wav(first: bytes, then: bytes) -> bytes:
    """One WAV with `then`'s frames after `first`'s (the rest of an answer
    ended too soon, after the answer). `first` as it is if either cannot be read."""
    try:
        with wave.open(io.BytesIO(first)) as a, wave.open(io.BytesIO(then)) as b:
            params = a.getparams()
            frames = a.readframes(a.getnframes()) + b.readframes(b.getnframes())
            if (b.getnchannels(), b.getsampwidth(), b.getframerate()) != (
                params.nchannels,
                params.sampwidth,
                params.framerate,
            ):
                return first
    except (wave.Error, EOFError):
        return first
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(params.nchannels)
        w.setsampwidth(params.sampwidth)
        w.setframerate(params.framerate)
        w.writeframes(frames)
    return out.getvalue()
