#!/usr/bin/env python3
"""Short replies (a yes or no, a number) through pocketsphinx with the reply grammars.

    .venv/bin/python scripts/eval_short_replies.py                 # the product's settings
    .venv/bin/python scripts/eval_short_replies.py --topn 4 3      # side by side
    .venv/bin/python scripts/eval_short_replies.py -v              # every miss

Each reply is spoken by four flite voices (scripts/make_test_audio.synth, at run time),
padded with quiet, and decoded by a fresh PocketsphinxRecognizer per voice
with the grammar the listener sets for that kind of reply (the rules' own
vocabulary and the follow-up commands: understanding/extract.reply_grammar).
A reply is right when the debrief takes what was heard as it would take what
was said: the same yes or no (extract.yes_no), the same rating
(extract.extract(...).rating), the same command (extract.command_word; a
command is said at both kinds of reply). --topn decodes the same audio with each
number of Gaussians per frame (speech_in/recognizer.TOPN), one after the other.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("make_test_audio", ROOT / "scripts" / "make_test_audio.py")
mta = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mta)

REPLIES = {
    "yesno": ["yes", "yeah", "no", "yep", "nope", "that's right", "no thank you", "yes please", "not at all"],
    "number": ["one", "two", "three", "four", "five", "three and a half", "four out of five", "a two",
               "two and a half", "five out of five"],
    "command": ["say that again", "pardon", "hang on", "one second", "skip it", "stop", "stop the debrief"],
}  # fmt: skip


def speak(text: str, voice: str) -> bytes:
    """16 kHz mono 16-bit PCM of `text` in a flite voice, 0.3 s of quiet before and 0.5 s after."""
    return mta.silence(0.3) + mta.synth(text, voice) + mta.silence(0.5)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--topn", type=int, nargs="+", default=None, help="Gaussians per frame (default: the product's)")
    ap.add_argument("--voices", nargs="+", default=list(mta.FLITE_VOICES))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)

    from assistant.interfaces import AudioChunk
    from assistant.speech_in import recognizer as rec_module
    from assistant.understanding.extract import command_word, extract, reply_grammar, yes_no

    def meaning(kind: str, text: str):
        if command_word(text) is not None or kind == "command":
            return command_word(text)
        return yes_no(text) if kind == "yesno" else extract(text).rating

    audio = {(v, kind, t): speak(t, v) for v in args.voices for kind, ts in REPLIES.items() for t in ts}
    for topn in args.topn or [rec_module.TOPN]:
        rec_module.TOPN = topn
        right = total = 0
        misses = []
        for voice in args.voices:
            rec = rec_module.PocketsphinxRecognizer()  # one speaker, one recogniser (as one debrief)
            for kind, texts in REPLIES.items():
                for grammar in ("yesno", "number") if kind == "command" else (kind,):
                    rec.set_grammar(reply_grammar(grammar))
                    for text in texts:
                        pcm = audio[(voice, kind, text)]
                        rec.reset()
                        for k in range(0, len(pcm), 1600):  # 50 ms chunks, as the listener reads
                            rec.accept(AudioChunk(16000, 2, 1, pcm[k : k + 1600]))
                        heard = rec.finish().text
                        total += 1
                        ok = meaning(kind, heard) == meaning(kind, text)
                        right += ok
                        if not ok:
                            misses.append(f"{voice}, {grammar}: {text!r} heard as {heard!r}")
        print(f"topn {topn}: {right}/{total} short replies taken as said")
        if args.verbose:
            for m in misses:
                print("   ", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
