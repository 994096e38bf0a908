"""Read-side views of stored debriefs: the JSON documents and the text that
`show`, `list` and `search` print, and the `--since` parser.

Every function takes a `Store` or a plain `sqlite3.Connection` (from
`reader.connect()`, the fast path the review commands use)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from assistant.console import one_line, rating_text
from assistant.dialogue.script import Script
from assistant.errors import DebriefError
from assistant.storage import reader


def connection(source) -> sqlite3.Connection:
    """The sqlite3 connection behind a Store, or the connection itself."""
    return source.db.conn if hasattr(source, "db") else source


def session_document(
    source, script: Script, session_id: int | None = None, *, status: str | None = None
) -> dict[str, Any]:
    conn = connection(source)
    s = reader.session(conn, session_id, status=status)
    turns = {t["stage"]: t for t in reader.turns(conn, s["id"])}
    stages = []
    ids = script.ids() + [sid for sid in turns if sid not in script.ids()]
    for sid in ids:
        t = turns.get(sid)
        question: str | None
        try:
            stage = script.get(sid)
            question, rated = stage.question, stage.rated
        except KeyError:
            question, rated = (t or {}).get("question"), True
        stages.append(
            {
                "id": sid,
                "question": t["question"] if t else question,
                "answer": t["answer"] if t else None,
                "rating": (t["rating"] if t else None) if rated else None,
                "rating_sure": (t.get("rating_sure") if t else None) if rated else None,
                "causes": t["causes"] if t else [],
                "unsure": [w for w, c in (t.get("words") or []) if c < UNSURE_WORD] if t else [],
            }
        )
    return {
        **_heading(s),
        "stages": stages,
        "improve": s["improve"],
        "nailed": s["nailed"],
        "downhill": s["downhill"],
        "average_rating": s["average_rating"],
        "summary": s["summary"],
        "quotes": json.loads(s.get("quotes") or "[]"),
    }


UNSURE_WORD = 0.5  # a word heard with less confidence than this is marked in `show`


def _heading(s: dict[str, Any]) -> dict[str, Any]:
    """What identifies a debrief in every view: when, with whom, and its state."""
    keys = ("id", "started_at", "status", "company", "role")
    return {**{k: s[k] for k in keys}, "demo": bool(s["demo"]), "crumpled": bool(s.get("crumpled_at"))}


def when_text(stamp: Any, length: int = 16) -> str:
    """A stored UTC time as shown in a line: 2024-05-01 17:30."""
    return one_line(str(stamp)[:length].replace("T", " "))


def show_text(doc: dict[str, Any]) -> str:
    """`debrief show`: every field a person or a file put there is shown on
    its own line, with control characters made visible (console.one_line)."""
    head = f"Debrief {doc['id']}  {when_text(doc['started_at'])} UTC  {one_line(doc['status'])}"
    who = " / ".join(one_line(x) for x in (doc["company"], doc["role"]) if x)
    lines = [
        head
        + (f"  {who}" if who else "")
        + ("  (demo)" if doc["demo"] else "")
        + ("  (crumpled: the lessons are kept, the words are gone)" if doc.get("crumpled") else "")
    ]
    for st in doc["stages"]:
        causes = f"  [{', '.join(one_line(c) for c in st['causes'])}]" if st["causes"] else ""
        unsure_rating = st.get("rating_sure") is False  # the reader gives None where there is no rating
        doubt = " (unsure)" if unsure_rating else ""
        lines.append(f"\n{one_line(st['id'])}  rating {rating_text(st['rating'])}{doubt}{causes}")
        lines.append(f"  Q: {one_line(st['question'])}")
        answer = one_line(st["answer"]) if st["answer"] is not None else "(no answer)"
        lines.append(f"  A: {answer}")
        if unsure_rating:
            fix = f"debrief edit {doc['id']} --stage {one_line(st['id'])} --rating N"
            lines.append(f"     (rating heard unsure; `{fix}` sets the one you said)")
        if st.get("unsure"):
            unsure = ", ".join(one_line(w) for w in st["unsure"])
            lines.append(f"     (heard unsure: {unsure}; `debrief listen` plays it)")
    lines.append("")
    lines.append(f"Turning point: {one_line(doc['downhill'] or 'none')}")
    lines.append(f"To improve:    {one_line(doc['improve'] or '-')}")
    lines.append(f"Nailed:        {one_line(doc['nailed'] or '-')}")
    if doc["summary"]:
        lines.append(f"\n{one_line(doc['summary'])}")
    return "\n".join(lines)


LIST_JSON_KEYS = ("id", "started_at", "company", "role", "status", "average_rating", "downhill")


def list_row(s: dict[str, Any]) -> dict[str, Any]:
    return {**_heading(s), "average_rating": s["average_rating"], "downhill": s["downhill"]}


def list_text(rows: Iterable[dict[str, Any]]) -> str:
    out = [f"{'id':>5}  {'date':16}  {'company':18} {'role':18} {'avg':>4}  {'turned at':11} status"]
    for r in rows:
        out.append(
            f"{r['id']:>5}  {when_text(r['started_at']):16}  "
            f"{one_line(r['company'] or '-')[:18]:18} {one_line(r['role'] or '-')[:18]:18} "
            f"{rating_text(r['average_rating']):>4}  {one_line(r['downhill'] or '-'):11} {one_line(r['status'])}"
            + (" (demo)" if r["demo"] else "")
            + (" (crumpled)" if r.get("crumpled") else "")
        )
    return "\n".join(out)


def search_text(hits: Iterable[dict[str, Any]]) -> str:
    return "\n".join(
        f"{h['session_id']:>5}  {when_text(h['started_at'], 10)}  {one_line(h['stage']):10}  {one_line(h['answer'])}"
        for h in hits
    )


_SPAN = re.compile(r"\s*([0-9]+)\s*([dw])\s*", re.IGNORECASE | re.ASCII)
_DATE = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*", re.ASCII)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # nothing is older: a --since before it means every debrief


def parse_since(text: str, now: datetime | None = None) -> str:
    """`--since` as the UTC timestamp `started_at` is compared with: a local
    date (YYYY-MM-DD, from its midnight) or a span back from now (7d, 2w).
    Only ASCII digits count; a date or span reaching back before 1970 means
    every debrief (it is not an error to ask for more than there is)."""
    now = now or datetime.now(UTC)
    text = text or ""
    span = _SPAN.fullmatch(text)
    if span:
        digits = span.group(1).lstrip("0") or "0"
        days = int(digits) * (7 if span.group(2).lower() == "w" else 1) if len(digits) < 10 else None
        limit = (now - EPOCH).days
        start = EPOCH if days is None or days > limit else now - timedelta(days=days)
    else:
        try:
            if not _DATE.fullmatch(text):
                raise ValueError(text)
            day = date.fromisoformat(text.strip())
        except ValueError:
            raise DebriefError(
                f"'{one_line(text)[:40]}' is not a date; use YYYY-MM-DD or a span back from today like 7d or 2w."
            ) from None
        if day.year < 1971:
            start = EPOCH
        else:
            start = datetime(day.year, day.month, day.day).astimezone()  # local midnight
    return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
