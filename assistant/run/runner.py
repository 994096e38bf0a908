"""Building the parts of a debrief and running it: the bridge between the
command line and the flow engine. Speech parts are imported only when used."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from assistant.console import note, out, rating_text
from assistant.dialogue.answers import Answer, Outcome, answers_from_rows, rating_in_doubt
from assistant.dialogue.flow import Flow
from assistant.dialogue.script import Stage, load_all
from assistant.errors import DebriefError, DeviceLostError, StorageError
from assistant.interfaces import Heard, Listener, Microphone, Speaker
from assistant.run.parts import VoiceOptions
from assistant.run.recorder import StoreRecorder
from assistant.settings import Environment, Settings, load_settings
from assistant.storage.store import Store

RESUME_OFFER_HOURS = 12  # an unfinished debrief younger than this is offered on start


@dataclass(frozen=True)
class Mode:
    """A debrief as asked for on the command line: typed or spoken (and how),
    and the settings given there (they win over config.toml)."""

    text: bool = False
    voice: VoiceOptions = VoiceOptions()
    demo: bool = False
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Parts:
    speaker: Speaker
    listener: Listener
    keep_audio: bool = True
    engine: str = "text"
    closers: list[Speaker | Microphone] = field(default_factory=list)

    def close(self) -> None:
        """Let go of the speaker and microphone; one failing to close does not
        keep the others open (and the answers are saved already)."""
        closers, self.closers = self.closers, []
        for thing in closers:
            try:
                thing.close()
            except Exception as e:  # noqa: BLE001 - closing is best effort, but said
                note(f"Could not close {type(thing).__name__} cleanly ({e}).")


def text_parts() -> Parts:
    from assistant.speech_in.text_input import TextListener
    from assistant.speech_out.speaker import PrintSpeaker

    try:
        sys.stdin.reconfigure(errors="replace")  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        pass
    return Parts(PrintSpeaker(), TextListener(sys.stdin))


def build_parts(mode: Mode, env: Environment, settings: Settings) -> Parts:
    if mode.text:
        return text_parts()
    from assistant.run.parts import voice_parts

    speaker, listener, mic = voice_parts(settings, mode.voice, env)
    engine = settings.engine or "auto"
    return Parts(speaker, listener, mode.voice.keep_audio, engine, [speaker, mic])


def run_flow(store: Store, session_id: int, parts: Parts, *, company: str | None, resume: bool = False) -> Outcome:
    script, phrases = load_all()
    answers = answers_from_rows(store.turns(session_id)) if resume else None
    recorder = StoreRecorder(
        store, session_id, keep_audio=parts.keep_audio, on_saved=None if parts.engine == "text" else report_saved
    )
    from assistant.speech_out.speaker import PrintSpeaker

    flow = Flow(
        script,
        phrases,
        parts.speaker,
        parts.listener,
        recorder,
        rng=random.Random(),
        company=company,
        extra_lines=_extras(store, session_id),
        show_summary=out,
        speak_summary=not isinstance(parts.speaker, PrintSpeaker),
    )
    if resume:
        note(f"Resuming debrief {session_id} at the first unanswered question.")
    try:
        outcome = flow.run(answers)
    except KeyboardInterrupt:
        note(f"\nStopped. Your answers so far are saved; continue with `debrief resume {session_id}`.")
        out(str(session_id))
        sys.exit(130)
    except DeviceLostError as e:
        parts.close()
        note(str(e))
        if sys.stdin.isatty() and click.confirm("Continue by typing your answers?", default=True, err=True):
            return run_flow(store, session_id, text_parts(), company=company, resume=True)
        note(f"Continue later with `debrief resume {session_id}` (add --text to type).")
        out(str(session_id))
        sys.exit(1)
    except StorageError as e:  # the database stopped taking answers (locked, disk full)
        note(str(e))
        note(f"Your earlier answers are saved; once that is fixed, continue with `debrief resume {session_id}`.")
        out(str(session_id))
        sys.exit(1)
    finally:
        parts.close()
    if outcome.status == "interrupted":
        why = "Stopped" if outcome.stopped else "Input ended"
        note(f"{why} before the end; saved as debrief {session_id}. Continue with `debrief resume {session_id}`.")
    out(str(session_id))
    return outcome


def report_saved(stage: Stage, answer: Answer, heard: Heard | None) -> None:
    """One line per accepted spoken answer: what was kept, its rating and
    causes, and where in the audio it was heard (for a recording, the place
    to look when an answer went under the wrong question). A rating heard in
    doubt is marked "(unsure)": a live debrief checks it with a yes/no turn,
    and from a recording it is one to look at with `debrief show`."""
    unsure = " (unsure)" if rating_in_doubt(answer) else ""
    rating = "" if answer.rating is None else f", rating {rating_text(answer.rating)}{unsure}"
    causes = f", {', '.join(answer.causes)}" if answer.causes else ""
    kept = "skipped" if answer.text is None else "saved"
    at = f" at {clock(heard.start)}-{clock(heard.end)}" if heard is not None and heard.end > 0 else ""
    note(f"  [{kept}: {stage.id}{at}{rating}{causes}]")


def clock(seconds: float) -> str:
    """Seconds into the audio as m:ss.s."""
    minutes, rest = divmod(max(0.0, seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def _extras(store: Store, session_id: int):
    def extra_lines(answers):
        try:
            from assistant.review.history import summary_extras
        except ImportError:
            return []
        script, phrases = load_all()
        return summary_extras(store, script, phrases, session_id, answers, random.Random())

    return extra_lines


def prepare(mode: Mode, env: Environment) -> tuple[Store, Settings]:
    """Check everything a person could have got wrong before the first question;
    the settings are config.toml with the command line's options on top."""
    load_all()  # a malformed prompts file
    from assistant.understanding.extract import extract as run_rules

    run_rules("")  # a malformed rules.toml, before the first answer rather than after it
    if not mode.text:  # and the listener's word lists
        from assistant.speech_in.vocabulary import load_listening_words

        load_listening_words()
    store = Store.open(env.home)  # an unwritable or full data dir
    settings = load_settings(env.home).override(**mode.options)  # a malformed config file
    return store, settings


