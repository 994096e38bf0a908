"""The real CLI end to end: a 7-answer flite recording through
`debrief start --input answers.wav --engine pocketsphinx --no-speak`, then
`debrief show --json` and the audio table."""

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("make_test_audio", ROOT / "scripts" / "make_test_audio.py")
mta = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mta)
DEBRIEF = str(Path(sys.executable).with_name("debrief"))

ANSWERS = [  # (stage, spoken answer, rating or None, key words)
    ("arrival", "i would say a two, the traffic was terrible", 2, ["traffic"]),
    ("opening", "four. the interviewer asked about my last project", 4, ["project"]),
    ("experience", "three out of five, they asked about my experience", 3, ["experience"]),
    ("tough", "one. the technical question was very hard", 1, ["question"]),
    ("closing", "maybe a four, we talked about the team", 4, ["team"]),
    ("improve", "i should prepare better examples next time", None, ["examples"]),
    ("nailed", "i nailed the technical question", None, ["question"]),
]
# Measured: 2/5 (slt) and 1/5 (kal16) from the transcript alone; 3/5 and 3/5
# with the number pass wired into voice.voice_parts (VoiceListener(...,
# rating_pass=make_rating_pass(recognizer))). Needs that wiring to pass.
MIN_RATINGS_RIGHT = 3


def run(*args):
    return subprocess.run([DEBRIEF, *args], env=os.environ, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("voice", ["slt", "kal16"])
def test_cli_voice_debrief(tmp_path, debrief_home, voice):
    wav = mta.recording(tmp_path / "answers.wav", [a for _, a, _, _ in ANSWERS], voice=voice, gap=2.5)
    r = run("start", "--input", str(wav), "--engine", "pocketsphinx", "--no-speak")
    assert r.returncode == 0, r.stderr
    shown = run("show", "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert doc.get("status") == "complete", doc
    answers = doc["stages"]
    assert [a["id"] for a in answers] == [s for s, _, _, _ in ANSWERS]
    assert all(a.get("answer") for a in answers)
    right = 0
    for (stage, _, rating, keys), a in zip(ANSWERS, answers):
        text = a.get("answer") or ""
        assert any(k in text for k in keys), (stage, text)
        if rating is not None:
            got = a.get("rating")
            right += got is not None and abs(got - rating) <= 0.5
    print(f"\n{voice}: ratings right {right}/5: " + " | ".join(f"{a.get('rating')} {a.get('answer')}" for a in answers))
    assert right >= MIN_RATINGS_RIGHT
    dumped = json.dumps(doc)
    assert "examples" in dumped and "technical question" in dumped
    with sqlite3.connect(Path(debrief_home) / "debrief.db") as con:
        n_audio = con.execute("select count(*) from audio").fetchone()[0]
    assert n_audio == len(ANSWERS)
