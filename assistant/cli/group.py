"""The `debrief` command line: click glue only. Results go to stdout,
messages to stderr; every error a person can cause is one sentence and a
non-zero exit."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import click

from assistant.errors import DebriefError


class DebriefGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DebriefError as e:
            raise click.ClickException(str(e)) from None
        except sqlite3.DatabaseError as e:  # a damaged database met by a query, not by Store.open
            from assistant.storage.reader import database_path
            from assistant.storage.store import storage_error

            raise click.ClickException(str(storage_error(e, database_path()))) from None


def echo_json(data) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def note(message: str) -> None:
    click.echo(message, err=True)


@click.group(cls=DebriefGroup)
@click.version_option(package_name="debrief")
def cli():
    """An offline voice assistant for the drive home after a job interview.

    It asks about each stage of the interview, listens, and speaks back a
    short, warm summary: what went well, one thing to work on, and a nudge
    to keep applying. Everything is kept in a local SQLite database.
    """


def open_store():
    from assistant.storage.store import Store

    return Store.open()


def load_prompts():
    from assistant.dialogue.script import load_all

    return load_all()


def parse_id(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise DebriefError(f"'{value}' is not a debrief id; ids are numbers, see `debrief list`.") from None


def voice_options(func):
    """The options every spoken debrief takes; they override config.toml."""
    options = [
        click.option("--input", "input_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="Take the spoken answers from a recording (one answer per question) instead of the microphone."),
        click.option("--engine", type=click.Choice(["vosk", "pocketsphinx"]),
                     help="Speech recogniser (default: Vosk when a model is found, else pocketsphinx)."),
        click.option("--model", help="Path to a Vosk model folder."),
        click.option("--input-device", help="Microphone, by index or part of its name (see `debrief devices`)."),
        click.option("--output-device", help="Speaker, by index or part of its name."),
        click.option("--voice", help="Text-to-speech voice, by id or part of its name."),
        click.option("--rate", type=click.IntRange(50, 500), help="Speaking rate in words per minute."),
        click.option("--silence", type=click.FloatRange(0.2, 10), help="Seconds of silence that end an answer (default 1.0)."),
        click.option("--no-speak", is_flag=True, help="Print the questions instead of speaking them."),
        click.option("--speak-to", type=click.Path(dir_okay=False, path_type=Path),
                     help="Also write everything said into this WAV file."),
        click.option("--no-audio", is_flag=True, help="Do not keep the audio of your answers."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_mode(text_mode=False, input_file=None, engine=None, model=None, input_device=None,
              output_device=None, voice=None, rate=None, silence=None, no_speak=False,
              speak_to=None, no_audio=False, demo=False):
    from assistant.run.runner import Mode

    if text_mode and input_file:
        raise DebriefError("Use either --text or --input FILE, not both.")
    options = dict(engine=engine, model=model, input_device=input_device,
                   output_device=output_device, voice=voice, rate=rate, silence=silence)
    return Mode(text=text_mode, input_file=input_file, speak=not no_speak, speak_to=speak_to,
                keep_audio=not no_audio, demo=demo, options=options)


@cli.command()
@click.option("--text", "text_mode", is_flag=True, help="Type the answers instead of speaking them (one line each).")
@click.option("--company", help="Who the interview was with.")
@click.option("--role", help="The role you interviewed for.")
@voice_options
def start(text_mode, company, role, **voice):
    """Start a debrief of the interview you just had.

    It asks about each stage, listens to your answer, and ends with a short
    spoken summary. Say (or type) repeat, skip, back, help or stop at any
    question. With --text, answers are typed, one line per question; piped
    input and --input recordings give exactly one answer per question, with
    no follow-ups, and an empty answer skips. The last line printed is the
    saved debrief's id.
    """
    from assistant.run.runner import start_debrief

    start_debrief(make_mode(text_mode, **voice), company=company, role=role)


@cli.command()
@click.argument("id", required=False)
@click.option("--text", "text_mode", is_flag=True, help="Type the remaining answers.")
@voice_options
def resume(id, text_mode, **voice):
    """Continue an interrupted debrief at its first unanswered question.
    Without ID, the latest interrupted one."""
    from assistant.run.runner import resume_debrief

    resume_debrief(parse_id(id), make_mode(text_mode, **voice))


@cli.command()
@click.option("--engine", type=click.Choice(["vosk", "pocketsphinx"]), help="Speech recogniser to use.")
@click.option("--model", help="Path to a Vosk model folder.")
@click.option("--no-speak", is_flag=True, help="Print the questions instead of speaking them.")
@click.option("--speak-to", type=click.Path(dir_okay=False, path_type=Path), help="Also write everything said into this WAV file.")
def demo(engine, model, no_speak, speak_to):
    """Hear the whole voice loop on a recording of answers that ships with
    debrief: the questions are spoken (when there is a speaker), each answer
    is transcribed and rated, and the summary is spoken. Demo debriefs are
    marked as such and never count in trends."""
    from assistant.run.runner import demo_recording, start_debrief

    mode = make_mode(input_file=demo_recording(), engine=engine, model=model,
                     no_speak=no_speak, speak_to=speak_to, demo=True)
    start_debrief(mode, company="Demo Corp", role="demo")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Output one JSON document.")
def devices(as_json):
    """List the audio input and output devices (for --input-device and
    --output-device)."""
    from assistant.audio.devices import list_devices

    found = list_devices()
    if as_json:
        echo_json(found)
        return
    for kind in ("inputs", "outputs"):
        click.echo(f"{kind.capitalize()}:")
        if not found[kind]:
            click.echo("  (none)")
        for d in found[kind]:
            mark = "*" if d.get("default") else " "
            click.echo(f" {mark}{d['index']:>3}  {d['name']}  ({d['channels']} ch, {d['default_rate']:g} Hz)")


@cli.command(name="download-model")
@click.option("--url", help="Download from this address instead (a zip of a Vosk model).")
def download_model(url):
    """Download the English Vosk model (vosk-model-small-en-us-0.15, about
    40 MB) into the data folder and check it. This is the only command that
    uses the network."""
    from assistant.speech_in.vosk_models import DEFAULT_URL, download_model as fetch
    from assistant.settings import ensure_data_dir

    home = ensure_data_dir()
    with click.progressbar(length=0, label="Downloading", file=sys.stderr) as bar:
        def progress(done, total):
            if total and bar.length != total:
                bar.length = total
            bar.update(done - bar.pos)

        path = fetch(home, url=url or DEFAULT_URL, progress=progress)
    note(f"Model ready at {path}.")
    click.echo(str(path))


@cli.command()
def doctor():
    """Check that everything debrief needs is in place: speech engines and
    model, text-to-speech, audio devices, the data folder and the database.
    Each missing piece comes with the exact fix."""
    from assistant.run.doctor import run_checks

    ok = run_checks(click.echo)
    if not ok:
        sys.exit(1)


@cli.command()
@click.argument("id", required=False)
@click.option("--print", "print_only", is_flag=True, help="Print the summary instead of speaking it.")
def replay(id, print_only):
    """Say the summary of a past debrief again. Without ID, the latest."""
    store = open_store()
    s = store.session(parse_id(id))
    if not s["summary"]:
        raise DebriefError(
            f"Debrief {s['id']} has no summary yet because it was not finished; "
            f"finish it with `debrief resume {s['id']}`."
        )
    click.echo(s["summary"])
    if not print_only:
        from assistant.run.runner import speak_text

        speak_text(s["summary"])


@cli.command()
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
    if stage is not None:
        script, _ = load_prompts()
        if stage not in script.ids():
            raise DebriefError(f"Unknown stage '{stage}'; use one of: {', '.join(script.ids())}.")
    found = run_rules(words, stage).as_dict()
    if as_json:
        echo_json(found)
        return
    for key in ("rating", "improve", "nailed"):
        click.echo(f"{key}: {found[key] if found[key] is not None else '-'}")
    click.echo(f"causes: {', '.join(found['causes']) or '-'}")



from assistant.cli import review as cli_review  # noqa: E402,F401  (review commands register themselves on `cli`)
