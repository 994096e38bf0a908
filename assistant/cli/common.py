"""What every command shares: the group that turns errors into one clean
sentence, the options of a spoken debrief, ids, and opening the data."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from assistant.console import clean, one_line
from assistant.errors import DebriefError, NotFoundError
from assistant.settings import RATE_RANGE, SILENCE_RANGE, Environment, Settings, environment

MAX_ID = 2**63 - 1  # SQLite's largest integer
_ID = re.compile(r"[0-9]+", re.ASCII)


class DebriefGroup(click.Group):
    """A click group whose commands end with one sentence, not a traceback,
    for anything a person can cause."""

    def invoke(self, ctx: click.Context):
        refuse_live_outputs(ctx)
        try:
            return super().invoke(ctx)
        except DebriefError as e:
            raise click.ClickException(clean(str(e))) from None
        except sqlite3.DatabaseError as e:  # a damaged database met by a query, not by Store.open
            from assistant.storage.connection import database_path, storage_error

            raise click.ClickException(clean(str(storage_error(e, database_path(env().home))))) from None
        except RecursionError:  # anything nested past Python's limit that slipped past a check
            raise click.ClickException("That input is nested too deeply to read; give a flatter file.") from None
        except click.ClickException as e:  # click's own messages quote what was typed
            e.message = clean(e.message)  # type: ignore[misc]  # Final in the stubs; a plain attribute
            raise


def _is_live_file(stream) -> bool:
    """Is this stream (redirected by the shell) the live database or a file beside it?"""
    import os
    import stat

    from assistant.files import database_files

    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False
    if not stat.S_ISREG(info.st_mode):
        return False
    for path in database_files(env().home):
        try:
            if os.path.samestat(info, os.stat(path)):
                return True
        except OSError:
            continue
    return False


def refuse_live_outputs(ctx: click.Context) -> None:
    """`debrief export >> debrief.db` would write into the database: refuse
    before anything is written (and say nothing when stderr is the database)."""
    if _is_live_file(sys.stderr):
        ctx.exit(1)
    if _is_live_file(sys.stdout):
        raise click.ClickException(
            "Standard output is debrief's own database; writing there would damage it, so send it to another file."
        )


def env() -> Environment:
    """The environment, read here at the edge and passed down."""
    return environment()


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def load_prompts():
    from assistant.dialogue.script import load_all

    return load_all()


def parse_id(value: str | None) -> int | None:
    """A debrief id from the command line; None when none was given."""
    return None if value is None else required_id(value)


def required_id(value: str) -> int:
    """A debrief id: ASCII digits only (int() would also take '١' for 1) and
    within SQLite's range."""
    if not _ID.fullmatch(value or ""):
        raise DebriefError(f"'{one_line(value)[:40]}' is not a debrief id; ids are numbers, see `debrief list`.")
    if len(value.lstrip("0")) > 19 or int(value) > MAX_ID:
        raise DebriefError(f"'{value[:40]}' is not a debrief id; ids are numbers up to {MAX_ID}, see `debrief list`.")
    return int(value)


def confirm_replace(path: Path, force: bool) -> None:
    """Before writing FILE: refuse the live database (and its -wal and -shm),
    links and anything that is not a regular file; an existing file is
    replaced with --force, or when the person says so at a terminal."""
    from assistant.files import check_target, database_files

    if not check_target(path, protected=database_files(env().home)) or force:
        return
    if sys.stdin.isatty() and sys.stderr.isatty():
        if click.confirm(clean(f"{path} already exists; replace it?"), default=False, err=True):
            return
        raise DebriefError(f"Left {path} as it was.")
    raise DebriefError(f"{path} already exists; choose another file or add --force to replace it.")


def live_files() -> list[Path]:
    from assistant.files import database_files

    return database_files(env().home)


@contextmanager
def store_open() -> Iterator[Any]:
    """The writable Store (sqlite-utils), closed afterwards."""
    from assistant.storage.store import Store

    store = Store.open(env().home)
    try:
        yield store
    finally:
        store.close()


def existing_db() -> sqlite3.Connection:
    """A read connection; a clear error when nothing is recorded yet."""
    conn = read_db()
    assert conn is not None  # read_db raises when it is required and missing
    return conn


def read_db(*, required: bool = True) -> sqlite3.Connection | None:
    """A read connection (the fast path), or None (or a clear error) when
    nothing is recorded yet."""
    from assistant.storage.reader import connect

    conn = connect(env().home)
    if conn is None and required:
        raise NotFoundError("There is no debrief yet; run `debrief start` to record one.")
    return conn


def voice_options(func):
    """The options every spoken debrief takes; they override config.toml."""
    options = [
        click.option(
            "--input",
            "input_file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Take the spoken answers from a recording (one answer per question) instead of the microphone.",
        ),
        click.option(
            "--as-live",
            is_flag=True,
            help="With --input: end each answer by the pause rules alone, as from a microphone "
            "(the recording is not looked at whole first).",
        ),
        click.option(
            "--engine",
            type=click.Choice(["vosk", "pocketsphinx"]),
            help="Speech recogniser (default: Vosk when a model is found, else pocketsphinx).",
        ),
        click.option("--model", help="Path to a Vosk model folder."),
        click.option("--input-device", help="Microphone, by index or part of its name (see `debrief devices`)."),
        click.option("--output-device", help="Speaker, by index or part of its name."),
        click.option("--voice", help="Text-to-speech voice, by id or part of its name."),
        click.option("--rate", type=click.IntRange(*RATE_RANGE), help="Speaking rate in words per minute."),
        click.option(
            "--silence",
            type=click.FloatRange(*SILENCE_RANGE),
            help=(
                "Seconds of quiet that end a finished answer once you are heard to talk in one go "
                f"(default {Settings().silence:g})."
            ),
        ),
        click.option("--no-speak", is_flag=True, help="Print the questions instead of speaking them."),
        click.option(
            "--speak-to",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Also write everything said into this WAV file (private, mode 0600).",
        ),
        click.option("--force", is_flag=True, help="Replace the --speak-to file if it already exists."),
        click.option("--no-audio", is_flag=True, help="Do not keep the audio of your answers."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_mode(
    text_mode=False,
    input_file=None,
    as_live=False,
    engine=None,
    model=None,
    input_device=None,
    output_device=None,
    voice=None,
    rate=None,
    silence=None,
    no_speak=False,
    speak_to=None,
    force=False,
    no_audio=False,
    demo=False,
):
    from assistant.run.parts import VoiceOptions
    from assistant.run.runner import Mode

    if text_mode and input_file:
        raise DebriefError("Use either --text or --input FILE, not both.")
    if as_live and not input_file:
        raise DebriefError("--as-live reads a recording as if it were live; give the recording with --input FILE.")
    if speak_to is not None:
        confirm_replace(speak_to, force)
    options = dict(
        engine=engine,
        model=model,
        input_device=input_device,
        output_device=output_device,
        voice=voice,
        rate=rate,
        silence=silence,
    )
    spoken = VoiceOptions(
        input_file=input_file, plan=not as_live, speak=not no_speak, speak_to=speak_to, keep_audio=not no_audio
    )
    return Mode(text=text_mode, voice=spoken, demo=demo, options=options)