def start_debrief(mode: Mode, env: Environment, *, company: str | None, role: str | None) -> None:
    store, settings = prepare(mode, env)
    parts = build_parts(mode, env, settings)
    unfinished = recent_unfinished(store) if parts.listener.interactive and not mode.demo else None
    if unfinished is not None and offer_resume(parts, unfinished):
        run_flow(store, unfinished["id"], parts, company=unfinished["company"], resume=True)
        return
    session_id = store.start_session(company=company, role=role, demo=mode.demo, engine=parts.engine)
    run_flow(store, session_id, parts, company=company)


def resume_debrief(session_id: int | None, mode: Mode, env: Environment) -> None:
    store, settings = prepare(mode, env)
    session = store.session(session_id, status=None if session_id else "interrupted")
    if session["status"] == "complete":
        raise DebriefError(f"Debrief {session['id']} is already complete; see it with `debrief show {session['id']}`.")
    parts = build_parts(mode, env, settings)
    run_flow(store, session["id"], parts, company=session["company"], resume=True)


def recent_unfinished(store: Store) -> dict | None:
    try:
        latest = store.session()
    except DebriefError:
        return None
    if latest["status"] != "interrupted" or latest["demo"]:
        return None
    try:
        started = datetime.fromisoformat(str(latest["started_at"]).replace("Z", "+00:00"))
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        age = datetime.now(UTC) - started
    except (ValueError, OverflowError):  # a start time changed by hand: offer nothing rather than stop
        return None
    if not timedelta(0) <= age <= timedelta(hours=RESUME_OFFER_HOURS):
        return None
    if not store.turns(latest["id"]):
        return None
    return latest


def offer_resume(parts: Parts, session: dict) -> bool:
    from assistant.understanding import extract as rules

    _, phrases = load_all()
    parts.speaker.say(phrases.pick("resume_offer", random.Random()))
    heard = parts.listener.listen("yesno")
    return bool(heard and rules.yes_no(heard.text))


def speak_text(text: str, env: Environment) -> None:
    """Say a text aloud (it has been printed already); without a working
    speaker, say why on stderr."""
    from assistant.run.parts import make_speaker

    settings = load_settings(env.home)
    speaker = make_speaker(settings, VoiceOptions(show_prompts=False), env)
    try:
        speaker.say(text)
    finally:
        speaker.close()


def demo_recording() -> Path:
    """The recording of seven answers that ships with the package."""
    path = Path(__file__).resolve().parent.parent / "data" / "demo_answers.ogg"
    if not path.is_file():
        raise DebriefError(f"The demo recording is missing at {path}; reinstall debrief.")
    return path
