#!/usr/bin/env python3
"""Short replies (a yes or no, a number) through pocketsphinx with the reply grammars.

    .venv/bin/python scripts/eval_short_replies.py                 # the product's settings
    .venv/bin/python scripts/eval_short_replies.py --topn 4 3      # side by side
    .venv/bin/python scripts/eval_short_replies.py -v              # every miss

Each reply is spoken by four flite voices (into a temp dir, at run time),
padded with quiet, and decoded by a fresh PocketsphinxRecognizer per voice
with the grammar the listener sets for that kind of reply (the rules' own
vocabulary: understanding/extract.reply_vocabulary). A reply is right when
the debrief takes what was heard as it would take what was said: the same
yes or no (extract.yes_no), the same rating (extract.extract(...).rating). --topn decodes the same audio with each
number of Gaussians per frame (speech_in/recognizer.TOPN), one after the other.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VOICES = ("slt", "kal16", "awb", "rms")
REPLIES = {
    "yesno": ["yes", "yeah", "no", "yep", "nope", "that's right", "no thank you", "yes please", "not at all"],
    "number": ["one", "two", "three", "four", "five", "three and a half", "four out of five", "a two",
               "two and a half", "five out of five"],
}  # fmt: skip


def speak(text: str, voice: str, folder: Path):
    """16 kHz mono samples of `text` in a flite voice, 0.3 s of quiet before and 0.5 s after."""
    import numpy as np

    raw = folder / f"{voice}-{text.replace(' ', '_')}.wav"
    subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(raw)], check=True)
    pcm = subprocess.run(
        ["sox", str(raw), "-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed", "-", "pad", "0.3", "0.5"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(pcm, dtype=np.int16)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topn", type=int, nargs="+", default=None, help="Gaussians per frame (default: the product's)")
    ap.add_argument("--voices", nargs="+", default=list(VOICES))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    from assistant.interfaces import AudioChunk
    from assistant.speech_in import recognizer as rec_module
    from assistant.understanding.extract import extract, reply_vocabulary, yes_no

    def meaning(kind: str, text: str):
        return yes_no(text) if kind == "yesno" else extract(text).rating

    with tempfile.TemporaryDirectory() as tmp:
        audio = {(v, kind, t): speak(t, v, Path(tmp)) for v in args.voices for kind, ts in REPLIES.items() for t in ts}
    for topn in args.topn or [rec_module.TOPN]:
        rec_module.TOPN = topn
        right = total = 0
        misses = []
        for voice in args.voices:
            rec = rec_module.PocketsphinxRecognizer()  # one speaker, one recogniser (as one debrief)
            for kind, texts in REPLIES.items():
                rec.set_grammar(reply_vocabulary(kind))
                for text in texts:
                    pcm = audio[(voice, kind, text)]
                    rec.reset()
                    for k in range(0, len(pcm), 800):  # 50 ms chunks, as the listener reads
                        rec.accept(AudioChunk(16000, 2, 1, pcm[k : k + 800].tobytes()))
                    heard = rec.finish().text
                    total += 1
                    ok = meaning(kind, heard) == meaning(kind, text)
                    right += ok
                    if not ok:
                        misses.append(f"{voice}: {text!r} heard as {heard!r}")
        print(f"topn {topn}: {right}/{total} short replies taken as said")
        if args.verbose:
            for m in misses:
                print("   ", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
