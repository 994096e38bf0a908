#!/usr/bin/env python3
"""How many spoken ratings survive pocketsphinx, with and without the number pass.

    .venv/bin/python scripts/eval_speech_ratings.py                 # dev voices slt kal16 awb
    .venv/bin/python scripts/eval_speech_ratings.py --voices rms    # the held-out voice
    .venv/bin/python scripts/eval_speech_ratings.py -v              # every answer

Each answer of CORPUS is spoken with flite (into a temp dir, at run time),
decoded by the free pocketsphinx decoder and, on the same chunks, by the
number pass (assistant/rating_pass.py). The final rating is what the flow
uses (dialogue/answers.understand): a number in the transcript, else the number
pass, else a verdict word in the transcript. Printed per voice:
the rating accuracy before (transcript only) and after (with the pass), false
ratings on answers that hold no rating, and the decode time the pass adds.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("make_test_audio", ROOT / "scripts" / "make_test_audio.py")
mta = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mta)

DEV_VOICES = ("slt", "kal16", "awb")
HELD_OUT = ("rms",)

# (spoken answer, the rating it holds or None). Kinds in the comments.
CORPUS: list[tuple[str, float | None]] = [
    # number at the start
    ("two. there was a lot of traffic on the way", 2),
    ("four. the receptionist was really welcoming", 4),
    ("three. it started a bit slow", 3),
    ("five. they loved my portfolio", 5),
    ("one. i could not answer the first question", 1),
    ("two, i got lost looking for the building", 2),
    # number inside
    ("i would give it a four because the team was friendly", 4),
    ("i would say a two, the traffic was terrible", 2),
    ("maybe a four, we chatted about hiking", 4),
    ("honestly a three, they asked about my last job", 3),
    ("probably a five, the manager smiled the whole time", 5),
    ("i think a one, i forgot my notes at home", 1),
    ("let's say two, the interviewer seemed distracted", 2),
    # number at the end
    ("we talked about the budget so maybe a three", 3),
    ("they asked about databases and i would say a four", 4),
    ("the questions were hard, i'd give it a two", 2),
    ("it went smoothly overall, a five for me", 5),
    ("i was nervous the whole time, so a one", 1),
    ("i'd rate it a three", 3),
    # X out of five
    ("three out of five, the panel was quiet", 3),
    ("four out of five, i answered most of it", 4),
    ("i'd say two out of five", 2),
    ("honestly five out of five", 5),
    # X out of ten
    ("seven out of ten, it was mostly fine", 3.5),
    ("about eight out of ten", 4),
    ("four out of ten, the room was cold", 2),
    ("six out of ten i guess", 3),
    # halves
    ("three and a half, some parts went well", 3.5),
    ("four and a half, they offered me a second interview", 4.5),
    ("two and a half, i rambled a lot", 2.5),
    ("i would say three and a half", 3.5),
    # ranges
    ("two or three, i was a bit late", 2.5),
    ("three or four, the coding task was fair", 3.5),
    ("four or five, i really enjoyed it", 4.5),
    # words only
    ("it was rough, i got lost in the building", 2),
    ("it was a disaster from start to finish", 1),
    ("pretty good, the coffee was nice", None),  # filled in below from the rules
    ("it went really well", None),
    # no rating at all (counts, times, "to" and "for" everywhere)
    ("there were three people on the panel", None),
    ("they asked me about my last project", None),
    ("the interview started at ten in the morning", None),
    ("i met two engineers and the manager", None),
    ("we discussed the role and the salary", None),
    ("the office is on the fourth floor", None),
    ("i spoke with the recruiter for twenty minutes", None),
    ("they want me to prepare a short presentation", None),
    ("i need to practise my answers for next time", None),
    ("the hiring manager asked why i want to leave", None),
    ("we walked around the office and met the team", None),
    ("i have been working in sales for five years", None),
    ("the last question was about teamwork", None),
    ("i told them about my volunteer work", None),
    ("they said they would call me on monday", None),
    ("we talked about the team and the next steps", None),
]
WORD_ONLY = {"pretty good, the coffee was nice", "it went really well"}

# A second set with different sentences of the same kinds, kept apart from the
# tuning above: run it (--new) only to check a change, never to tune one.
CORPUS_NEW: list[tuple[str, float | None]] = [
    # number at the start
    ("three. the parking was easy to find", 3),
    ("one. they kept me waiting for an hour", 1),
    ("four. the lead engineer was very kind", 4),
    ("two. my laptop would not connect", 2),
    ("five. everything clicked from the start", 5),
    ("four, the questions were fair", 4),
    # number inside
    ("i'd give it a three since the pace was slow", 3),
    ("i think a five, we laughed a lot", 5),
    ("probably a two, i stumbled on the design task", 2),
    ("maybe a one, the call kept dropping", 1),
    ("honestly a four, i liked the people there", 4),
    ("i would say a three, the room was noisy", 3),
    ("let's say four, the director was friendly", 4),
    # number at the end
    ("the whiteboard part was tough so maybe a two", 2),
    ("we covered my resume and i would say a three", 3),
    ("they seemed pleased, i'd give it a four", 4),
    ("i was calm and clear, a five for me", 5),
    ("i mixed up my dates, so a two", 2),
    ("i'd rate it a four", 4),
    # X out of five
    ("two out of five, the manager was cold", 2),
    ("five out of five, best one so far", 5),
    ("i'd say four out of five", 4),
    ("honestly three out of five", 3),
    # X out of ten
    ("eight out of ten, it felt natural", 4),
    ("about six out of ten", 3),
    ("two out of ten, the whole thing was a mess", 1),
    ("nine out of ten i think", 4.5),
    # halves
    ("four and a half, the team was lovely", 4.5),
    ("one and a half, i was far too nervous", 1.5),
    ("three and a half, the test was okay", 3.5),
    ("i would say two and a half", 2.5),
    # ranges
    ("three or four, the drive was long", 3.5),
    ("one or two, nothing went right", 1.5),
    ("four or five, they were very welcoming", 4.5),
    # words only
    ("it was awful, the room was freezing", None),
    ("it was excellent from start to end", None),
    ("not bad, the snacks were good", None),
    ("it went pretty badly", None),
    # no rating at all
    ("there were four candidates in the lobby", None),
    ("they asked me about my old manager", None),
    ("the call started at nine in the morning", None),
    ("i met three developers and a designer", None),
    ("we talked about the benefits and the hours", None),
    ("the meeting room was on the second floor", None),
    ("i waited in reception for fifteen minutes", None),
    ("they want me to send two references", None),
    ("i need to read up on the product for the next round", None),
    ("the recruiter asked why i want to move", None),
    ("we looked at the lab and met the staff", None),
    ("i have worked in support for six years", None),
    ("the final question was about conflict", None),
    ("i told them about my side project", None),
    ("they said they would write to me on friday", None),
    ("we went over the schedule and the next stage", None),
]
WORD_ONLY |= {"it was awful, the room was freezing", "it was excellent from start to end",
              "not bad, the snacks were good", "it went pretty badly"}
NO_NUMBER_WORDS = ("it was rough", "it was a disaster", "it was awful", "it was excellent")


def expected(text: str, value: float | None) -> float | None:
    if text in WORD_ONLY:
        from assistant.understanding.extract import extract

        return extract(text, "arrival").rating
    return None if value is None else float(value)


def has_number(text: str, value) -> bool:
    return value is not None and text not in WORD_ONLY and not text.startswith(NO_NUMBER_WORDS)


def synth_all(voice: str, tmp: Path, corpus=None) -> list[bytes]:
    lead, trail = mta.silence(0.3), mta.silence(1.0)
    with ThreadPoolExecutor(4) as ex:
        return list(ex.map(lambda t: lead + mta.synth(t, voice) + trail, [t for t, _ in (corpus or CORPUS)]))


def chunks(pcm: bytes, seconds: float = 0.1):
    from assistant.interfaces import AudioChunk

    step = int(16000 * seconds) * 2
    for i in range(0, len(pcm), step):
        yield AudioChunk(16000, 2, 1, pcm[i:i + step])


def same(a, b) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 0.01)


def evaluate(voice: str, tmp: Path, rec, rp, verbose: bool = False) -> dict:
    from assistant.dialogue.answers import understand
    from assistant.dialogue.script import load_all
    from assistant.understanding.extract import extract

    arrival = load_all()[0].get("arrival")
    audio = synth_all(voice, tmp)
    stats = dict(n=0, before=0, after=0, rated=0, rated_before=0, rated_after=0, none=0,
                 false_before=0, false_after=0, broke=0, t_free=0.0, t_pass=0.0, t_tail=0.0, secs=0.0)
    for (text, value), pcm in zip(CORPUS, audio):
        want = expected(text, value)
        rec.reset()
        rec.set_grammar(None)
        rp.reset()
        tf = tp = 0.0
        for c in chunks(pcm):
            t0 = time.perf_counter()
            rec.accept(c)
            t1 = time.perf_counter()
            rp.accept(c)
            t2 = time.perf_counter()
            tf += t1 - t0
            tp += t2 - t1
        t0 = time.perf_counter()
        transcript = rec.finish().text
        t1 = time.perf_counter()
        heard = rp.finish()
        t2 = time.perf_counter()
        tf += t1 - t0
        tp += t2 - t1
        stats["t_tail"] = max(stats["t_tail"], t2 - t1)
        rules = extract(transcript, "arrival").rating
        final = understand(arrival, transcript, heard).rating  # as the flow reads it
        stats["n"] += 1
        stats["before"] += same(rules, want)
        stats["after"] += same(final, want)
        stats["secs"] += len(pcm) / 32000
        stats["t_free"] += tf
        stats["t_pass"] += tp
        if want is None:
            stats["none"] += 1
            stats["false_before"] += rules is not None
            stats["false_after"] += final is not None
        if has_number(text, value):
            stats["rated"] += 1
            stats["rated_before"] += same(rules, want)
            stats["rated_after"] += same(final, want)
        ok = "ok " if same(final, want) else "BAD"
        if verbose or not same(final, want):
            print(f"  {ok} want {want} rules {rules} pass {heard} | {text!r}\n"
                  f"        free: {transcript!r}\n        pass: {getattr(rp, 'text', '')!r}")
            if verbose > 1:
                print("        cands: " + ", ".join(f"{p}@{s}-{e}:{pr:.3f}" for p, s, e, pr in getattr(rp, "candidates", [])))
    return stats


def report(voice: str, s: dict) -> str:
    return (f"{voice:6s} ratings right: before {s['before']}/{s['n']} after {s['after']}/{s['n']} "
            f"(spoken numbers {s['rated_before']}/{s['rated']} -> {s['rated_after']}/{s['rated']}); "
            f"false ratings on no-rating answers: before {s['false_before']}/{s['none']} "
            f"after {s['false_after']}/{s['none']}; decode RTF free {s['t_free'] / s['secs']:.3f} "
            f"+ pass {s['t_pass'] / s['secs']:.3f}; slowest pass finish {s['t_tail'] * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--voices", nargs="+", default=list(DEV_VOICES))
    ap.add_argument("-v", "--verbose", action="count", default=0)
    ap.add_argument("--threshold", type=float, default=None, help="keyword threshold (default: the module's)")
    ap.add_argument("--min-prob", type=float, default=None)
    ap.add_argument("--new", action="store_true", help="the held-out sentences (CORPUS_NEW) instead of CORPUS")
    a = ap.parse_args(argv)
    if a.new:
        CORPUS[:] = CORPUS_NEW
    from assistant.speech_in.rating_pass import make_rating_pass
    from assistant.speech_in.recognizer import PocketsphinxRecognizer

    rec = PocketsphinxRecognizer()
    t = time.perf_counter()
    rp = make_rating_pass(rec)
    if a.threshold is not None or a.min_prob is not None:
        from assistant.speech_in.rating_pass import PocketsphinxRatingPass

        kw = {k: v for k, v in (("threshold", a.threshold), ("min_prob", a.min_prob)) if v is not None}
        rp = PocketsphinxRatingPass(rec, **kw)
    print(f"number pass load: {time.perf_counter() - t:.2f} s; {len(CORPUS)} answers per voice")
    lines = []
    total = {}
    with tempfile.TemporaryDirectory() as tmp:
        for v in a.voices:
            print(f"[{v}]")
            s = evaluate(v, Path(tmp), rec, rp, a.verbose)
            lines.append(report(v, s))
            for k, x in s.items():
                total[k] = total.get(k, 0) + x
            print(lines[-1])
    print("\n".join(lines))
    if len(a.voices) > 1:
        total["t_tail"] /= len(a.voices)
        print(report("all", total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
