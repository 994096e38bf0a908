"""Commands that change the stored debriefs: edit, crumple, delete, import,
backup. Click glue only; the work is in review/ and storage/."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import click

from assistant.cli.common import confirm_replace, env, live_files, load_prompts, required_id, store_open
from assistant.console import note, one_line, out, rating_text
from assistant.errors import DebriefError


def _show(value) -> str:
    if value is None or isinstance(value, float):
        return rating_text(value)
    if isinstance(value, list):
        return ", ".join(one_line(v) for v in value) or "-"
    return one_line(value)


@click.command()
@click.argument("id")
@click.option(
    "--stage",
    required=True,
    help="The stage to fix (e.g. arrival, opening, experience, tough, closing, improve, nailed).",
)
@click.option("--rating", help="The right rating, 1 to 5 in half steps; wins over what the rules hear in the answer.")
@click.option("--answer", help="The right words for that stage; the rules run on them again.")
def edit(id, stage, rating, answer):
    """Correct one stage of a debrief the recogniser misheard: its rating,
    its answer, or both. The turning point and lessons are worked out again,
    the summary of a finished debrief is recomposed, and the change is kept
    in the edit history."""
    from assistant.review.corrections import edit as apply
    from assistant.review.corrections import parse_rating

    session_id = required_id(id)
    value = parse_rating(rating) if rating is not None else None
    script, phrases = load_prompts()
    with store_open() as store:
        result = apply(store, script, phrases, session_id, stage, rating=value, answer=answer)
    if not result["changes"]:
        note(f"Nothing changed in debrief {session_id}: {stage} already says that.")
        return
    for field, old, new in result["changes"]:
        out(f"{stage} {field}: {_show(old)} -> {_show(new)}")
    before, after = result["downhill"]
    if before != after:
        out(f"turning point: {_show(before)} -> {_show(after)}")
    if result["summary_recomposed"]:
        note(f"The summary of debrief {session_id} was composed again; see `debrief show {session_id}`.")


def interactive() -> bool:
    return sys.stdin.isatty()


def _confirm(action: str, session_id: int, yes: bool, what: str) -> None:
    if yes:
        return
    if not interactive():
        raise DebriefError(f"Not {action} debrief {session_id} without confirmation; add --yes to do it.")
    if not click.confirm(what, default=False, err=True):
        raise DebriefError(f"Left debrief {session_id} as it was.")


@click.command()
@click.argument("id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def crumple(id, yes):
    """Crumple it up: let go of the words and audio of a debrief, keeping its
    ratings, the improvement, the win, the turning point and the summary.
    The words cannot be recovered afterwards."""
    session_id = required_id(id)
    with store_open() as store:
        store.session(session_id)
        _confirm(
            "crumpling",
            session_id,
            yes,
            f"Let go of everything you said in debrief {session_id}, keeping only the lessons?",
        )
        store.crumple(session_id)
    note(f"Crumpled debrief {session_id}: the words are gone, the lessons stay. Now let it go.")


@click.command()
@click.argument("id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(id, yes):
    """Delete a debrief entirely: answers, audio, lessons, summary and its
    edit history. It cannot be recovered afterwards."""
    session_id = required_id(id)
    with store_open() as store:
        store.session(session_id)
        _confirm("deleting", session_id, yes, f"Delete debrief {session_id} and everything in it?")
        store.delete(session_id)
    note(f"Deleted debrief {session_id}.")


@click.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def import_(file):
    """Read back debriefs from `debrief export --format json` (FILE, or -
    for standard input). Every debrief is checked before anything is
    written, and the whole file is imported or none of it; debriefs already
    here (the same start time and content) are skipped."""
    from assistant.review.importer import load

    script, _ = load_prompts()
    try:
        raw = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115 - closed below
    except OSError as e:
        raise DebriefError(f"Cannot read {file} ({e.strerror}); check the path.") from None
    try:
        size = 0 if file == "-" else os.fstat(raw.fileno()).st_size
        show_bar = sys.stderr.isatty() and size > 1_000_000
        shown_on = sys.stderr if show_bar else io.StringIO()
        with click.progressbar(length=max(size, 1), label="Importing", file=shown_on) as bar:

            def progress(done: int) -> None:
                bar.update(min(done, size) - bar.pos)

            with store_open() as store:
                ids, skipped = load(store, raw, script, source=file, on_debrief=progress if show_bar else None)
    except OSError as e:
        raise DebriefError(f"Cannot read {file} ({e.strerror}); check the path.") from None
    finally:
        if raw is not sys.stdin.buffer:
            raw.close()
    if ids:
        out("\n".join(str(i) for i in ids))
    note(
        f"Imported {len(ids)} debrief{'s' if len(ids) != 1 else ''}"
        + (f"; {skipped} already here." if skipped else ".")
    )


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup(file, force):
    """Copy the database to FILE (private, mode 0600) while it may be in use;
    restore by putting the copy back as debrief.db in the data folder. The
    copy is made beside FILE and moved into place when complete."""
    from assistant.storage.backup import backup_to
    from assistant.storage.reader import connect

    confirm_replace(file, force)
    conn = connect(env().home)
    if conn is None:
        raise DebriefError("There is nothing to back up yet; run `debrief start` to record a debrief.")
    try:
        backup_to(conn, file, force=True, protected=live_files())
    finally:
        conn.close()
    note(f"Backed up to {file}.")
