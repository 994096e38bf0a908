"""What people read: messages on stderr, results on stdout, ratings as shown.

Every human-readable line goes through here, so what a person said (or a
file held) is shown the same way everywhere. `clean` is the one sanitiser:
control characters (C0 but newline and tab, DEL, C1) and the bidirectional
overrides and isolates cannot reach a terminal or a Markdown file; they are
shown as visible escapes (`\\x1b`, `\\u202e`). Ordinary Unicode, other scripts
and emoji are kept as they are. `--json` output does not come through here:
JSON escapes what it must and stays exact.
"""

from __future__ import annotations

import math
import re

import click

# C0 controls but \t and \n, DEL, C1 controls; the bidi embeddings, overrides,
# isolates and marks; the line and paragraph separators (some terminals break
# lines on them).
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_RE = re.compile(f"[{_UNSAFE}]")
_UNSAFE_LINE_RE = re.compile(f"[{_UNSAFE}\t\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: object) -> str:
    """`text` made safe to print: newlines and tabs kept, every other control
    character and bidi override shown as a visible escape."""
    return _UNSAFE_RE.sub(_escape, str(text))


def one_line(text: object) -> str:
    """A field shown inside a line (an answer, a company name): like `clean`,
    and a newline or tab in it becomes a space, so it cannot start a line of
    its own."""
    return _UNSAFE_LINE_RE.sub(lambda m: " " if m.group() in "\t\n" else _escape(m), str(text))


def out(text: str, *, nl: bool = True) -> None:
    """A result, on stdout."""
    click.echo(clean(text), nl=nl)


def note(text: str) -> None:
    """A message for the person, on stderr."""
    click.echo(clean(text), err=True)


def rating_text(value: object) -> str:
    """A rating as said and shown: 4, 3.5, or - for none (or for anything that
    is not a finite number, so a damaged value never stops a view)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "-"
    return f"{value:g}"
