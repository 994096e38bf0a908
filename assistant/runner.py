"""Building the parts of a debrief and running it: the bridge between the
command line and the flow engine. Speech parts are imported only when used."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass

import click

from .errors import DebriefError
from .flow import Flow, Outcome
from .interfaces import Listener, Speaker
from .script import load_all
from .session import StoreRecorder, answers_from_rows
from .storage import Store


def out(text: str) -> None:
    click.echo(text)


def note(text: str) -> None:
    click.echo(text, err=True)


@dataclass
class Parts:
    speaker: Speaker
    listener: Listener
    keep_audio: bool = True
    engine: str | None = None
    demo: bool = False


def text_parts() -> Parts:
    from .textio import PrintSpeaker, TextListener

    try:
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    return Parts(PrintSpeaker(), TextListener(sys.stdin))


def run_flow(store: Store, session_id: int, parts: Parts, *, company: str | None,
             resume: bool = False) -> Outcome:
    script, phrases = load_all()
    answers = answers_from_rows(store.turns(session_id)) if resume else None
    recorder = StoreRecorder(store, session_id, keep_audio=parts.keep_audio)
    flow = Flow(
        script, phrases, parts.speaker, parts.listener, recorder,
        rng=random.Random(), company=company,
        show_summary=out, speak_summary=not _prints_to_terminal(parts.speaker),
    )
    if resume:
        note(f"Resuming debrief {session_id} at the first unanswered question.")
    try:
        outcome = flow.run(answers)
    except KeyboardInterrupt:
        note(f"\nStopped. Your answers so far are saved; continue with `debrief resume {session_id}`.")
        out(str(session_id))
        sys.exit(130)
    if outcome.status == "interrupted":
        why = "Stopped" if outcome.stopped else "Input ended"
        note(f"{why} before the end; saved as debrief {session_id}. "
             f"Continue with `debrief resume {session_id}`.")
    out(str(session_id))
    return outcome


def _prints_to_terminal(speaker: Speaker) -> bool:
    from .textio import PrintSpeaker

    return isinstance(speaker, PrintSpeaker)


RESUME_OFFER_HOURS = 12  # an unfinished debrief younger than this is offered on start


def start_debrief(*, text_mode: bool, company: str | None, role: str | None) -> None:
    load_all()  # a malformed prompts file is reported before anything starts
    store = Store.open()  # an unwritable data dir is reported before the first question
    if not text_mode:
        raise DebriefError("Voice mode is not available yet; use `debrief start --text`.")
    parts = text_parts()
    unfinished = recent_unfinished(store) if parts.listener.interactive else None
    if unfinished is not None and offer_resume(parts, unfinished):
        run_flow(store, unfinished["id"], parts, company=unfinished["company"], resume=True)
        return
    session_id = store.start_session(company=company, role=role, engine="text")
    run_flow(store, session_id, parts, company=company)


def resume_debrief(session_id: int | None, *, text_mode: bool) -> None:
    load_all()
    store = Store.open()
    session = store.session(session_id, status=None if session_id else "interrupted")
    if session["status"] == "complete":
        raise DebriefError(
            f"Debrief {session['id']} is already complete; see it with `debrief show {session['id']}`."
        )
    if not text_mode:
        raise DebriefError("Voice mode is not available yet; use `debrief resume --text`.")
    parts = text_parts()
    run_flow(store, session["id"], parts, company=session["company"], resume=True)


def recent_unfinished(store: Store) -> dict | None:
    from datetime import datetime, timedelta, timezone

    try:
        latest = store.session()
    except DebriefError:
        return None
    if latest["status"] != "interrupted" or latest["demo"]:
        return None
    started = datetime.fromisoformat(latest["started_at"].replace("Z", "+00:00"))
    if datetime.now(timezone.utc) - started > timedelta(hours=RESUME_OFFER_HOURS):
        return None
    if not store.turns(latest["id"]):
        return None
    return latest


def offer_resume(parts: Parts, session: dict) -> bool:
    from . import extract as rules

    _, phrases = load_all()
    parts.speaker.say(phrases.pick("resume_offer", random.Random()))
    heard = parts.listener.listen("yesno")
    return bool(heard and rules.yes_no(heard.text))


def speak_text(text: str) -> None:
    """Say a text aloud when a speaker is available; it has been printed already."""
    return None
