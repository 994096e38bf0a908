"""Importing a JSON export back (`debrief import`): read as a stream, checked
at the boundary, written all or nothing.

The file is read a debrief at a time (`read_export`), so a file of a hundred
thousand debriefs takes as little memory as one of ten. Every debrief is
checked before it is written (`check_debrief`): types, ratings from 1 to 5 in
half steps, stage ids of the script, cause tags the rules know, UTC times in
the form debrief writes them and not in the future, and sizes. The first bad
field stops the import with one sentence naming it, and nothing of the file
is kept: the whole file is one transaction. Importing the same export again
changes nothing: a debrief is already here when one with the same start time
has the same content, whatever its id.
"""

from __future__ import annotations

import codecs
import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from assistant.console import one_line
from assistant.dialogue.script import Script
from assistant.errors import DebriefError
from assistant.review.export import FORMAT, VERSION
from assistant.understanding.causes import CAUSES

CHUNK = 1 << 16
MAX_DEBRIEF_CHARS = 16 * 1024 * 1024  # one debrief's JSON; a long voice debrief is a few kilobytes
MAX_TEXT = 1_000_000  # characters in one answer, summary or name
MAX_ITEMS = 10_000  # corrections or nudges of one debrief
MAX_ID = 2**63 - 1  # SQLite's largest integer
EDIT_FIELDS = ("answer", "rating", "causes", "improve", "nailed")
STAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?Z", re.ASCII)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


class _Bad(Exception):
    """A field that fails its check: where it is and what is wrong."""

    def __init__(self, where: str, problem: str):
        super().__init__(where, problem)
        self.where, self.problem = where, problem


# -- reading, a debrief at a time --------------------------------------------------
class _Stream:
    """JSON values read one by one from a byte stream, with a bounded buffer."""

    def __init__(self, raw: IO[bytes], source: str):
        self.raw = raw
        self.source = source
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.bytes_read = 0
        self.lines_before = 0  # newlines in the text already dropped from the buffer

    def _fill(self) -> bool:
        if self.eof:
            return False
        data = self.raw.read(CHUNK)
        self.bytes_read += len(data)
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError:
            raise DebriefError(
                f"{self.source} is not UTF-8 text; give a file made by `debrief export --format json`."
            ) from None
        if not data:
            self.eof = True
        if self.pos:
            self.lines_before += self.buf.count("\n", 0, self.pos)
            self.buf = self.buf[self.pos :]
            self.pos = 0
        self.buf += text
        return True

    def not_json(self, why: str) -> DebriefError:
        line = self.lines_before + self.buf.count("\n", 0, self.pos) + 1
        return DebriefError(
            f"{self.source} is not JSON ({why}, line {line}); give a file made by `debrief export --format json`."
        )

    def peek(self) -> str:
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._fill():
                return ""

    def take(self, allowed: str, what: str) -> str:
        char = self.peek()
        if not char or char not in allowed:
            raise self.not_json(f"expecting {what}")
        self.pos += 1
        return char

    def value(self, limit: int = MAX_DEBRIEF_CHARS, what: str = "a value") -> Any:
        """The next JSON value; the buffer grows until it holds all of it."""
        self.peek()
        while True:
            try:
                value, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as e:
                if len(self.buf) - self.pos > limit:
                    raise DebriefError(
                        f"{self.source}: {what} is larger than {limit // (1024 * 1024)} MB; "
                        "give a file made by `debrief export --format json`."
                    ) from None
                if self._fill():
                    continue
                self.pos = e.pos
                raise self.not_json(e.msg) from None
            except RecursionError:
                raise self.not_json("nested too deeply") from None
            if end == len(self.buf) and not self.eof and self._fill():
                continue  # a number may go on in the next piece
            self.pos = end
            return value


