"""Terminal injection: whatever a person typed or a file held (OSC title and
clipboard sequences, a screen clear, carriage returns, backspaces, C1
controls, bidi overrides) reaches no terminal and no Markdown file through
any human-readable command: it is shown as a visible escape. Ordinary
Unicode is kept, and `--json` stays exact."""

from __future__ import annotations

import json
import re
import sys

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from rel_support import escape_checked, synthetic_debrief

PAYLOADS = {
    "osc-title": "\x1b]0;pwned\x07",
    "osc-clipboard": "\x1b]52;c;cm0gLXJmIH4K\x1b\\",
    "clear-screen": "\x1b[2J\x1b[H",
    "carriage-return": "safe\rFAKE",
    "backspace": "abc\b\b\bxyz",
    "rlo": "\u202egnp.exe",
    "c1-csi": "\x9b2J",
    "bell-del": "\x07\x7f",
    "isolate": "\u2067hidden\u2069",
    "nul-vt-ff": "a\x00b\x0bc\x0cd",
    "line-separator": "a\u2028b",
}
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
FRIENDLY = "Zürich 東京 مرحبا 😀"  # ordinary Unicode is kept as it is


def invoke(*args, input=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        raise AssertionError("".join(traceback.format_exception(result.exception)))
    return result


def clean_output(label: str, text: str) -> None:
    found = UNSAFE.findall(text)
    assert not found, f"{label}: {[hex(ord(c)) for c in found]} reached the output: {text[:300]!r}"
    escape_checked()


def poisoned_export(payload: str) -> str:
    doc = synthetic_debrief(3)
    doc.update(id=1, company=f"Acme {payload} {FRIENDLY}", role=f"Engineer {payload}", improve=f"improve {payload}",
               nailed=f"nailed {payload}", summary=f"Summary {payload} with a\nsecond line")
    for t in doc["turns"]:
        t["answer"] = f"pipeline {payload} and more\nFAKE LINE"
        t["question"] = f"Question {payload}?"
    doc["edits"] = [{"stage": "tough", "field": "answer", "old_value": f"old {payload}",
                     "new_value": f"new {payload}", "edited_at": "2020-01-02T00:00:00.000000Z"}]
    return json.dumps({"format": "debrief-export", "version": 1, "debriefs": [doc]})


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_no_command_shows_an_escape_sequence(debrief_home, tmp_path, name):
    payload = PAYLOADS[name]
    assert invoke("import", "-", input=poisoned_export(payload)).exit_code == 0
    typed = [f"three, {payload} traffic", "four, fine", "two, no examples", "two, stumped", "four, ready",
             f"next time I should practise {payload} my examples", f"I nailed the {payload} migration story"]
    start = invoke("start", "--text", "--company", f"Globex {payload}", "--role", payload,
                   input="\n".join(typed) + "\n")
    assert start.exit_code == 0, start.stderr
    clean_output("start --text (prompts, the summary)", start.stdout + start.stderr)
    sid = start.stdout.split()[-1]
    # --json stays exact (checked before the commands below change anything)
    doc = json.loads(invoke("show", "1", "--json").stdout)
    assert doc["company"] == f"Acme {payload} {FRIENDLY}"
    assert doc["stages"][0]["answer"] == f"pipeline {payload} and more\nFAKE LINE"
    assert json.loads(invoke("list", "--json").stdout)[-1]["role"] == f"Engineer {payload}"
    assert any(h["answer"].startswith(f"pipeline {payload}")
               for h in json.loads(invoke("search", "pipeline", "--json").stdout))
    exported = json.loads(invoke("export", "1", "--format", "json").stdout)["debriefs"][0]
    assert exported["summary"] == f"Summary {payload} with a\nsecond line"
    assert exported["edits"][0]["old_value"] == f"old {payload}"
    out_md = tmp_path / "export.md"
    commands = [
        ["show"], ["show", "1"], ["show", sid], ["list"], ["list", "--company", payload], ["search", "pipeline"],
        ["search", "traffic"], ["replay", "1", "--print"], ["replay", sid, "--print"], ["trends"],
        ["export", "--all"], ["export", "1"], ["export", "--all", "-o", out_md, "--force"],
        ["edit", "1", "--stage", "arrival", "--answer", f"four, {payload} it went fine"],
        ["edit", sid, "--stage", "nailed", "--answer", f"I nailed {payload} the demo"],
        ["extract", f"four, next time I should {payload} prepare"], ["extract", "--stage", "nailed", f"I nailed {payload}"],
        ["crumple", sid, "--yes"], ["path"],
        # errors that quote what was typed
        ["show", payload], ["list", "--since", payload], ["edit", "1", "--stage", payload, "--rating", "3"],
        ["edit", "1", "--stage", "arrival", "--rating", payload], ["list", "--limit", payload],
        [payload], ["export", "--format", payload], ["search", payload],
    ]
    for args in commands:
        result = invoke(*args)
        clean_output(" ".join(map(repr, args)), result.stdout + result.stderr)
    clean_output("the Markdown file", out_md.read_text(encoding="utf-8"))
    shown = invoke("show", "1").stdout
    assert "\nFAKE LINE" not in shown, "a newline in an answer started a line of its own"
    assert FRIENDLY in shown, "ordinary Unicode was changed"


def test_import_errors_quoting_a_value_are_clean(debrief_home):
    for payload in PAYLOADS.values():
        doc = synthetic_debrief(1)
        doc["turns"][0]["stage"] = f"lunch {payload}"
        doc["status"] = "complete"
        result = invoke("import", "-", input=json.dumps({"format": "debrief-export", "version": 1,
                                                          "debriefs": [doc]}))
        assert result.exit_code == 1
        clean_output("import error", result.stderr)
        bad = json.dumps({"format": f"x{payload}", "version": payload, "debriefs": []})
        clean_output("import error", invoke("import", "-", input=bad).stderr)


def test_what_the_voice_heard_is_shown_clean(capsys, monkeypatch):
    from assistant.interfaces import Heard
    from assistant.run.parts import EchoListener, partial_printer
    from assistant.speech_out.speaker import PrintSpeaker

    class Scripted:
        interactive = True
        partial_heard = None

        def __init__(self, texts):
            self.texts = list(texts)

        def listen(self, kind="answer"):
            return Heard(self.texts.pop(0)) if self.texts else None

    listener = EchoListener(Scripted(PAYLOADS.values()))
    while listener.listen() is not None:
        pass
    PrintSpeaker().say(f"Hi. Let's do a quick debrief of your interview with {PAYLOADS['osc-title']}.")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    partial_printer(PAYLOADS["clear-screen"] + " partial")
    err = capsys.readouterr().err
    err = err.replace("\r\x1b[K", "")  # debrief's own line redraw
    clean_output("you said / prompts / partial text", err)
    assert err.count("you said:") == len(PAYLOADS)
