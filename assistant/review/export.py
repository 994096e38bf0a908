"""Exporting debriefs, and importing the JSON export back.

JSON keeps everything but the audio: every column of the session, its turns
(without their internal row ids), its corrections and its coach nudges, in a
document `load_json` reads back, so export -> import -> export gives the same
JSON. Markdown reads like a journal entry: the date, who it was with, each
stage with its rating and answer, the two lessons, the turning point and the
summary.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from assistant.console import rating_text
from assistant.dialogue.script import Script
from assistant.errors import DebriefError
from assistant.review.views import connection
from assistant.storage import reader

FORMAT = "debrief-export"
VERSION = 1


def documents(source, ids: Iterable[int | None] | None) -> list[dict[str, Any]]:
    """Full documents for the given ids (None in the list means the latest),
    or for every debrief, oldest first, when `ids` is None."""
    conn = connection(source)
    if ids is None:
        wanted = [i for (i,) in conn.execute("select id from sessions order by started_at, id")]
    else:
        wanted = [reader.session(conn, i)["id"] for i in ids]
    return [_document(conn, i) for i in wanted]


def _document(conn, session_id: int) -> dict[str, Any]:
    doc = reader.session(conn, session_id)
    doc["turns"] = [
        {k: v for k, v in t.items() if k not in ("id", "session_id")} for t in reader.turns(conn, session_id)
    ]
    doc["edits"] = reader.rows(
        conn,
        "select stage, field, old_value, new_value, edited_at from edits where session_id = ? order by id",
        [session_id],
    )
    doc["nudges"] = reader.rows(
        conn, "select pattern, nudged_at, resolved_at from nudges where session_id = ? order by id", [session_id]
    )
    return doc


def to_json(docs: list[dict[str, Any]]) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION, "debriefs": docs}, indent=2, ensure_ascii=False) + "\n"


def _when(stamp: str) -> str:
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    return moment.strftime("%A %d %B %Y, %H:%M")


def _r(value: float | None) -> str:
    return "-" if value is None else f"{rating_text(value)}/5"


def to_markdown(docs: list[dict[str, Any]], script: Script) -> str:
    return "\n---\n\n".join(_entry(d, script) for d in docs)


def _entry(doc: dict[str, Any], script: Script) -> str:
    who = ", ".join(x for x in (doc.get("company"), doc.get("role")) if x) or "an interview"
    labels = {s.id: s for s in script.stages}
    state = "finished" if doc["status"] == "complete" else "not finished"
    if doc.get("crumpled_at"):
        state += "; crumpled, so only the lessons are kept"
    lines = [
        f"## {_when(doc['started_at'])}: {who}",
        "",
        f"*Debrief {doc['id']}, {state}. Average rating {_r(doc['average_rating'])}.*",
        "",
    ]
    for turn in doc["turns"]:
        stage = labels.get(turn["stage"])
        title = stage.label if stage else turn["stage"]
        rated = stage.rated if stage else turn["rating"] is not None
        head = f"### {title[:1].upper() + title[1:]}" + (f" ({_r(turn['rating'])})" if rated else "")
        lines += [head, ""]
        if turn["answer"]:
            lines += ["> " + turn["answer"].replace("\n", "\n> "), ""]
        else:
            lines += ["*(no words kept)*" if doc.get("crumpled_at") else "*(no answer)*", ""]
        if turn["causes"]:
            lines += ["Causes: " + ", ".join(turn["causes"]), ""]
    turn_at = labels[doc["downhill"]].label if doc.get("downhill") in labels else doc.get("downhill")
    lines += [
        f"**To improve:** {doc.get('improve') or '-'}  ",
        f"**Nailed:** {doc.get('nailed') or '-'}  ",
        f"**Where it turned:** {turn_at or 'no single turning point'}",
        "",
    ]
    if doc.get("summary"):
        lines += ["**Summary:** " + doc["summary"], ""]
    return "\n".join(lines)


def write_private(path: str, text: str) -> None:
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise DebriefError(f"Cannot write {path} ({e.strerror}); pick a file you can write to.") from None


# -- import ---------------------------------------------------------------------------
def load_json(store, text: str, *, source: str = "the file") -> tuple[list[int], int]:
    """Import an export into `store`: returns (new ids, how many were already
    there). A debrief already there (same id and start time) is skipped; one
    whose id is taken by another debrief gets a new id."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise DebriefError(
            f"{source} is not JSON ({e.msg}, line {e.lineno}); give a file made by `debrief export --format json`."
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("debriefs"), list):
        raise DebriefError(f"{source} is not a debrief export; give a file made by `debrief export --format json`.")
    if data.get("version") != VERSION:
        raise DebriefError(f"{source} is export version {data.get('version')}; this debrief reads version {VERSION}.")
    try:
        return store.import_debriefs(data["debriefs"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DebriefError(
            f"{source} has a malformed debrief; export it again with `debrief export --format json`."
        ) from None
