"""The `debrief` command line: click glue only. Results go to stdout,
messages to stderr; every error a person can cause is one sentence and a
non-zero exit."""

from __future__ import annotations

import json
import sys

import click

from .errors import DebriefError


class DebriefGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DebriefError as e:
            raise click.ClickException(str(e)) from None


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
    from .storage import Store

    return Store.open()


def load_prompts():
    from .script import load_all

    return load_all()


def parse_id(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise DebriefError(f"'{value}' is not a debrief id; ids are numbers, see `debrief list`.") from None


@cli.command()
@click.option("--text", "text_mode", is_flag=True, help="Type the answers instead of speaking them (one line each).")
@click.option("--company", help="Who the interview was with.")
@click.option("--role", help="The role you interviewed for.")
def start(text_mode, company, role):
    """Start a debrief of the interview you just had.

    With --text, answers are typed, one line per question; piped input is
    read one line per question with no follow-ups, and an empty line skips.
    Say or type repeat, skip, back, help or stop at any question.
    """
    from .runner import start_debrief

    start_debrief(text_mode=text_mode, company=company, role=role)


@cli.command()
@click.argument("id", required=False)
@click.option("--text", "text_mode", is_flag=True, help="Type the remaining answers.")
def resume(id, text_mode):
    """Continue an interrupted debrief at its first unanswered question.
    Without ID, the latest interrupted one."""
    from .runner import resume_debrief

    resume_debrief(parse_id(id), text_mode=text_mode)


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
        from .runner import speak_text

        speak_text(s["summary"])


@cli.command()
@click.argument("text", nargs=-1)
@click.option("--stage", help="The stage the answer belongs to (e.g. arrival, tough, improve, nailed).")
@click.option("--json", "as_json", is_flag=True, help="Output one JSON document.")
def extract(text, stage, as_json):
    """Show what the rules understand in one answer: the rating, the
    improvement, the win and the causes. TEXT of - reads standard input."""
    from .extract import extract as run_rules

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


from . import cli_review  # noqa: E402  (review commands register themselves on `cli`)
