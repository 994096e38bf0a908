"""Review commands: looking back at stored debriefs (show, list, search).
Click glue only; the views are in review.py."""

from __future__ import annotations

import click

from .cli import cli, echo_json, load_prompts, note, open_store, parse_id


@cli.command()
@click.argument("id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Output one JSON document.")
def show(id, as_json):
    """Show a debrief: each stage's question, answer, rating and causes,
    the lessons and the summary. Without ID, the latest."""
    from .review import session_document, show_text

    script, _ = load_prompts()
    doc = session_document(open_store(), script, parse_id(id))
    echo_json(doc) if as_json else click.echo(show_text(doc))


@cli.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Output a JSON array.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most this many.")
def list_(as_json, limit):
    """List debriefs, newest first."""
    from .review import list_row, list_text

    rows = [list_row(s) for s in open_store().list_sessions(limit=limit)]
    if as_json:
        echo_json([{k: r[k] for k in ("id", "started_at", "company", "role", "status", "average_rating", "downhill")} for r in rows])
    elif rows:
        click.echo(list_text(rows))
    else:
        note("No debriefs yet; run `debrief start` to record one.")


@cli.command()
@click.argument("text", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Output a JSON array.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="At most this many hits.")
def search(text, as_json, limit):
    """Find answers containing all the given words (any form: "ramble"
    finds "rambled")."""
    hits = open_store().search(" ".join(text), limit=limit)
    if as_json:
        echo_json(hits)
        return
    if not hits:
        note("No answers match.")
    for h in hits:
        click.echo(f"{h['session_id']:>5}  {h['started_at'][:10]}  {h['stage']:10}  {h['answer']}")
