"""What people read: messages on stderr, results on stdout, ratings as shown.

Every human-readable line goes through here, so what a person said (or a
file held) is shown the same way everywhere.
"""

from __future__ import annotations

import click


def out(text: str) -> None:
    """A result, on stdout."""
    click.echo(text)


def note(text: str) -> None:
    """A message for the person, on stderr."""
    click.echo(text, err=True)


def rating_text(value: float | None) -> str:
    """A rating as said and shown: 4, 3.5, or - for none."""
    return "-" if value is None else f"{value:g}"
