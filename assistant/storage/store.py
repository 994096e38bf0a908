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

Privacy: `secure_delete` is on for every connection, so freed rows are zeroed
in the file; `crumple` and `delete` also merge the full-text index (dropping
the deleted words from its old segments) and truncate the WAL, so the text
they remove survives nowhere under the data dir.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from assistant.console import rating_text
from assistant.errors import NotFoundError, StorageError
from assistant.settings import DB_NAME, data_dir, ensure_data_dir
from assistant.storage import reader
from assistant.storage.connection import connect, storage_error
from assistant.storage.schema import migrations


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
            raise storage_error(e, path) from None
        finally:
            os.umask(old_umask)
        return store

    @classmethod
    def memory(cls) -> Store:
        store = cls(sqlite_utils.Database(memory=True), None)
        store._setup()
        return store

    def _setup(self) -> None:
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA secure_delete = ON")  # freed rows are zeroed, not left behind
        reader.prepare(self.db.conn)
        if self.path is not None:
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = FULL")
        migrations.apply(self.db)

    def close(self) -> None:
        self.db.close()

    # -- writing, one answer at a time --------------------------------------
    def start_session(
        self, *, company: str | None = None, role: str | None = None, demo: bool = False, engine: str | None = None
    ) -> int:
        stamp = now()
        with self._writing():
            session_id = (
                self.db.table("sessions")
                .insert(
                    {
                        "started_at": stamp,
                        "updated_at": stamp,
                        "status": "interrupted",
                        "company": company,
                        "role": role,
                        "demo": int(demo),
                        "engine": engine,
                    }
                )
                .last_pk
            )
        assert session_id is not None  # the row was just inserted
        return int(session_id)

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
        keep_heard: bool = False,
    ) -> None:
        """Write one stage's answer (replacing an earlier one for that stage).
        `keep_heard` is for a follow-up that adds to the answer: the audio,
        the words heard and their confidence stay as they were."""
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
            "answered_at": now(),
        }
        with self._writing():
            existing = self._turn_id(session_id, stage)
            if existing is None:
                turn_id = self.db.table("turns").insert(row).last_pk
            elif keep_heard:
                turn_id = existing
                kept = {k: v for k, v in row.items() if k not in ("confidence", "words")}
                self.db.table("turns").update(turn_id, kept)
                audio = None
            else:
                turn_id = existing
                self.db.table("turns").update(turn_id, row)
                self.db.table("audio").delete_where("turn_id = ?", [turn_id])
            if audio:
                self.db.table("audio").insert({"turn_id": turn_id, "session_id": session_id, "wav": audio})
            self.db.table("sessions").update(session_id, {"updated_at": row["answered_at"]})

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
        ratings = [
            r
            for (r,) in self.db.execute(
                "select rating from turns where session_id = ? and rating is not null", [session_id]
            )
        ]
        average = round(sum(ratings) / len(ratings), 2) if ratings else None
        with self._writing():
            self.db.table("sessions").update(
                session_id,
                {
                    "status": status,
                    "downhill": downhill,
                    "improve": improve,
                    "nailed": nailed,
                    "summary": summary,
                    "quotes": json.dumps(quotes) if quotes else None,
                    "average_rating": average,
                    "updated_at": now(),
                },
            )

    def _turn_id(self, session_id: int, stage: str) -> int | None:
        row = self.db.execute("select id from turns where session_id = ? and stage = ?", [session_id, stage]).fetchone()
        return row[0] if row else None

    class _Writing:
        def __init__(self, store: Store):
            self.store = store

        def __enter__(self):
            self.tx = self.store.db.conn.__enter__()

        def __exit__(self, kind, error, tb):
            self.store.db.conn.__exit__(kind, error, tb)
            if isinstance(error, sqlite3.DatabaseError):
                raise storage_error(error, self.store.path) from None
            return False

    def _writing(self) -> Store._Writing:
        return Store._Writing(self)

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
        with self._writing():
            turn_id = self._turn_id(session_id, stage)
            if turn_id is None:
                self.db.table("turns").insert(row)
            else:
                self.db.table("turns").update(turn_id, row)
            self.db.table("edits").insert_all(
                [
                    {
                        "session_id": session_id,
                        "stage": stage,
                        "field": field,
                        "old_value": _text(old),
                        "new_value": _text(new),
                        "edited_at": stamp,
                    }
                    for field, old, new in changes
                ]
            )
            (average,) = self.db.execute(
                "select round(avg(rating), 2) from turns where session_id = ? and rating is not null", [session_id]
            ).fetchone()
            self.db.table("sessions").update(session_id, dict(outcome, average_rating=average, updated_at=stamp))

    def edits(self, session_id: int) -> list[dict[str, Any]]:
        return reader.rows(self.db.conn, "select * from edits where session_id = ? order by id", [session_id])

    # -- the coach nudge ---------------------------------------------------------
    def open_nudges(self) -> set[str]:
        """Patterns spoken about and not gone away since."""
        return {p for (p,) in self.db.execute("select pattern from nudges where resolved_at is null")}

    def record_nudges(self, session_id: int, given: list[str], resolved: list[str]) -> None:
        stamp = now()
        with self._writing():
            for pattern in resolved:
                self.db.execute(
                    "update nudges set resolved_at = ? where pattern = ? and resolved_at is null", [stamp, pattern]
                )
            self.db.table("nudges").insert_all(
                [{"pattern": p, "session_id": session_id, "nudged_at": stamp} for p in given]
            )

    # -- letting go ----------------------------------------------------------------
    def crumple(self, session_id: int) -> None:
        """Let go of a debrief's words: every answer's text and audio, and the old
        and new answers of its corrections. The ratings, causes, the improvement,
        the win, the turning point and the summary stay."""
        self.session(session_id)
        with self._writing():
            self.db.execute("update turns set answer = null where session_id = ?", [session_id])
            self.db.execute("delete from audio where session_id = ?", [session_id])
            self.db.execute(
                "update edits set old_value = null, new_value = null where session_id = ? and field = 'answer'",
                [session_id],
            )
            stamp = now()
            self.db.execute(
                "update sessions set crumpled_at = coalesce(crumpled_at, ?), updated_at = ? where id = ?",
                [stamp, stamp, session_id],
            )
        self._scrub()

    def delete(self, session_id: int) -> None:
        """Remove a debrief entirely: its turns, audio, corrections, nudges and row."""
        self.session(session_id)
        with self._writing():
            for table in ("audio", "edits", "nudges", "turns"):
                self.db.execute(f"delete from {table} where session_id = ?", [session_id])
            self.db.execute("delete from sessions where id = ?", [session_id])
        self._scrub()

    def _scrub(self) -> None:
        """Make removed text unrecoverable from the files: merge the full-text
        index into one segment (old segments still hold deleted words), with
        secure_delete zeroing every freed page, then copy the WAL into the
        database and truncate it to nothing."""
        try:
            with self.db.conn:
                self.db.execute("insert into turns_fts(turns_fts) values('optimize')")
            if self.path is None:
                return
            for _ in range(50):
                busy, _log, _done = self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if not busy:
                    return
                import time

                time.sleep(0.1)
        except sqlite3.DatabaseError as e:
            raise storage_error(e, self.path) from None
        raise StorageError(
            f"Another program has {self.path} open, so the removed words may still be in its "
            "write-ahead log; close it and run the same command again."
        )

    # -- import ------------------------------------------------------------------
    def import_debriefs(self, docs: list[dict[str, Any]]) -> tuple[list[int], int]:
        """Documents as export.documents makes them, in one transaction:
        (new ids, how many were already there). A debrief already there (same
        id and start time) is skipped; one whose id is taken gets a new id."""
        columns = {
            t: {c[1] for c in self.db.execute(f"PRAGMA table_info({t})")}
            for t in ("sessions", "turns", "edits", "nudges")
        }
        imported, skipped = [], 0
        with self._writing():
            for doc in docs:
                new_id = self._import_one(doc, columns)
                if new_id is None:
                    skipped += 1
                else:
                    imported.append(new_id)
        return imported, skipped

    def _import_one(self, doc: dict[str, Any], columns: dict[str, set[str]]) -> int | None:
        existing = self.db.execute("select started_at from sessions where id = ?", [doc["id"]]).fetchone()
        if existing and existing[0] == doc["started_at"]:
            return None
        session = {k: v for k, v in doc.items() if k in columns["sessions"]}
        if existing:
            session.pop("id")
        session_id = self.db.table("sessions").insert(session).last_pk
        for turn in doc["turns"]:
            row = {k: v for k, v in turn.items() if k in columns["turns"] and k != "id"}
            row.update(session_id=session_id, causes=json.dumps(list(turn.get("causes") or [])))
            self.db.table("turns").insert(row)
        for table in ("edits", "nudges"):
            rows = [
                dict({k: v for k, v in r.items() if k in columns[table] and k != "id"}, session_id=session_id)
                for r in doc.get(table) or []
            ]
            if rows:
                self.db.table(table).insert_all(rows)
        return session_id


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return rating_text(value)
    return json.dumps(value, ensure_ascii=False)
