#!/usr/bin/env python3
"""Run the labelled corpus through assistant.extract and report per-field figures.

    python scripts/eval_rules.py [--corpus PATH] [--json] [--check]

--check exits 1 when a figure is under its floor (see FLOORS).
"non-answers" is the share of improve/nailed answers labelled with no lesson
(a null phrase: "nothing really", "i don't know") that give none.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant.dialogue.script import load_all  # noqa: E402
from assistant.understanding.extract import CAUSES, extract  # noqa: E402

DEFAULT_CORPUS = ROOT / "tests" / "data" / "corpus.jsonl"
# figure -> (floor, higher is better)
FLOORS = {
    "rating_accuracy": (0.97, True),
    "no_rating": (0.95, True),
    "cause_recall": (0.95, True),
    "cause_precision": (0.90, True),
    "phrase_accuracy": (0.90, True),
    "non_answers": (0.95, True),
    "median_ms": (5.0, False),
}


def load_corpus(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{n}: not valid JSON ({e})")
    return rows


def _phrase_ok(got: str | None, want: str | None, keys: list[str]) -> bool:
    if want is None:
        return got is None
    if got is None:
        return False
    words = got.lower()
    return all(k.lower() in words for k in (keys or want.split()))


def evaluate(rows: list[dict]) -> dict:
    rated_ok = rated_n = null_ok = null_n = 0
    phrase_ok = phrase_n = 0
    quiet_ok = quiet_n = 0  # improve/nailed answers labelled with no lesson (non-answers)
    tp = {c: 0 for c in CAUSES}
    fp = {c: 0 for c in CAUSES}
    fn = {c: 0 for c in CAUSES}
    times: list[float] = []
    misses: list[dict] = []
    kinds = {s.id: s.kind for s in load_all()[0].stages}
    for row in rows:
        stage, text = row.get("stage"), row["text"]
        t0 = time.perf_counter()
        got = extract(text, kinds.get(stage))
        times.append((time.perf_counter() - t0) * 1000)
        problems = []
        want = row.get("rating")
        if want is None:
            null_n += 1
            if got.rating is None:
                null_ok += 1
            else:
                problems.append(f"rating {got.rating} (want none)")
        else:
            rated_n += 1
            lo, hi = row.get("rating_min", want), row.get("rating_max", want)
            if got.rating is not None and lo <= got.rating <= hi:
                rated_ok += 1
            else:
                problems.append(f"rating {got.rating} (want {want}" + (f", {lo}-{hi})" if lo != hi else ")"))
        wanted = set(row.get("causes", []))
        for c in CAUSES:
            if c in got.causes and c in wanted:
                tp[c] += 1
            elif c in got.causes:
                fp[c] += 1
                problems.append(f"extra cause {c}")
            elif c in wanted:
                fn[c] += 1
                problems.append(f"missed cause {c}")
        own = kinds.get(stage)
        if own in ("improve", "nailed") and row.get(own) is None:
            quiet_n += 1
            if getattr(got, own) is None:
                quiet_ok += 1
        for field in ("improve", "nailed"):
            w, g = row.get(field), getattr(got, field)
            if w is None and g is None:
                continue
            phrase_n += 1
            if _phrase_ok(g, w, row.get(f"{field}_keys", [])):
                phrase_ok += 1
            else:
                problems.append(f"{field} {g!r} (want {w!r})")
        if problems:
            misses.append({"stage": stage, "text": text, "problems": problems})
    TP, FP, FN = sum(tp.values()), sum(fp.values()), sum(fn.values())
    times.sort()
    p99 = times[min(len(times) - 1, int(round(0.99 * (len(times) - 1))))] if times else 0.0
    per_tag = {
        c: {
            "precision": round(tp[c] / (tp[c] + fp[c]), 3) if tp[c] + fp[c] else 1.0,
            "recall": round(tp[c] / (tp[c] + fn[c]), 3) if tp[c] + fn[c] else 1.0,
            "labelled": tp[c] + fn[c],
        }
        for c in CAUSES
    }
    return {
        "answers": len(rows),
        "rating_accuracy": round(rated_ok / rated_n, 4) if rated_n else 1.0,
        "rated_answers": rated_n,
        "no_rating": round(null_ok / null_n, 4) if null_n else 1.0,
        "unrated_answers": null_n,
        "cause_precision": round(TP / (TP + FP), 4) if TP + FP else 1.0,
        "cause_recall": round(TP / (TP + FN), 4) if TP + FN else 1.0,
        "causes_per_tag": per_tag,
        "phrase_accuracy": round(phrase_ok / phrase_n, 4) if phrase_n else 1.0,
        "phrases_checked": phrase_n,
        "non_answers": round(quiet_ok / quiet_n, 4) if quiet_n else 1.0,
        "non_answers_checked": quiet_n,
        "median_ms": round(statistics.median(times), 3) if times else 0.0,
        "p99_ms": round(p99, 3),
        "misses": misses,
    }


def failures(figures: dict) -> list[str]:
    out = []
    for name, (floor, higher) in FLOORS.items():
        value = figures[name]
        if (higher and value < floor) or (not higher and value >= floor):
            out.append(f"{name} {value} {'<' if higher else '>='} {floor}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON document")
    ap.add_argument("--check", action="store_true", help="exit non-zero if a figure is under its floor")
    args = ap.parse_args(argv)
    rows = load_corpus(args.corpus)
    extract("warm up", "stage")
    figures = evaluate(rows)
    bad = failures(figures)
    if args.json:
        print(json.dumps({**figures, "failures": bad}, indent=2))
    else:
        print(f"answers            {figures['answers']}")
        print(f"rating accuracy    {figures['rating_accuracy']:.3f}  ({figures['rated_answers']} rated)")
        print(f"no rating          {figures['no_rating']:.3f}  ({figures['unrated_answers']} unrated)")
        print(f"cause precision    {figures['cause_precision']:.3f}")
        print(f"cause recall       {figures['cause_recall']:.3f}")
        for c, f in figures["causes_per_tag"].items():
            print(f"  {c:<12} P {f['precision']:.2f}  R {f['recall']:.2f}  ({f['labelled']} labelled)")
        print(f"phrase accuracy    {figures['phrase_accuracy']:.3f}  ({figures['phrases_checked']} checked)")
        print(f"non-answers        {figures['non_answers']:.3f}  ({figures['non_answers_checked']} giving no lesson)")
        print(f"time per answer    median {figures['median_ms']:.3f} ms, p99 {figures['p99_ms']:.3f} ms")
        if figures["misses"]:
            print(f"\nmisses ({len(figures['misses'])}):")
            for m in figures["misses"]:
                print(f"  [{m['stage']}] {m['text']}\n      -> {'; '.join(m['problems'])}")
        if bad:
            print("\nunder the floor: " + "; ".join(bad))
    return 1 if (args.check and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
