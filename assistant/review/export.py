"""Exporting debriefs as Markdown or JSON, streamed.

JSON keeps everything but the audio: every column of the session, its turns
(without their internal row ids), its corrections and its coach nudges, in a
document `debrief import` (importer.py) reads back, so export -> import ->
export gives the same JSON. Markdown reads like a journal entry: the date,
who it was with, each stage with its rating and answer, the two lessons, the
turning point and the summary; it is for people, so every line of it goes
through the console's sanitiser. Both are made one debrief at a time
(`json_chunks`, `markdown_chunks`), so exporting ten thousand debriefs takes
no more memory than exporting one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from assistant.console import clean, one_line, rating_text
from assistant.dialogue.script import Script
from assistant.review.views import connection
from assistant.storage import reader

FORMAT = "debrief-export"
VERSION = 1


def wanted_ids(source, ids: Iterable[int | None] | None) -> Iterable[int]:
    """The ids to export (None in the list means the latest; every debrief,
    oldest first, when `ids` is None). Unknown ids fail here, before anything
    is written."""
    conn = connection(source)
    if ids is None:
        return reader.all_ids(conn)
    return [reader.session(conn, i)["id"] for i in ids]


def iter_documents(source, ids: Iterable[int | None] | None) -> Iterator[dict[str, Any]]:
    conn = connection(source)
    for session_id in wanted_ids(source, ids):
        yield reader.document(conn, session_id)


def documents(source, ids: Iterable[int | None] | None) -> list[dict[str, Any]]:
    """Full documents for the given ids (see `wanted_ids`)."""
    return list(iter_documents(source, ids))


def json_chunks(docs: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The JSON export, a debrief at a time; joined, exactly `to_json`."""
    yield f'{{\n  "format": {json.dumps(FORMAT)},\n  "version": {VERSION},\n  "debriefs": ['
    first = True
    for doc in docs:
        body = json.dumps(doc, indent=2, ensure_ascii=False)
        # split on newlines only: a string may hold U+2028, which splitlines() would cut at
        yield ("\n" if first else ",\n") + "\n".join("    " + line for line in body.split("\n"))
        first = False
    yield "]\n}\n" if first else "\n  ]\n}\n"


def to_json(docs: list[dict[str, Any]]) -> str:
    return json.dumps({"format": FORMAT, "version": VERSION, "debriefs": docs}, indent=2, ensure_ascii=False) + "\n"


def _when(stamp: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).astimezone()
    except (ValueError, OverflowError):
        return one_line(stamp)
    return moment.strftime("%A %d %B %Y, %H:%M")


def _r(value: float | None) -> str:
    return "-" if rating_text(value) == "-" else f"{rating_text(value)}/5"


def markdown_chunks(docs: Iterable[dict[str, Any]], script: Script) -> Iterator[str]:
    """The Markdown export, an entry at a time, sanitised."""
    for i, doc in enumerate(docs):
        yield ("\n---\n\n" if i else "") + _entry(doc, script)


def to_markdown(docs: list[dict[str, Any]], script: Script) -> str:
    return "".join(markdown_chunks(docs, script))


def _entry(doc: dict[str, Any], script: Script) -> str:
    who = ", ".join(one_line(x) for x in (doc.get("company"), doc.get("role")) if x) or "an interview"
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
        title = stage.label if stage else one_line(turn["stage"])
        rated = stage.rated if stage else turn["rating"] is not None
        doubt = ", heard unsure" if turn.get("rating_sure") is False else ""  # None where there is no rating
        head = f"### {title[:1].upper() + title[1:]}" + (f" ({_r(turn['rating'])}{doubt})" if rated else "")
        lines += [head, ""]
        if turn["answer"]:
            lines += ["> " + clean(turn["answer"]).replace("\n", "\n> "), ""]
        else:
            lines += ["*(no words kept)*" if doc.get("crumpled_at") else "*(no answer)*", ""]
        if turn["causes"]:
            lines += ["Causes: " + ", ".join(one_line(c) for c in turn["causes"]), ""]
    turn_at = labels[doc["downhill"]].label if doc.get("downhill") in labels else doc.get("downhill")
    lines += [
        f"**To improve:** {one_line(doc.get('improve') or '-')}  ",
        f"**Nailed:** {one_line(doc.get('nailed') or '-')}  ",
        f"**Where it turned:** {one_line(turn_at or 'no single turning point')}",
        "",
    ]
    if doc.get("summary"):
        lines += ["**Summary:** " + one_line(doc["summary"]), ""]
    return "\n".join(lines)
