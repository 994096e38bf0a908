"""`debrief start` offers to resume a recent unfinished debrief, but only
when someone is there to answer (a terminal), never to a pipe."""

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import cli
from tests.support import TYPED_ANSWERS as ANSWERS

ROOT = Path(__file__).resolve().parent.parent


def start_piped(lines):
    return CliRunner().invoke(cli, ["start", "--text"], input="\n".join(lines) + "\n")


class Terminal:
    """`debrief start --text` on a pseudo-terminal, typed into like a person."""

    def __init__(self):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([sys.executable, "-m", "assistant", "start", "--text"],
                                     stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, close_fds=True)
        os.close(slave)
        self.seen = ""

    def expect(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {text!r} in:\n{self.seen}"
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096).decode(errors="replace")
                except OSError:
                    break

    def type(self, line):
        os.write(self.master, (line + "\n").encode())

    def finish(self, timeout=20):
        try:
            self.proc.wait(timeout=timeout)
        finally:
            os.close(self.master)
        return self.proc.returncode


def sessions():
    return json.loads(CliRunner().invoke(cli, ["list", "--json"]).stdout)


def test_interactive_start_offers_to_resume_and_continues(debrief_home):
    start_piped(ANSWERS[:2])
    first = sessions()[0]["id"]
    term = Terminal()
    term.expect("pick it up where you left off")
    term.type("yes")
    term.expect("Talking about your experience")  # the first unanswered question
    for answer in ANSWERS[2:]:
        term.type(answer)
    term.expect("crumple it up")
    term.type("no")
    assert term.finish() == 0, term.seen
    rows = sessions()
    assert len(rows) == 1 and rows[0]["id"] == first and rows[0]["status"] == "complete"
    doc = json.loads(CliRunner().invoke(cli, ["show", "--json"]).stdout)
    assert [s["answer"] for s in doc["stages"]][:2] == ANSWERS[:2]


def test_declining_starts_a_new_debrief(debrief_home):
    start_piped(ANSWERS[:2])
    term = Terminal()
    term.expect("pick it up where you left off")
    term.type("no")
    term.expect("getting there and waiting")
    term.type("stop")
    assert term.finish() == 0, term.seen
    assert [r["status"] for r in sessions()] == ["interrupted", "interrupted"]


def test_never_offered_to_a_pipe(debrief_home):
    start_piped(ANSWERS[:2])
    result = start_piped(ANSWERS)
    assert "left off" not in result.stderr
    rows = sessions()
    assert len(rows) == 2 and rows[0]["status"] == "complete"
