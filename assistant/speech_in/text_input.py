"""Typed debriefs: a Listener over lines of text (the speaker just prints).

Prompts go to stderr (they are conversation, not results), so stdout carries
only the summary and the saved id.
"""

from __future__ import annotations

import sys
from typing import IO

from assistant.interfaces import Heard


class TextListener:
    """One line of input per answer; None at end of input."""

    def __init__(
        self,
        stream: IO[str] | None = None,
        *,
        interactive: bool | None = None,
        echo: IO[str] | None = None,
        prompt: str = "> ",
    ):
        self.stream = stream or sys.stdin
        if interactive is None:
            isatty = getattr(self.stream, "isatty", None)
            interactive = bool(isatty and isatty())
        self.interactive = interactive
        self.echo = echo
        self.prompt = prompt
        self.partial_heard: Heard | None = None  # typing never loses half an answer

    def listen(self, kind: str = "answer") -> Heard | None:
        if self.interactive and self.prompt:
            print(self.prompt, end="", file=self.echo or sys.stderr, flush=True)
        line = self.stream.readline()
        if not line:
            return None
        return Heard(line.rstrip("\r\n"))
