"""The audio of stored answers, for `debrief listen`: hear what you said, so a
misheard answer can be checked and fixed with `debrief edit`."""

from __future__ import annotations

import io
import sqlite3
import wave
from dataclasses import dataclass

from assistant.dialogue.script import Script
from assistant.errors import DebriefError, NotFoundError
from assistant.storage import reader

GAP_SECONDS = 0.6  # between answers when several are joined into one file


@dataclass(frozen=True)
class Recording:
    stage: str
    label: str
    wav: bytes


def answer_audio(
    conn: sqlite3.Connection, script: Script, session_id: int | None, stage: str | None
) -> list[Recording]:
    """The recordings of one debrief's answers, in the order asked (one stage
    with `stage`). A clear error when there is nothing to hear."""
    session = reader.session(conn, session_id)
    sid = session["id"]
    if stage is not None and stage not in script.ids():
        raise DebriefError(f"Unknown stage '{stage}'; use one of: {', '.join(script.ids())}.")
    if session.get("crumpled_at"):
        raise NotFoundError(
            f"Debrief {sid} was crumpled, so its audio is gone for good; its lessons are in `debrief show {sid}`."
        )
    rows = conn.execute(
        "select turns.stage, audio.wav from audio join turns on turns.id = audio.turn_id "
        "where audio.session_id = ? order by turns.position",
        [sid],
    ).fetchall()
    labels = {s.id: s.label for s in script.stages}
    found = [Recording(st, labels.get(st, st), wav) for st, wav in rows if wav and (stage is None or st == stage)]
    if not found:
        what = f"the {stage} answer of debrief {sid}" if stage else f"debrief {sid}"
        raise NotFoundError(
            f"There is no recorded audio for {what} (typed answers and --no-audio keep none); "
            f"see the words with `debrief show {sid}`."
        )
    return found


def joined_wav(recordings: list[Recording]) -> bytes:
    """One WAV (16 kHz mono 16-bit) with the answers one after another."""
    frames = []
    rate = 16_000
    for n, rec in enumerate(recordings):
        with wave.open(io.BytesIO(rec.wav)) as w:
            rate = w.getframerate()
            if n:
                frames.append(b"\0\0" * int(rate * GAP_SECONDS))
            frames.append(w.readframes(w.getnframes()))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(frames))
    return out.getvalue()
