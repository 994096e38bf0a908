"""Commands that run a debrief or say one back: start, resume, demo,
replay, and extract (what the rules hear in one answer)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from assistant.cli.common import echo_json, env, existing_db, load_prompts, make_mode, parse_id, voice_options
from assistant.console import one_line, out
from assistant.errors import DebriefError


@click.command()
@click.option("--text", "text_mode", is_flag=True, help="Type the answers instead of speaking them (one line each).")
@click.option("--company", help="Who the interview was with.")
@click.option("--role", help="The role you interviewed for.")
@voice_options
def start(text_mode, company, role, **voice):
    """Start a debrief of the interview you just had.

    It asks about each stage, listens to your answer, and ends with a short
    spoken summary. Say (or type) repeat, skip, back, help or stop at any
    question, "hang on" for a moment to think, and "I wasn't finished" when
    it cut you off (what you say next goes with that answer). With --text,
    answers are typed, one line per question; piped input and --input
    recordings give exactly one answer per question, with
    no follow-ups, and an empty answer skips. The last line printed is the
    saved debrief's id.
    """
    from assistant.run.runner import start_debrief

    start_debrief(make_mode(text_mode, **voice), env(), company=company, role=role)


@click.command()
@click.argument("id", required=False)
@click.option("--text", "text_mode", is_flag=True, help="Type the remaining answers.")
@voice_options
def resume(id, text_mode, **voice):
    """Continue an interrupted debrief at its first unanswered question.
    Without ID, the latest interrupted one."""
    from assistant.run.runner import resume_debrief

    resume_debrief(parse_id(id), make_mode(text_mode, **voice), env())


@click.command()
@click.option("--engine", type=click.Choice(["vosk", "pocketsphinx"]), help="Speech recogniser to use.")
@click.option("--model", help="Path to a Vosk model folder.")
@click.option("--no-speak", is_flag=True, help="Print the questions instead of speaking them.")
@click.option(
    "--speak-to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write everything said into this WAV file (private, mode 0600).",
)
@click.option("--force", is_flag=True, help="Replace the --speak-to file if it already exists.")
def demo(engine, model, no_speak, speak_to, force):
    """Hear the whole voice loop on a recording of answers that ships with
    debrief: the questions are spoken (when there is a speaker), each answer
    is transcribed and rated, and the summary is spoken. Demo debriefs are
    marked as such and never count in trends."""
    from assistant.run.runner import demo_recording, start_debrief

    mode = make_mode(
        input_file=demo_recording(),
        engine=engine,
        model=model,
        no_speak=no_speak,
        speak_to=speak_to,
        force=force,
        demo=True,
    )
    start_debrief(mode, env(), company="Demo Corp", role="demo")


@click.command()
@click.argument("id", required=False)
@click.option("--print", "print_only", is_flag=True, help="Print the summary instead of speaking it.")
def replay(id, print_only):
    """Say the summary of a past debrief again. Without ID, the latest."""
    from assistant.storage.reader import session

    s = session(existing_db(), parse_id(id))
    if not s["summary"]:
        raise DebriefError(
            f"Debrief {s['id']} has no summary yet because it was not finished; "
            f"finish it with `debrief resume {s['id']}`."
        )
    out(s["summary"])
    if not print_only:
        from assistant.run.runner import speak_text

        speak_text(s["summary"], env())


@click.command()
@click.argument("text", nargs=-1)
@click.option("--stage", help="The stage the answer belongs to (e.g. arrival, tough, improve, nailed).")
@click.option("--json", "as_json", is_flag=True, help="Output one JSON document.")
def extract(text, stage, as_json):
    """Show what the rules understand in one answer: the rating, the
    improvement, the win and the causes. TEXT of - reads standard input."""
    from assistant.understanding.extract import extract as run_rules

    words = " ".join(text)
    if words == "-":
        words = sys.stdin.read()
    kind = None
    if stage is not None:
        script, _ = load_prompts()
        if stage not in script.ids():
            raise DebriefError(f"Unknown stage '{stage}'; use one of: {', '.join(script.ids())}.")
        kind = script.get(stage).kind
    found = run_rules(words, kind).as_dict()
    if as_json:
        echo_json(found)
        return
    for key in ("rating", "improve", "nailed"):
        out(f"{key}: {one_line(found[key]) if found[key] is not None else '-'}")
    out(f"causes: {', '.join(found['causes']) or '-'}")
