"""The database schema: sqlite-utils migrations, applied on open.

`SCHEMA_VERSION` is the `user_version` the newest migration sets; the fast
reader compares it to decide whether a database must be migrated first.
`MIGRATIONS` names every migration, in order (for `debrief doctor`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from assistant.settings import DB_NAME
from assistant.storage.connection import SCHEMA_VERSION, writing

migrations = sqlite_utils.Migrations("debrief")
MIGRATIONS: list[str] = []  # every migration's name, in order


def migration(fn):
    """Register a migration with sqlite-utils and in MIGRATIONS."""
    MIGRATIONS.append(fn.__name__)
    return migrations()(fn)


# The tables read best a few columns to a line.
# fmt: off
@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("sessions").create(
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
    db.table("sessions").create_index(["started_at"])
    db.table("sessions").create_index(["company", "started_at"])
    db.table("turns").create(
        {
            "id": int, "session_id": int, "position": int, "stage": str,
            "question": str, "answer": str, "rating": float, "causes": str,
            "improve": str, "nailed": str, "confidence": float, "answered_at": str,
        },
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"session_id", "stage", "answered_at"},
    )
    db.table("turns").create_index(["session_id", "stage"], unique=True)
    db.table("audio").create(
        {"turn_id": int, "session_id": int, "wav": bytes},
        pk="turn_id",
        foreign_keys=[("turn_id", "turns", "id"), ("session_id", "sessions", "id")],
    )
    db.table("audio").create_index(["session_id"])
    db.table("turns").enable_fts(["answer"], tokenize="porter", create_triggers=True)


@migration
def m002_review(db: sqlite_utils.Database) -> None:
    """Corrections, coach nudges, crumpling, and indexes for the review side."""
    db.table("sessions").add_column("crumpled_at", str)
    db.table("sessions").create_index(["demo", "started_at"])
    db.table("edits").create(
        {"id": int, "session_id": int, "stage": str, "field": str,
         "old_value": str, "new_value": str, "edited_at": str},
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"session_id", "stage", "field", "edited_at"},
    )
    db.table("edits").create_index(["session_id"])
    # one row per time a pattern was spoken about; resolved_at is set when the
    # pattern goes away, so it may be spoken about again if it comes back
    db.table("nudges").create(
        {"id": int, "pattern": str, "session_id": int, "nudged_at": str, "resolved_at": str},
        pk="id",
        foreign_keys=[("session_id", "sessions", "id")],
        not_null={"pattern", "nudged_at"},
    )
    db.table("nudges").create_index(["pattern", "resolved_at"])
    db.table("nudges").create_index(["session_id"])
    db.execute("PRAGMA user_version = 2")


@migration
def m003_heard(db: sqlite_utils.Database) -> None:
    """Each word heard with its confidence, the reply to a follow-up question,
    the causes named only in a good light, and the lessons the summary quoted
    in the person's own words."""
    db.table("turns").add_column("words", str)
    db.table("turns").add_column("followup", str)
    db.table("turns").add_column("positive", str)
    db.table("sessions").add_column("quotes", str)
    db.execute("PRAGMA user_version = 3")


@migration
def m004_rating_sure(db: sqlite_utils.Database) -> None:
    """Whether a turn's rating was heard beyond doubt (1) or in doubt and
    never checked (0: a recording, or no reply to "That's a two, right?");
    null when there is no rating, or for a turn stored before this."""
    db.table("turns").add_column("rating_sure", int)
    db.execute("PRAGMA user_version = 4")  # SCHEMA_VERSION
# fmt: on


def upgrade(conn: sqlite3.Connection, path: Path | None = None) -> None:
    """Apply the migrations a database still needs (idempotent), all in one
    write transaction: two commands opening a new database at the same moment
    take turns, and the second finds the work done."""
    with writing(conn, path):
        if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            migrations.apply(sqlite_utils.Database(conn))


def schema_markdown() -> str:
    """The schema of a fresh database as a Markdown section, for the README
    (generated, so it cannot drift). Internal tables (the migration log and
    the full-text index's shadow tables) are left out."""
    db = sqlite_utils.Database(memory=True)
    migrations.apply(db)
    statements = [
        sql
        for (sql,) in db.execute("""
        select sql from sqlite_master
        where sql is not null and tbl_name != '_sqlite_migrations'
          and tbl_name not like 'turns\\_fts\\_%' escape '\\'
        order by case type when 'table' then 0 when 'index' then 1 else 2 end, rowid""")
    ]
    db.close()
    body = ";\n\n".join(statements) + ";"
    return (
        "## Database schema\n\n"
        f"Everything is kept in `{DB_NAME}` in the data folder (`debrief path` prints where). "
        "Times are UTC, ISO 8601. `turns.causes` is a JSON array of cause tags. "
        "`turns_fts` is the full-text index over the answers, kept in step by the triggers.\n\n"
        "```sql\n" + body + "\n```\n"
    )
