"""Reading the debrief log with plain `sqlite3`: the fast path for the review
commands (`list`, `show`, `search`, `trends`, `export`).

Importing sqlite-utils costs about a tenth of a second (it pulls in pluggy,
dateutil and numpy), more than the rest of a review command together, so the
read side lives here with nothing but the standard library. `Store` (in
storage.py) uses the same functions on its own connection, so there is one
copy of every query. A database whose schema is older than this code
(`PRAGMA user_version` below `SCHEMA_VERSION`) is migrated once through
`Store.open()` before it is read.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.errors import NotFoundError, StorageError
from assistant.settings import data_dir, make_private
from assistant.storage.connection import SCHEMA_VERSION, database_path, refuse_link, storage_error
from assistant.storage.connection import connect as connect_file


class SearchError(StorageError):
    pass


def fold(text: str | None) -> str | None:
    """Case-insensitive matching for any script, not only ASCII (SQLite's
    LIKE and lower() only fold A-Z)."""
    return text.casefold() if text is not None else None


def prepare(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Functions the queries below use; safe to call more than once."""
    conn.create_function("debrief_fold", 1, fold, deterministic=True)
    return conn


def connect(home: Path | None = None) -> sqlite3.Connection | None:
    """A connection for reading, or None when nothing has been recorded yet.
    Creates nothing; migrates an older schema first (importing sqlite-utils
    only then)."""
    home = home or data_dir()
    path = database_path(home)
    refuse_link(path)
    if not path.exists():
        return None
    make_private(home)
    conn = connect_file(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            from assistant.storage.schema import upgrade  # the slow path, once per schema change

            upgrade(conn, path)
    except sqlite3.DatabaseError as e:
        conn.close()
        raise storage_error(e, path) from None
    return prepare(conn)


MAX_INTEGER = 2**63 - 1  # SQLite's largest integer


def most(n: int) -> int:
    """A count asked for on the command line (--limit, --last), as SQLite can take it."""
    return max(0, min(int(n), MAX_INTEGER))


def rows(conn: sqlite3.Connection, sql: str, args: Sequence[Any] | dict = ()) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, args)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=False)) for r in cursor]


# -- sessions and turns ------------------------------------------------------
def session(conn: sqlite3.Connection, session_id: int | None = None, *, status: str | None = None) -> dict[str, Any]:
    if session_id is None:
        where, args = ("where status = ?", [status]) if status else ("", [])
        row = conn.execute(
            f"select id from sessions {where} order by started_at desc, id desc limit 1", args
        ).fetchone()
        if row is None:
            kind = f"{status} " if status else ""
            raise NotFoundError(f"There is no {kind}debrief yet; run `debrief start` to record one.")
        session_id = row[0]
    found = rows(conn, "select * from sessions where id = ?", [session_id])
    if not found:
        raise NotFoundError(f"There is no debrief with id {session_id}; see `debrief list` for ids.")
    return _clean_session(found[0])


