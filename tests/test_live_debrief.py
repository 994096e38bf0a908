"""A whole spoken debrief on the live microphone path: `debrief start`
listens on the default input (a PulseAudio virtual microphone), and the
answers are played into it with paplay as each question is asked."""

import json
import os
import queue
import subprocess
import sys
import threading
import time

import pytest

from tests.test_live_mic import play, virtual_mic  # noqa: F401  (fixture)

ANSWERS = {
    "getting there": "two out of five. there was a lot of traffic and i was late",
    "first impressions": "four out of five. the small talk was easy",
    "your experience": "three out of five. i could not think of a good example",
    "toughest": "two out of five. a technical question stumped me",
    "wrap-up": "four out of five. i asked about the team",
    "differently": "next time i should practise my examples",
    "nailed": "i nailed the story about the migration",
}
NUMBER = "four"
NO = "no"


@pytest.fixture
def spoken(tmp_path):
    files = {}
    for key, text in {**ANSWERS, "number": NUMBER, "no": NO}.items():
        path = tmp_path / f"{len(files)}.wav"
        subprocess.run(["flite", "-voice", "slt", "-t", text, "-o", str(path)], check=True, timeout=30)
        files[key] = path
    return files


def reader(stream, lines):
    for line in iter(stream.readline, ""):
        lines.put(line)
    lines.put(None)


def test_voice_debrief_through_the_virtual_microphone(virtual_mic, spoken, debrief_home):  # noqa: F811
    cmd = [sys.executable, "-m", "assistant", "start", "--no-speak", "--engine", "pocketsphinx"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=reader, args=(proc.stderr, lines), daemon=True).start()
    played, transcript = [], []
    deadline = time.monotonic() + 150
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=deadline - time.monotonic())
            except queue.Empty:
                break
            if line is None:
                break
            transcript.append(line)
            text = line.lower()
            key = None
            if "number from 1 to 5" in text or "scale of 1 to 5" in text:
                key = "number"
            elif "yes or no" in text:
                key = "no"
            else:
                key = next((k for k in ANSWERS if k in text and "?" in text), None)
            if key:
                time.sleep(0.3)  # the assistant has finished "speaking": the mic listens again
                play(spoken[key])
                played.append(key)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    log = "".join(transcript)
    assert proc.returncode == 0, log
    assert [k for k in played if k in ANSWERS] == list(ANSWERS), log
    session_id = out.strip().splitlines()[-1]
    doc = json.loads(subprocess.run([sys.executable, "-m", "assistant", "show", session_id, "--json"],
                                    capture_output=True, text=True, check=True).stdout)
    assert doc["status"] == "complete"
    stages = {s["id"]: s for s in doc["stages"]}
    assert all(stages[s]["answer"] for s in stages), doc["stages"]
    assert "traffic" in stages["arrival"]["answer"]
    assert "migration" in stages["nailed"]["answer"]
    rated = [stages[s]["rating"] for s in ("arrival", "opening", "experience", "tough", "closing")]
    assert sum(r is not None for r in rated) == 5  # from the answer or the number follow-up
    assert "late" in stages["arrival"]["causes"]
    said = {"getting there": 2, "first impressions": 4, "your experience": 3, "toughest": 2, "wrap-up": 4}
    assert rated == list(said.values()), log  # misheard numbers were confirmed or asked again
    assert doc["summary"], log
    # the summary says back only words that were said (a misheard lesson is stated, not quoted)
    for q in doc["quotes"] or []:
        assert q["said"] in " ".join(ANSWERS.values()), (q, log)
