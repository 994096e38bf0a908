"""Commands that look after the machine side: devices, download-model,
build-lm, doctor and path."""

from __future__ import annotations

import sys

import click

from assistant.cli.common import echo_json, env
from assistant.console import note, out


@click.command()
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
        out(f"{kind.capitalize()}:")
        if not found[kind]:
            out("  (none)")
        for d in found[kind]:
            mark = "*" if d.get("default") else " "
            out(f" {mark}{d['index']:>3}  {d['name']}  ({d['channels']} ch, {d['default_rate']:g} Hz)")


@click.command(name="download-model")
@click.option("--url", help="Download from this address instead (a zip of a Vosk model).")
def download_model(url):
    """Download the English Vosk model (vosk-model-small-en-us-0.15, about
    40 MB) into the data folder and check it. This is the only command that
    uses the network."""
    from assistant.settings import ensure_data_dir
    from assistant.speech_in.vosk_models import DEFAULT_URL
    from assistant.speech_in.vosk_models import download_model as fetch

    home = ensure_data_dir(env().home)
    with click.progressbar(length=0, label="Downloading", file=sys.stderr) as bar:

        def progress(done, total):
            if total and bar.length != total:
                bar.length = total
            bar.update(done - bar.pos)

        path = fetch(home, url=url or DEFAULT_URL, progress=progress)
    note(f"Model ready at {path}.")
    out(str(path))


@click.command(name="build-lm")
@click.option(
    "--to",
    "folder",
    type=click.Path(file_okay=False),
    help="Build into this folder instead of the data folder's models/ (scripts/setup.sh uses the checkout's models/).",
)
@click.option("--if-stale", is_flag=True, help="Build only when the model there is missing or out of date.")
def build_lm(folder, if_stale):
    """Build debrief's language model for the pocketsphinx engine: the
    general English model mixed with how people talk about an interview
    (prompts/lm_text.txt). Takes about half a minute and 1 GB of memory,
    once; pocketsphinx then hears answers and ratings better. Offline."""
    from pathlib import Path

    from assistant.settings import ensure_data_dir
    from assistant.speech_in.domain_lm import LM_NAME, build, is_current

    where = Path(folder).expanduser() if folder else ensure_data_dir(env().home) / "models"
    if if_stale and is_current(where / LM_NAME):
        note(f"The language model at {where / LM_NAME} is up to date.")
        out(str(where / LM_NAME))
        return
    note("Building the language model (about half a minute)...")
    built = build(where / LM_NAME)
    note(f"Language model ready at {built.path} ({built.lines} lines of text mixed in).")
    out(str(built.path))


@click.command()
def doctor():
    """Check that everything debrief needs is in place: speech engines and
    model, text-to-speech, audio devices, the data folder and the database.
    Each missing piece comes with the exact fix."""
    from assistant.run.doctor import run_checks

    ok = run_checks(out, env())
    if not ok:
        sys.exit(1)


@click.command()
@click.option("--db", "db_only", is_flag=True, help="Print only the database file.")
def path(db_only):
    """Print where the debriefs are kept: the data folder (set DEBRIEF_HOME
    to move it) and the database file in it."""
    from assistant.storage.connection import database_path

    home = env().home
    if db_only:
        out(str(database_path(home)))
        return
    out(f"data folder: {home}")
    out(f"database:    {database_path(home)}")