def read_export(raw: IO[bytes], source: str, on_debrief: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Each debrief of an export file, as parsed JSON (not yet checked).
    The format and version are checked before the first one is given."""
    s = _Stream(raw, source)
    if s.peek() != "{":
        if not s.peek():
            raise s.not_json("the file is empty")
        s.value()  # JSON of another shape, or not JSON at all
        raise DebriefError(f"{source} is not a debrief export; give a file made by `debrief export --format json`.")
    s.take("{", "'{'")
    header: dict[str, Any] = {}
    seen_debriefs = False
    if s.peek() == "}":
        s.take("}", "'}'")
    else:
        while True:
            key = s.value(what="a key")
            if not isinstance(key, str):
                raise s.not_json("expecting a property name")
            s.take(":", "':'")
            if key == "debriefs":
                _check_header(header, source)
                seen_debriefs = True
                yield from _debriefs(s, on_debrief)
            else:
                header[key] = s.value(what=f"'{one_line(key)[:40]}'")
            if s.take(",}", "',' or '}'") == "}":
                break
    if s.peek():
        raise s.not_json("extra data after the export")
    if not seen_debriefs:
        _check_header(header, source)
        raise DebriefError(f"{source} is not a debrief export; give a file made by `debrief export --format json`.")


def _check_header(header: dict[str, Any], source: str) -> None:
    if header.get("format") != FORMAT:
        raise DebriefError(f"{source} is not a debrief export; give a file made by `debrief export --format json`.")
    if header.get("version") != VERSION:
        version = one_line(json.dumps(header.get("version")))[:20]
        raise DebriefError(f"{source} is export version {version}; this debrief reads version {VERSION}.")


def _debriefs(s: _Stream, on_debrief: Callable[[int], None] | None) -> Iterator[Any]:
    s.take("[", "'['")
    if s.peek() == "]":
        s.take("]", "']'")
        return
    n = 0
    while True:
        yield s.value(what=f"debriefs[{n}]")
        n += 1
        if on_debrief is not None:
            on_debrief(s.bytes_read)
        if s.take(",]", "',' or ']'") == "]":
            return


# -- checking one debrief ---------------------------------------------------------
def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else json.dumps(value)
    text = one_line(text)
    return text if len(text) <= 40 else text[:37] + "..."


def _text(where: str, value: Any, *, required: bool = False, limit: int = MAX_TEXT) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise _Bad(where, f"is {_show(value)}, but it must be text" + ("" if required else " or null"))
    if len(value) > limit:
        raise _Bad(where, f"is {len(value):,} characters long, more than the {limit:,} allowed")
    return value


def _stamp(where: str, value: Any, *, required: bool = False, latest: datetime) -> str | None:
    if value is None and not required:
        return None
    rule = "a UTC time like 2024-05-01T17:30:00.000000Z, not in the future"
    if not isinstance(value, str) or not STAMP.fullmatch(value):
        raise _Bad(where, f"is {_show(value)}, but it must be {rule}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(where, f"is {_show(value)}, which is not a real date and time") from None
    if not EARLIEST <= moment <= latest:
        raise _Bad(where, f"is {_show(value)}, but it must be {rule}")
    return value


def _rating(where: str, value: Any, *, half_steps: bool = True) -> float | None:
    if value is None:
        return None
    rule = "a number from 1 to 5 in half steps, or null" if half_steps else "a number from 1 to 5, or null"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Bad(where, f"is {_show(value)}, but a rating must be {rule}")
    if not 1 <= value <= 5 or (half_steps and value * 2 != int(value * 2)):
        raise _Bad(where, f"is {_show(value)}, but a rating must be {rule}")
    return float(value)


def _integer(where: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Bad(where, f"is {_show(value)}, but it must be a whole number from {low} to {high}")
    return value


def _list(where: str, value: Any, limit: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Bad(where, f"is {_show(value)}, but it must be a list")
    if len(value) > limit:
        raise _Bad(where, f"has {len(value):,} items, more than the {limit:,} allowed")
    return value


def _object(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad(where, f"is {_show(value)}, but it must be an object")
    return value


def _one_of(where: str, value: Any, allowed: list[str] | tuple[str, ...], what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        raise _Bad(where, f"is {_show(value)}, which is not {what} ({shown})")
    return value


class _Known:
    """What the script and the rules allow, worked out once per import."""

    def __init__(self, script: Script):
        self.stages = script.ids()
        self.rated = [s.id for s in script.stages if s.rated]


def _turn(where: str, raw: Any, known: _Known, latest: datetime) -> dict[str, Any]:
    t = _object(where, raw)
    stage_id = _one_of(f"{where}.stage", t.get("stage"), known.stages, "a stage of the script")
    rated = stage_id in known.rated
    rating = _rating(f"{where}.rating", t.get("rating"))
    if rating is not None and not rated:
        raise _Bad(f"{where}.rating", f"is {_show(rating)}, but the stage '{stage_id}' has no rating (use null)")
    causes = _list(f"{where}.causes", t.get("causes"), len(CAUSES))
    for i, c in enumerate(causes):
        _one_of(f"{where}.causes[{i}]", c, CAUSES, "a cause debrief knows")
    confidence = t.get("confidence")
    if confidence is not None and (
        isinstance(confidence, bool)
        or not isinstance(confidence, int | float)
        or not math.isfinite(confidence)
        or not 0 <= confidence <= 1
    ):
        raise _Bad(f"{where}.confidence", f"is {_show(confidence)}, but it must be a number from 0 to 1, or null")
    sure = t.get("rating_sure")
    if sure is not None and not isinstance(sure, bool):
        raise _Bad(f"{where}.rating_sure", f"is {_show(sure)}, but it must be true, false or null")
    return {
        "position": _integer(f"{where}.position", t.get("position"), 0, 999),
        "stage": stage_id,
        "question": _text(f"{where}.question", t.get("question")),
        "answer": _text(f"{where}.answer", t.get("answer")),
        "rating": rating,
        "rating_sure": None if rating is None else sure is not False,
        "causes": list(causes),
        "improve": _text(f"{where}.improve", t.get("improve")),
        "nailed": _text(f"{where}.nailed", t.get("nailed")),
        "confidence": None if confidence is None else float(confidence),
        "words": _words(f"{where}.words", t.get("words")),
        "followup": _text(f"{where}.followup", t.get("followup")),
        "positive": [
            _one_of(f"{where}.positive[{i}]", c, CAUSES, "a cause debrief knows")
            for i, c in enumerate(_list(f"{where}.positive", t.get("positive"), len(CAUSES)))
        ],
        "answered_at": _stamp(f"{where}.answered_at", t.get("answered_at"), required=True, latest=latest),
    }


def _words(where: str, value: Any) -> list[tuple[str, float]]:
    """The words heard, each [word, confidence from 0 to 1]."""
    out = []
    for i, w in enumerate(_list(where, value, MAX_ITEMS)):
        pair = _list(f"{where}[{i}]", w, 2)
        if len(pair) != 2:
            raise _Bad(f"{where}[{i}]", "must be a [word, confidence] pair")
        word = str(_text(f"{where}[{i}][0]", pair[0], required=True, limit=200))
        c = pair[1]
        if isinstance(c, bool) or not isinstance(c, int | float) or not math.isfinite(c) or not 0 <= c <= 1:
            raise _Bad(f"{where}[{i}][1]", f"is {_show(c)}, but it must be a number from 0 to 1")
        out.append((word, float(c)))
    return out


def _quotes(where: str, value: Any) -> str | None:
    """What the summary quoted (stored as JSON text): a list of {stage, said, quoted}."""
    text = _text(where, value)
    if text is None:
        return None
    try:
        items = json.loads(text)
    except (ValueError, RecursionError):
        raise _Bad(where, "must be JSON text of a list of quotes") from None
    for i, q in enumerate(_list(where, items, MAX_ITEMS)):
        q = _object(f"{where}[{i}]", q)
        for key in ("stage", "said", "quoted"):
            _text(f"{where}[{i}].{key}", q.get(key), required=True)
    return text


def _edit(where: str, raw: Any, known: _Known, latest: datetime) -> dict[str, Any]:
    e = _object(where, raw)
    return {
        "stage": _one_of(f"{where}.stage", e.get("stage"), known.stages, "a stage of the script"),
        "field": _one_of(f"{where}.field", e.get("field"), EDIT_FIELDS, "a field `debrief edit` changes"),
        "old_value": _text(f"{where}.old_value", e.get("old_value")),
        "new_value": _text(f"{where}.new_value", e.get("new_value")),
        "edited_at": _stamp(f"{where}.edited_at", e.get("edited_at"), required=True, latest=latest),
    }


def _nudge(where: str, raw: Any, known: _Known, latest: datetime) -> dict[str, Any]:
    n = _object(where, raw)
    pattern = n.get("pattern")
    kind, _, key = pattern.partition(":") if isinstance(pattern, str) else ("", "", "")
    if not ((kind in ("stage", "progress") and key in known.stages) or (kind == "cause" and key in CAUSES)):
        raise _Bad(f"{where}.pattern", f"is {_show(pattern)}, but it must be stage:ID, progress:ID or cause:TAG")
    return {
        "pattern": pattern,
        "nudged_at": _stamp(f"{where}.nudged_at", n.get("nudged_at"), required=True, latest=latest),
        "resolved_at": _stamp(f"{where}.resolved_at", n.get("resolved_at"), latest=latest),
    }


def check_debrief(raw: Any, index: int, script: Script | _Known, latest: datetime | None = None) -> dict[str, Any]:
    """One debrief of an export, checked and in the shape it is stored in
    (only the fields debrief knows; the turns in order). Raises _Bad."""
    known = script if isinstance(script, _Known) else _Known(script)
    latest = latest or datetime.now(UTC) + timedelta(days=1)
    where = f"debriefs[{index}]"
    d = _object(where, raw)
    session_id = d.get("id")
    if session_id is not None:
        _integer(f"{where}.id", session_id, 1, MAX_ID)
    status = _one_of(f"{where}.status", d.get("status"), ("complete", "interrupted"), "a debrief status")
    demo = d.get("demo", 0)
    if demo not in (0, 1) or (not isinstance(demo, bool | int)):
        raise _Bad(f"{where}.demo", f"is {_show(demo)}, but it must be 0 or 1")
    downhill = d.get("downhill")
    if downhill is not None:
        _one_of(f"{where}.downhill", downhill, known.rated, "a rated stage")
    raw_turns = _list(f"{where}.turns", d.get("turns"), len(known.stages))
    turns = [_turn(f"{where}.turns[{i}]", t, known, latest) for i, t in enumerate(raw_turns)]
    for field in ("stage", "position"):
        values = [t[field] for t in turns]
        if len(set(values)) != len(values):
            raise _Bad(f"{where}.turns", f"has the same {field} twice, but each stage is answered once")
    turns.sort(key=lambda t: t["position"])
    return {
        "id": session_id,
        "started_at": _stamp(f"{where}.started_at", d.get("started_at"), required=True, latest=latest),
        "updated_at": _stamp(f"{where}.updated_at", d.get("updated_at"), latest=latest),
        "status": status,
        "company": _text(f"{where}.company", d.get("company")),
        "role": _text(f"{where}.role", d.get("role")),
        "demo": int(demo),
        "engine": _text(f"{where}.engine", d.get("engine"), limit=100),
        "downhill": downhill,
        "average_rating": _rating(f"{where}.average_rating", d.get("average_rating"), half_steps=False),
        "improve": _text(f"{where}.improve", d.get("improve")),
        "nailed": _text(f"{where}.nailed", d.get("nailed")),
        "summary": _text(f"{where}.summary", d.get("summary")),
        "crumpled_at": _stamp(f"{where}.crumpled_at", d.get("crumpled_at"), latest=latest),
        "quotes": _quotes(f"{where}.quotes", d.get("quotes")),
        "turns": turns,
        "edits": [
            _edit(f"{where}.edits[{i}]", e, known, latest)
            for i, e in enumerate(_list(f"{where}.edits", d.get("edits"), MAX_ITEMS))
        ],
        "nudges": [
            _nudge(f"{where}.nudges[{i}]", n, known, latest)
            for i, n in enumerate(_list(f"{where}.nudges", d.get("nudges"), MAX_ITEMS))
        ],
    }


def checked(raws: Iterator[Any], script: Script, source: str) -> Iterator[dict[str, Any]]:
    latest = datetime.now(UTC) + timedelta(days=1)
    known = _Known(script)
    for i, raw in enumerate(raws):
        try:
            yield check_debrief(raw, i, known, latest)
        except _Bad as e:
            raise DebriefError(
                f"{source} has a malformed debrief: {e.where} {e.problem}; "
                "fix that field, or export the debrief again with `debrief export --format json`."
            ) from None


def load(
    store, raw: IO[bytes], script: Script, *, source: str = "the file", on_debrief: Callable[[int], None] | None = None
) -> tuple[list[int], int]:
    """Import an export into `store`, all of it or nothing: (new ids, how many
    were already here). `on_debrief(bytes read)` is called after each debrief."""
    return store.import_debriefs(checked(read_export(raw, source, on_debrief), script, source))


def load_json(store, text: str, script: Script | None = None, *, source: str = "the file") -> tuple[list[int], int]:
    """`load` on a string (for tests and small files)."""
    import io

    if script is None:
        from assistant.dialogue.script import load_script

        script = load_script()
    return load(store, io.BytesIO(text.encode("utf-8", errors="surrogatepass")), script, source=source)
