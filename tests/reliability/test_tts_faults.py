"""The text-to-speech engine failing, hanging or crashing (DEBRIEF_TTS_FAULT,
with --speak-to so the speaker is used with no sound card): the debrief
completes, every prompt is printed (once), and a hung engine costs at most
its timeout per prompt until the speaker gives up and prints."""

from __future__ import annotations

import subprocess
import threading
import time

import pytest

from rel_support import STAGES, child_env, debrief_cmd, fault, session, turns

QUESTIONS = [
    "getting there and waiting", "first impressions and small talk", "experience and examples",
    "toughest questions", "questions for them", "differently next time", "one thing you nailed",
]
TIMEOUT = 10.0  # TtsSpeaker's per-prompt timeout
FAILURES = 3  # prompts that may fail before the speaker prints instead


@pytest.mark.skipif(not __import__("shutil").which("espeak-ng"), reason="needs espeak-ng")
def test_tts_failing_hanging_or_crashing_never_stops_the_debrief(tmp_path, voice_audio):
    kinds = ["hang", "crash", "segv", "error"]
    procs = {}
    for kind in kinds:  # all at once: a hang is mostly waiting
        home = tmp_path / kind
        env = child_env(home, DEBRIEF_TTS_FAULT=kind)
        args = ["start", "--input", str(voice_audio.full), "--engine", "pocketsphinx", "--no-speak",
                "--speak-to", str(tmp_path / f"{kind}.wav")]
        procs[kind] = (time.monotonic(), subprocess.Popen(
            debrief_cmd() + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True))
    stamped: list[tuple[float, str]] = []  # the hung one's stderr, with times

    def pump(stream):
        for line in stream:
            stamped.append((time.monotonic(), line))

    reader = threading.Thread(target=pump, args=(procs["hang"][1].stderr,), daemon=True)
    reader.start()
    for kind in kinds:
        started, proc = procs[kind]
        if kind == "hang":
            proc.wait(timeout=FAILURES * 2 * TIMEOUT + 90)
            reader.join(timeout=10)
            out, err = proc.stdout.read(), "".join(line for _, line in stamped)
        else:
            out, err = proc.communicate(timeout=FAILURES * 2 * TIMEOUT + 90)
        fault()
        assert proc.returncode == 0, f"{kind}: {err[-2000:]}"
        assert "Traceback" not in err, kind
        sid = int(out.strip().splitlines()[-1])
        assert session(tmp_path / kind, sid)["status"] == "complete", kind
        assert [s for s, _ in turns(tmp_path / kind, sid)] == STAGES, kind
        for q in QUESTIONS:
            said = [line for line in err.splitlines() if q in line and line.rstrip().endswith("?")]
            assert len(said) == 1, f"{kind}: prompt {q!r} printed {len(said)} times:\n{err}"
        assert "prompts will be printed from now on" in err, kind
        if kind == "hang":
            # each hung prompt costs at most the timeout (plus a worker restart), never twice:
            # from the greeting to giving up, three timeouts and two restarts
            first = stamped[0][0]
            gave_up = next(t for t, line in stamped if "printed from now on" in line)
            assert gave_up - first < FAILURES * TIMEOUT + 8, f"a hung engine cost {gave_up - first:.0f} s"
