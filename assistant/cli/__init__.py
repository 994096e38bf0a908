"""The `debrief` command line: click glue only, every command registered
here, explicitly. Results go to stdout, messages to stderr; every error a
person can cause is one sentence and a non-zero exit."""

from __future__ import annotations

import click

from assistant.cli import debrief, manage, review, system
from assistant.cli.common import DebriefGroup


@click.group(cls=DebriefGroup)
@click.version_option(package_name="debrief")
def cli():
    """An offline voice assistant for the drive home after a job interview.

    It asks about each stage of the interview, listens, and speaks back a
    short, warm summary: what went well, one thing to work on, and a nudge
    to keep applying. Everything is kept in a local SQLite database.
    """


COMMANDS = (
    debrief.start,
    debrief.resume,
    debrief.demo,
    debrief.replay,
    debrief.extract,
    review.show,
    review.list_,
    review.search,
    review.trends,
    review.export,
    review.listen,
    manage.edit,
    manage.crumple,
    manage.delete,
    manage.import_,
    manage.backup,
    system.devices,
    system.download_model,
    system.build_lm,
    system.doctor,
    system.path,
)
for command in COMMANDS:
    cli.add_command(command)

__all__ = ["cli"]
