"""Review commands: looking back at stored debriefs (show, list, search,
trends, export). Click glue only; the views are in review/. They read
through storage/reader.py (plain sqlite3) so they start fast and never create
a database; the commands that change data are in manage.py."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import click

from assistant.cli.common import confirm_replace, echo_json, existing_db, live_files, load_prompts, parse_id, read_db
from assistant.console import clean, note, out


@click.command()
@click.argument("id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Output one JSON document.")
def show(id, as_json):
    """Show a debrief: each stage's question, answer, rating and causes,
    the lessons and the summary. Without ID, the latest."""
    from assistant.review.views import session_document, show_text

    session_id = parse_id(id)
    script, _ = load_prompts()
    doc = session_document(read_db(), script, session_id)
    echo_json(doc) if as_json else out(show_text(doc))


@click.command(name="list")
@click.option("--company", help="Only interviews with this company (any part of the name, any case).")
@click.option("--since", help="Only debriefs since a date (YYYY-MM-DD) or a span back from today (7d, 2w).")
@click.option(
    "--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Show at most this many; 0 shows all."
)
@click.option("--all", "show_all", is_flag=True, help="Show every debrief (same as --limit 0).")
@click.option("--json", "as_json", is_flag=True, help="Output a JSON array.")
def list_(company, since, limit, show_all, as_json):
    """List debriefs, newest first: date, company, role, average rating,
    where it turned, and status. Shows the 20 newest unless --limit or --all."""
    from assistant.review.views import LIST_JSON_KEYS, list_row, list_text, parse_since
    from assistant.storage.reader import list_sessions

    since_at = parse_since(since) if since else None
    limit = 0 if show_all else limit
    conn = read_db(required=False)
    found = list_sessions(conn, limit=limit + 1 if limit else None, company=company, since=since_at) if conn else []
    more = bool(limit) and len(found) > limit
    rows = [list_row(s) for s in found[: limit or None]]
    if as_json:
        echo_json([{k: r[k] for k in LIST_JSON_KEYS} for r in rows])
    elif rows:
        out(list_text(rows))
        if more:
            note(f"Showing the {limit} newest; use --limit 0 (or --all) to see every one.")
    elif conn is None:
        note("No debriefs yet; run `debrief start` to record one.")
    else:
        note("No debriefs match.")


@click.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Output a JSON array.")
@click.option(
    "--limit", type=click.IntRange(min=1), default=100, show_default=True, help="At most this many hits, the newest."
)
def search(text, as_json, limit):
    """Find answers containing all the given words (any form: "ramble"
    finds "rambled"), newest first."""
    from assistant.storage.reader import fts_query
    from assistant.storage.reader import search as run_search

    query = " ".join(text)
    fts_query(query)  # a query with no words is an error even before anything is recorded
    conn = read_db(required=False)
    hits = run_search(conn, query, limit=limit) if conn else []
    if as_json:
        echo_json(hits)
        return
    if not hits:
        note("No answers match.")
        return
    from assistant.review.views import search_text

    out(search_text(hits))


@click.command()
@click.option(
    "--last", type=click.IntRange(min=1), default=5, show_default=True, help="How many recent debriefs to look at."
)
@click.option("--json", "as_json", is_flag=True, help="Output one JSON document.")
def trends(last, as_json):
    """How each stage has felt over your recent debriefs: a chart of the
    average rating per stage and its direction, what is improving, what
    keeps going wrong, and when an interview coach could help. Demo
    debriefs never count; interrupted ones count with the ratings they have."""
    import shutil

    from assistant.review.history import trends as build
    from assistant.review.history import trends_text

    script, phrases = load_prompts()
    conn = read_db(required=False)
    if conn is None:
        doc = {
            "last": last,
            "debriefs": [],
            "stages": [],
            "improving": [],
            "going_wrong": [],
            "coach": {"patterns": [], "suggestion": None},
        }
    else:
        doc = build(conn, script, phrases, last)
    if as_json:
        echo_json(doc)
    elif not doc["debriefs"]:
        note("No debriefs with ratings yet; trends appear after your first `debrief start`.")
    else:
        out(trends_text(doc, shutil.get_terminal_size((80, 24)).columns))


@click.command()
@click.argument("ids", nargs=-1)
@click.option("--all", "export_all", is_flag=True, help="Export every debrief, oldest first.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="A journal entry to read, or JSON that `debrief import` reads back.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (private, mode 0600) instead of standard output.",
)
@click.option("--force", is_flag=True, help="Replace the --output file if it already exists.")
def export(ids, export_all, fmt, output, force):
    """Export debriefs as Markdown (a journal entry per debrief) or JSON
    (everything but the audio). Without IDs or --all, the latest. The file
    is written beside FILE and moved into place when complete."""
    from assistant.files import write_text
    from assistant.review import export as ex
    from assistant.storage.reader import count_sessions

    if ids and export_all:
        raise click.UsageError("Give debrief ids or --all, not both.")
    wanted = [parse_id(i) for i in ids]
    if output:
        confirm_replace(output, force)
    script, _ = load_prompts()
    conn = read_db()
    assert conn is not None  # read_db raises when there is nothing yet
    chosen = ex.wanted_ids(conn, None if export_all else (wanted or [None]))
    total = count_sessions(conn) if export_all else len(wanted or [None])
    show_bar = sys.stderr.isatty() and (output is not None or not sys.stdout.isatty()) and total > 100
    with click.progressbar(length=total, label="Exporting", file=sys.stderr if show_bar else io.StringIO()) as bar:
        docs = _counted(ex.iter_documents(conn, chosen), bar)
        if fmt == "json":
            chunks = ex.json_chunks(docs)
        else:
            chunks = (clean(chunk) for chunk in ex.markdown_chunks(docs, script))
        if output:
            write_text(output, chunks, protected=live_files())
        else:
            for chunk in chunks:
                click.echo(chunk, nl=False)
    if output:
        note(f"Exported {bar.pos} debrief{'s' if bar.pos != 1 else ''} to {output}.")


def _counted(docs, bar):
    for doc in docs:
        yield doc
        bar.update(1)


@click.command()
@click.argument("id", required=False)
@click.option("--stage", help="Only this stage's answer (e.g. arrival, tough, improve).")
@click.option(
    "--to",
    "to_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the audio to this WAV file (created private, mode 0600) instead of playing it.",
)
@click.option("--force", is_flag=True, help="Replace the --to file if it exists.")
@click.option("--output-device", help="Speaker, by index or part of its name.")
def listen(id, stage, to_file, force, output_device):
    """Hear what you said: play (or write to a WAV file) the recorded audio of
    a debrief's answers, so a misheard answer can be checked and put right
    with `debrief edit`. Without ID, the latest."""
    from assistant.review.recordings import answer_audio, joined_wav

    script, _ = load_prompts()
    if to_file is not None:
        confirm_replace(to_file, force)
    recordings = answer_audio(existing_db(), script, parse_id(id), stage)
    data = joined_wav(recordings)
    if to_file is not None:
        from assistant.files import write_bytes

        write_bytes(to_file, data, protected=live_files())
        note(f"Wrote {len(recordings)} answer{'s' if len(recordings) != 1 else ''} to {to_file}.")
        return
    from assistant.speech_out.player import play_wav

    for rec in recordings:
        note(f"Playing: {rec.label}.")
        play_wav(rec.wav, output_device)