# -- values as stored --------------------------------------------------------------
# What the code writes is always well formed, and `debrief import` checks what it
# reads; a database changed by other means (an older import, a hand edit) may still
# hold a rating that is not a number or causes that are not a list. Those are read
# as "none" here, so no view, summary or chart can be stopped by them.
def rating(value: Any) -> float | None:
    """A stored rating: a finite number from 1 to 5, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and 1 <= value <= 5 else None


def causes(text: Any) -> list[str]:
    """Stored cause tags (a JSON array of strings), else none."""
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else text
    except (ValueError, RecursionError):
        return []
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        return []
    return value


def words(text: Any) -> list[tuple[str, float]]:
    """Stored heard words with their confidences (a JSON array of [word, confidence]), else none."""
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else text
    except (ValueError, RecursionError):
        return []
    if not isinstance(value, list):
        return []
    out = []
    for w in value:
        if not (isinstance(w, list | tuple) and len(w) == 2 and isinstance(w[0], str)):
            return []
        c = w[1]
        if isinstance(c, bool) or not isinstance(c, int | float) or not math.isfinite(c):
            return []
        out.append((w[0], float(c)))
    return out


def _clean_session(row: dict[str, Any]) -> dict[str, Any]:
    if "average_rating" in row:
        row["average_rating"] = rating(row["average_rating"])
    return row


def turns(conn: sqlite3.Connection, session_id: int) -> list[dict[str, Any]]:
    found = rows(conn, "select * from turns where session_id = ? order by position", [session_id])
    for row in found:
        row["causes"] = causes(row["causes"])
        row["rating"] = rating(row["rating"])
        row["words"] = words(row.get("words"))
        row["positive"] = causes(row.get("positive"))
        # a rating is sure unless stored as heard in doubt (0); none before schema 4
        row["rating_sure"] = None if row["rating"] is None else row.get("rating_sure") != 0
    return found


def list_sessions(
    conn: sqlite3.Connection,
    *,
    limit: int | None = None,
    company: str | None = None,
    since: str | None = None,
    include_demo: bool = True,
) -> list[dict[str, Any]]:
    """Newest first; `company` is a case-insensitive substring, `since` an ISO
    UTC timestamp (or date) compared with `started_at`."""
    where, args = [], []
    if company:
        where.append("instr(debrief_fold(company), ?) > 0")
        args.append(fold(company))
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
        sql += f" limit {most(limit)}"
    return [_clean_session(r) for r in rows(conn, sql, args)]


def search(conn: sqlite3.Connection, text: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """Answers matching every word, newest first. The newest matches are
    found in the full-text index by rowid (turns are recorded in time order),
    so a common word costs the same on ten debriefs as on ten thousand; the
    few found are then put in order by date."""
    sql = """
        select turns.session_id, turns.stage, turns.answer, sessions.started_at
        from (select rowid from turns_fts where turns_fts match :q
              order by rowid desc limit :limit) hit
        join turns on turns.id = hit.rowid
        join sessions on sessions.id = turns.session_id
        order by sessions.started_at desc, turns.session_id desc, turns.position
    """
    return rows(conn, sql, {"q": fts_query(text), "limit": most(limit)})


def fts_query(text: str) -> str:
    """A safe FTS5 query from anything a person may type: every word required."""
    words = re.findall(r"\w+", text or "")
    if not words:
        raise SearchError("Give at least one word to search for, e.g. `debrief search rambled`.")
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


# -- recent history (trends, the coach nudge) --------------------------------
def recent_sessions(
    conn: sqlite3.Connection, n: int, *, before: str | None = None, exclude: int | None = None
) -> list[dict[str, Any]]:
    """The last `n` real debriefs (demos never count) that have at least one
    rating or cause, newest first; interrupted ones count with what they have."""
    where = [
        "demo = 0",
        """exists (select 1 from turns t where t.session_id = sessions.id
                 and (t.rating is not null or t.causes not in ('[]', '')))""",
    ]
    args: list[Any] = []
    if before is not None:
        where.append("started_at <= ?")
        args.append(before)
    if exclude is not None:
        where.append("id != ?")
        args.append(exclude)
    args.append(most(n))
    return rows(
        conn,
        f"""
        select id, started_at, company, role, status from sessions
        where {" and ".join(where)}
        order by started_at desc, id desc limit ?""",
        args,
    )


def ratings_and_causes(conn: sqlite3.Connection, session_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """{session id: {"ratings": {stage: rating}, "causes": set of tags}}."""
    ids = list(session_ids)
    out: dict[int, dict[str, Any]] = {i: {"ratings": {}, "causes": set()} for i in ids}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    for sid, stage, stored_rating, stored_causes in conn.execute(
        f"select session_id, stage, rating, causes from turns where session_id in ({marks})", ids
    ):
        value = rating(stored_rating)
        if value is not None:
            out[sid]["ratings"][stage] = value
        out[sid]["causes"].update(causes(stored_causes))
    return out


# -- whole debriefs (export, import) ----------------------------------------------------
def document(conn: sqlite3.Connection, session_id: int) -> dict[str, Any]:
    """Everything about one debrief but its audio: the session's columns, its
    turns (without their row ids), its corrections and its coach nudges."""
    doc = session(conn, session_id)
    doc["turns"] = [{k: v for k, v in t.items() if k not in ("id", "session_id")} for t in turns(conn, session_id)]
    doc["edits"] = rows(
        conn,
        "select stage, field, old_value, new_value, edited_at from edits where session_id = ? order by id",
        [session_id],
    )
    doc["nudges"] = rows(
        conn, "select pattern, nudged_at, resolved_at from nudges where session_id = ? order by id", [session_id]
    )
    return doc


def all_ids(conn: sqlite3.Connection) -> Iterator[int]:
    """Every debrief's id, oldest first, read as they are needed."""
    for (session_id,) in conn.execute("select id from sessions order by started_at, id"):
        yield session_id


def count_sessions(conn: sqlite3.Connection) -> int:
    return conn.execute("select count(*) from sessions").fetchone()[0]
