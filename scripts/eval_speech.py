#!/usr/bin/env python3
"""Run spoken debriefs through the real product and score what it stored.

    .venv/bin/python scripts/eval_speech.py --recordings /work/speech_sets/dev \
        --debriefs dev.jsonl [--conditions clean,noise15] [--only d01,d02] \
        [--jobs 2] [--json] [--examples 10] [--details rows.jsonl] [--save runs.jsonl]
    .venv/bin/python scripts/eval_speech.py --load runs.jsonl --debriefs dev.jsonl   # score again, no runs

The recordings are made by scripts/make_speech_set.py (RECORDINGS/<condition>/<id>.flac
and a manifest.json per condition); the labels come from --debriefs (the same
JSON-lines file). For each recording, in a fresh temporary DEBRIEF_HOME:

    debrief start --input REC --engine pocketsphinx --no-speak    (last stdout line: the id)
    debrief show --json ID

and the stored stages are compared with the labels, stage by stage (the labelled
answer k goes with the stored stage of the same id; a stage the product did not
store counts as an empty transcript with no rating and no causes).

Figures per condition (each is one function below, `fig_*`):

ratings right     answers with a stated rating (label "rating" not null; a label
                  "rating_stated": false overrides) whose stored rating lies in
                  rating_min..rating_max (both default to "rating").
ratings invented  answers in a rated stage (arrival .. closing) whose label has no
                  stated rating but the product stored one.
wrong unchecked   answers in a rated stage stored with a wrong or invented rating
                  that a live debrief would not have checked: not marked "(unsure)"
                  on its "[saved: ...]" line, where one marked so is confirmed in a
                  yes/no turn and a missing one is asked for (of all rated-stage
                  answers). What reaches the person's history unasked.
filed right       a stage's stored transcript is filed under the right question when
                  it is not empty and the stretch of the recording it was taken from
                  (the "[saved: STAGE at M:SS-M:SS]" line) overlaps the speech of its
                  own answer (the manifest's times) strictly more than that of any
                  other answer of the recording: an answer cut in two is right for
                  the first half's stage and wrong for the next one, which holds the
                  rest. Where the times are not known, by words instead: its word
                  overlap with its own reference is strictly greater than with the
                  reference of any other answer of the same debrief (the Dice
                  coefficient of the two normalised word multisets, 2*|h & r| /
                  (|h| + |r|), counts clipped; a tie is not right). The words alone
                  misjudge short answers heard wrong ("four, easy." heard as "for the
                  sea"); --details keeps both ("filed_by_words").
WER               word error rate of each stage's transcript against its reference,
                  summed over answers (edits / reference words). Normalised on both
                  sides: lower case, punctuation removed (apostrophes inside words
                  kept, hyphens split), digits spelt as words ("25" -> "twenty five",
                  "3.5" -> "three point five"), a few British spellings mapped to the
                  US ones of the pocketsphinx dictionary (practise -> practice ...),
                  and the fillers um, uh, er, erm, ah, eh, ugh, hmm, mm DROPPED ON BOTH
                  SIDES: pocketsphinx models fillers as noise and never writes them,
                  so keeping them would charge every "um" as a deletion.
cause P / R       micro-averaged over all answers: a stored cause is right when the
                  label of the same answer has it.
RTF               wall time of `debrief start` (process start to exit, model load
                  included) / duration of the recording. The product stops reading
                  after the 7th answer, so a recording split into too many answers
                  ends early and looks faster.
turn gap          how long the product waited after an answer's last word before it
                  took the answer as ended (from the "[saved: STAGE at M:SS-M:SS]" lines
                  `debrief start` prints against the manifest's speech ends), median over
                  answers it could know were finished; see fig_turn_gap.
cut               answers whose speech the product ended before their last word (an
                  answer's end inside another answer's speech, past its first 0.3 s
                  and before its last); see fig_cut. Read as live, one cut moves every
                  later answer of a recording, so "filed right" counts it many times.
echo P            the share of the words the summary quoted back (`quotes` in
                  `show --json`) that the person really said; see fig_echo_precision.

--examples N prints up to N error examples per condition (wrong ratings, invented
ratings, misfiled answers, misheard number words). --details FILE writes one JSON
line per scored answer. --json prints everything as one JSON document. --save FILE
appends each raw run (the stored debrief as `show --json` gave it, timings, output)
as it ends; run again with the same --save to carry on after an interruption (runs
already there are not repeated), or --load FILE... to score saved runs again.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEBRIEF = ROOT / ".venv" / "bin" / "debrief"
RATED_STAGES = ("arrival", "opening", "experience", "tough", "closing")
FILLERS = {"um", "uh", "er", "erm", "ah", "eh", "ugh", "hmm", "hm", "mm", "mhm", "uhm", "umm"}
SPELLING = {
    "practise": "practice",
    "practised": "practiced",
    "practising": "practicing",
    "organise": "organize",
    "organised": "organized",
    "realise": "realize",
    "realised": "realized",
    "apologise": "apologize",
    "apologised": "apologized",
    "prioritise": "prioritize",
    "colour": "color",
    "favourite": "favorite",
    "behaviour": "behavior",
    "behavioural": "behavioral",
    "centre": "center",
    "programme": "program",
    "ok": "okay",
}
NUMBER_WORDS = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "half", "out", "of",
}  # fmt: skip


# --------------------------------------------------------------------------- text

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def int_words(n: int) -> list[str]:
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [_ONES[n // 100], "hundred"] + (int_words(n % 100) if n % 100 else [])
    if n < 1_000_000:
        return int_words(n // 1000) + ["thousand"] + (int_words(n % 1000) if n % 1000 else [])
    return [d for ch in str(n) for d in int_words(int(ch))]


def number_words(token: str) -> list[str]:
    """'25' -> twenty five, '3.5' -> three point five, '2nd' -> two, 'm25' -> m twenty five."""
    out: list[str] = []
    for part in re.findall(r"\d+(?:\.\d+)?|[^\d]+", token):
        if part[0].isdigit():
            whole, _, frac = part.partition(".")
            out += int_words(int(whole))
            if frac:
                out += ["point"] + [_ONES[int(d)] for d in frac]
        elif part not in ("st", "nd", "rd", "th") or not out:
            out.append(part)
    return out


def normalise(text: str | None) -> list[str]:
    """Words for WER and overlap: see the module docstring."""
    if not text:
        return []
    t = text.lower().replace("’", "'").replace("‘", "'")
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"[^a-z0-9.' ]+", " ", t)  # hyphens, commas, ... -> space
    t = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", t)  # full stops, keep 3.5
    words = []
    for tok in t.split():
        tok = tok.strip("'")
        if not tok:
            continue
        for w in number_words(tok) if re.search(r"\d", tok) else [tok]:
            w = SPELLING.get(w, w)
            if w and w not in FILLERS:
                words.append(w)
    return words


def align(ref: list[str], hyp: list[str]) -> list[tuple[str, str | None, str | None]]:
    """Levenshtein alignment: [(op, ref word, hyp word)], op in = sub del ins."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(
                d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]),
                d[i - 1][j] + 1,
                d[i][j - 1] + 1,
            )
    ops = []
    i, j = n, m
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            ops.append(("=" if ref[i - 1] == hyp[j - 1] else "sub", ref[i - 1], hyp[j - 1]))
            i, j = i - 1, j - 1
        elif i and d[i][j] == d[i - 1][j] + 1:
            ops.append(("del", ref[i - 1], None))
            i -= 1
        else:
            ops.append(("ins", None, hyp[j - 1]))
            j -= 1
    return ops[::-1]


def dice(h: list[str], r: list[str]) -> float:
    if not h or not r:
        return 0.0
    common = sum((Counter(h) & Counter(r)).values())
    return 2 * common / (len(h) + len(r))


def reference_text(text: str) -> str:
    return " ".join(re.sub(r"\s*\|\s*", " ", text).split())


# --------------------------------------------------------------------------- running


def run_recording(
    rec: Path, debrief_bin: Path = DEBRIEF, timeout: float | None = None, config: str = "", live: bool = False
) -> dict:
    """One recording through `debrief start --input` and `debrief show --json`
    (`config`: the text of a config.toml for the run, e.g. 'noise_suppression = 2';
    `live`: with --as-live, answers end by the live pause rules alone)."""
    import soundfile as sf

    seconds = sf.info(str(rec)).duration
    home = Path(tempfile.mkdtemp(prefix="debrief-eval-"))
    if config:
        (home / "config.toml").write_text(config + "\n", encoding="utf-8")
    env = dict(os.environ, DEBRIEF_HOME=str(home))
    env.pop("DEBRIEF_MODEL", None)
    result = {"recording": str(rec), "seconds": seconds, "error": None, "show": None}
    try:
        t0 = time.perf_counter()
        try:
            p = subprocess.run(
                [str(debrief_bin), "start", "--input", str(rec), "--engine", "pocketsphinx", "--no-speak",
                 *(["--as-live"] if live else [])],
                env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                timeout=timeout or max(300.0, 10 * seconds),
            )  # fmt: skip
        except subprocess.TimeoutExpired as e:
            result.update(wall=time.perf_counter() - t0, error=f"start timed out after {e.timeout:.0f} s")
            return result
        result["wall"] = time.perf_counter() - t0
        result["stdout"], result["stderr"] = p.stdout, p.stderr
        lines = [ln.strip() for ln in p.stdout.splitlines() if ln.strip()]
        if p.returncode != 0 or not lines:
            result["error"] = f"start exited {p.returncode}: {p.stderr.strip()[-300:]}"
            return result
        debrief_id = lines[-1]
        result["id"] = debrief_id
        s = subprocess.run(
            [str(debrief_bin), "show", "--json", debrief_id],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if s.returncode != 0:
            result["error"] = f"show exited {s.returncode}: {s.stderr.strip()[-300:]}"
            return result
        try:
            result["show"] = json.loads(s.stdout)
        except json.JSONDecodeError as e:
            result["error"] = f"show printed no JSON ({e})"
        return result
    finally:
        shutil.rmtree(home, ignore_errors=True)


# --------------------------------------------------------------------------- scoring


def stated(label: dict) -> bool:
    if "rating_stated" in label:
        return bool(label["rating_stated"]) and label.get("rating") is not None
    return label.get("rating") is not None


def score_recording(run: dict, debrief: dict) -> list[dict]:
    """One row per labelled answer: what was wanted, what was stored, and the checks."""
    stages = {}
    if run.get("show"):
        for s in run["show"].get("stages", []):
            stages.setdefault(s.get("id"), s)
    labels = debrief["answers"]
    refs = [normalise(reference_text(a["text"])) for a in labels]
    spans = heard_spans(run)
    speech = manifest_answers(run) if spans else []
    unsure = unsure_stages(run)
    rows = []
    for k, lab in enumerate(labels):
        got = stages.get(lab["stage"]) or {}
        hyp_text = got.get("answer") or ""
        hyp = normalise(hyp_text)
        ops = align(refs[k], hyp)
        edits = sum(op != "=" for op, _, _ in ops)
        overlaps = [dice(hyp, r) for r in refs]
        own = overlaps[k]
        best_other = max((o for j, o in enumerate(overlaps) if j != k), default=0.0)
        by_words = bool(hyp) and own > best_other
        filed, closeness = by_words, overlaps
        span = spans.get(lab["stage"])
        if span is not None and len(speech) == len(labels):
            # seconds of each answer's speech inside the stretch this one was taken from
            closeness = [max(0.0, min(span[1], a["end"]) - max(span[0], a["start"])) for a in speech]
            filed = bool(hyp) and closeness[k] > max((h for j, h in enumerate(closeness) if j != k), default=0.0)
        closest = max(range(len(refs)), key=lambda j: closeness[j]) if hyp else None
        want = lab.get("rating")
        lo, hi = lab.get("rating_min", want), lab.get("rating_max", want)
        rating = got.get("rating")
        rows.append(
            {
                "debrief": debrief["id"],
                "stage": lab["stage"],
                "k": k,
                "ref": reference_text(lab["text"]),
                "hyp": hyp_text,
                "ref_words": len(refs[k]),
                "edits": edits,
                "number_errors": [
                    (r, h) for op, r, h in ops if op in ("sub", "del") and r in NUMBER_WORDS and r not in ("out", "of")
                ],
                "stated": stated(lab),
                "rated_stage": lab["stage"] in RATED_STAGES,
                "want_rating": want,
                "want_range": [lo, hi],
                "rating": rating,
                "rating_ok": (rating is not None and lo is not None and lo <= rating <= hi) if stated(lab) else None,
                "invented": (rating is not None) if (not stated(lab) and lab["stage"] in RATED_STAGES) else None,
                "unsure": lab["stage"] in unsure,
                "filed_ok": filed,
                "filed_by_words": by_words,
                "closest": labels[closest]["stage"] if closest is not None and closeness[closest] > 0 else None,
                "want_causes": sorted(set(lab.get("causes") or [])),
                "causes": sorted(set(got.get("causes") or [])),
            }
        )
    return rows


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def fig_ratings_right(rows: list[dict]) -> dict:
    n = [r for r in rows if r["stated"]]
    ok = sum(bool(r["rating_ok"]) for r in n)
    return {"right": ok, "of": len(n), "rate": _ratio(ok, len(n))}


def fig_wrong_unchecked(rows: list[dict]) -> dict:
    """Rated-stage answers stored with a wrong or invented rating that was not
    marked unsure (a live debrief would have taken it without asking)."""
    n = [r for r in rows if r["rated_stage"]]
    bad = sum(
        1
        for r in n
        if r["rating"] is not None and not r.get("unsure") and (r["rating_ok"] is False or r["invented"])
    )
    return {"wrong": bad, "of": len(n), "rate": _ratio(bad, len(n))}


def fig_ratings_invented(rows: list[dict]) -> dict:
    n = [r for r in rows if r["invented"] is not None]
    bad = sum(r["invented"] for r in n)
    return {"invented": bad, "of": len(n), "rate": _ratio(bad, len(n))}


def fig_filed_right(rows: list[dict]) -> dict:
    ok = sum(r["filed_ok"] for r in rows)
    return {"right": ok, "of": len(rows), "rate": _ratio(ok, len(rows))}


def fig_wer(rows: list[dict]) -> dict:
    e = sum(r["edits"] for r in rows)
    w = sum(r["ref_words"] for r in rows)
    return {"edits": e, "ref_words": w, "wer": _ratio(e, w)}


def fig_causes(rows: list[dict]) -> dict:
    tp = fp = fn = 0
    for r in rows:
        want, got = set(r["want_causes"]), set(r["causes"])
        tp += len(want & got)
        fp += len(got - want)
        fn += len(want - got)
    return {"tp": tp, "fp": fp, "fn": fn, "precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn)}


def fig_rtf(runs: list[dict]) -> dict:
    ok = [r for r in runs if "wall" in r and r.get("seconds")]
    if not ok:
        return {"rtf": None, "median": None, "wall": 0.0, "audio": 0.0}
    wall = sum(r["wall"] for r in ok)
    audio = sum(r["seconds"] for r in ok)
    return {
        "rtf": round(wall / audio, 3),
        "median": round(statistics.median(r["wall"] / r["seconds"] for r in ok), 3),
        "wall": round(wall, 1),
        "audio": round(audio, 1),
    }


SAVED = re.compile(r"\[(?:saved|skipped): (\w+) at (\d+):(\d+(?:\.\d+)?)-(\d+):(\d+(?:\.\d+)?)")


UNSURE = re.compile(r"\[saved: (\w+) at [^\]]*, rating [\d.]+ \(unsure\)")


def unsure_stages(run: dict) -> set[str]:
    """The stages whose rating `debrief start` marked as heard in doubt
    ("[saved: tough at 0:21.1-0:25.7, rating 2 (unsure)]")."""
    return {m.group(1) for m in UNSURE.finditer(run.get("stderr") or "")}


def heard_spans(run: dict) -> dict[str, tuple[float, float]]:
    """{stage: (start, end)} from the lines `debrief start` prints per answer
    ("[saved: arrival at 0:01.1-0:06.0, rating 2]"): where in the recording each
    answer was taken, the end being where the product decided it had ended."""
    spans = {}
    for m in SAVED.finditer(run.get("stderr") or ""):
        start = int(m.group(2)) * 60 + float(m.group(3))
        end = int(m.group(4)) * 60 + float(m.group(5))
        spans[m.group(1)] = (start, end)
    return spans


def manifest_answers(run: dict) -> list[dict]:
    man = Path(run["recording"]).parent / "manifest.json"
    try:
        return json.loads(man.read_text())["debriefs"][run["debrief"]]["answers"]
    except (OSError, KeyError, json.JSONDecodeError):
        return []


def fig_turn_gap(runs: list[dict]) -> dict | None:
    """How long the product waits after an answer's last word before it takes the
    answer as ended: the end it printed for the stage minus the end of that
    answer's speech in the recording (audio seconds; the loop's own processing
    time, ~0.17 s here, comes on top: scripts/bench_voice.py measures it).

    `finished` counts the answers stored with a rating they stated (rated stages)
    or with a clause (the improvement and the win): the answers the product can
    know are finished. `all` counts every answer that ended in the silence right
    after its own speech."""
    finished, every = [], []
    for run in runs:
        spans = heard_spans(run)
        refs = manifest_answers(run)
        rows = {r["stage"]: r for r in run.get("rows", [])}
        for k, ref in enumerate(refs):
            span = spans.get(ref.get("stage"))
            if span is None:
                continue
            nxt = refs[k + 1]["start"] if k + 1 < len(refs) else float("inf")
            gap = span[1] - ref["end"]
            if not (0 <= gap and span[1] < nxt):
                continue
            every.append(gap)
            row = rows.get(ref.get("stage"))
            if row and (row.get("rating_ok") or (not row.get("rated_stage") and row.get("hyp"))):
                finished.append(gap)
    if not every:
        return None

    def median_ms(xs):
        return round(1000 * statistics.median(xs)) if xs else None

    return {
        "median_ms": median_ms(finished),
        "all_median_ms": median_ms(every),
        "p90_ms": round(1000 * sorted(every)[int(0.9 * (len(every) - 1))]),
        "finished": len(finished),
        "of": len(every),
    }


def fig_cut(runs: list[dict], edge: float = 0.3) -> dict | None:
    """Answers cut mid-thought: the product ended an answer (any stored answer's
    end, from the "[saved: ...]" lines) inside the speech of an answer of the
    recording, more than `edge` seconds after its start and before its end.
    Unlike "filed right", one cut counts once, however many later answers it
    moves in a recording read as live."""
    cut = of = 0
    for run in runs:
        refs = manifest_answers(run)
        if not refs or not run.get("show"):
            continue
        ends = [e for _, e in heard_spans(run).values()]
        for ref in refs:
            of += 1
            cut += any(ref["start"] + edge < e < ref["end"] - edge for e in ends)
    return {"cut": cut, "of": of} if of else None


def fig_echo_precision(runs: list[dict], debriefs: dict[str, dict]) -> dict | None:
    """The share of the words the summary quotes back that the person really said:
    each lesson the product quoted (`quotes` in `show --json`: the words as heard
    and the stage they came from) against the reference answer of that stage,
    word by word in order (normalised as for WER). 1.0 when nothing was quoted."""
    import difflib

    said = right = quoted = 0
    for run in runs:
        show = run.get("show") or {}
        labels = {a["stage"]: a for a in debriefs.get(run["debrief"], {}).get("answers", [])}
        for q in show.get("quotes") or []:
            ref = normalise(reference_text(labels.get(q.get("stage"), {}).get("text", "")))
            words = normalise(q.get("said", ""))
            if not words:
                continue
            quoted += 1
            said += len(words)
            sm = difflib.SequenceMatcher(a=words, b=ref, autojunk=False)
            right += sum(b.size for b in sm.get_matching_blocks())
    return {"precision": round(right / said, 4) if said else 1.0, "words": said, "quotes": quoted}


def condition_figures(runs: list[dict], rows: list[dict], debriefs: dict[str, dict]) -> dict:
    return {
        "recordings": len(runs),
        "failed": sum(1 for r in runs if r.get("error")),
        "ratings_right": fig_ratings_right(rows),
        "ratings_invented": fig_ratings_invented(rows),
        "wrong_unchecked": fig_wrong_unchecked(rows),
        "filed_right": fig_filed_right(rows),
        "wer": fig_wer(rows),
        "causes": fig_causes(rows),
        "rtf": fig_rtf(runs),
        "turn_gap": fig_turn_gap(runs),
        "cut": fig_cut(runs),
        "echo_precision": fig_echo_precision(runs, debriefs),
    }


def error_examples(runs: list[dict], rows: list[dict], n: int) -> dict:
    """A few of each kind of error, and the misheard number words counted."""
    ex = {"rating_wrong": [], "rating_invented": [], "misfiled": [], "failed": []}
    numbers: Counter = Counter()
    for r in rows:
        for ref_w, hyp_w in r["number_errors"]:
            numbers[f"{ref_w}->{hyp_w or '(dropped)'}"] += 1
        short = {"debrief": r["debrief"], "stage": r["stage"], "ref": r["ref"], "hyp": r["hyp"]}
        if r["rating_ok"] is False:
            ex["rating_wrong"].append({**short, "want": r["want_range"], "got": r["rating"]})
        if r["invented"]:
            ex["rating_invented"].append({**short, "got": r["rating"]})
        if not r["filed_ok"]:
            ex["misfiled"].append({**short, "closest": r["closest"]})
    for run in runs:
        if run.get("error"):
            ex["failed"].append({"debrief": run["debrief"], "error": run["error"]})
    out = {k: v[:n] for k, v in ex.items()}
    out["counts"] = {k: len(v) for k, v in ex.items()}
    out["number_words_misheard"] = numbers.most_common(n)
    return out


# --------------------------------------------------------------------------- report


def _fmt(x, pct=True):
    if x is None:
        return "-"
    return f"{100 * x:.1f}%" if pct else f"{x:.2f}"


def table(report: dict) -> str:
    head = [
        "condition",
        "recs",
        "ratings right",
        "invented",
        "unchecked",
        "filed right",
        "WER",
        "cause P",
        "cause R",
        "RTF",
        "turn gap",
        "cut",
        "echo P",
    ]
    lines = [head]
    for cond, f in report["conditions"].items():
        rr, inv, fr = f["ratings_right"], f["ratings_invented"], f["filed_right"]
        lines.append(
            [
                cond,
                f"{f['recordings']}" + (f" ({f['failed']} failed)" if f["failed"] else ""),
                f"{rr['right']}/{rr['of']} {_fmt(rr['rate'])}",
                f"{inv['invented']}/{inv['of']}",
                "-" if (wu := f.get("wrong_unchecked")) is None else f"{wu['wrong']}/{wu['of']}",
                f"{fr['right']}/{fr['of']} {_fmt(fr['rate'])}",
                _fmt(f["wer"]["wer"]),
                _fmt(f["causes"]["precision"]),
                _fmt(f["causes"]["recall"]),
                _fmt(f["rtf"]["rtf"], pct=False),
                "-" if f["turn_gap"] is None else f"{f['turn_gap'].get('median_ms')} ms",
                "-" if f.get("cut") is None else f"{f['cut']['cut']}/{f['cut']['of']}",
                "-" if f["echo_precision"] is None else _fmt(f["echo_precision"].get("precision")),
            ]
        )
    widths = [max(len(str(row[i])) for row in lines) for i in range(len(head))]
    out = []
    for n, row in enumerate(lines):
        out.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def examples_text(report: dict) -> str:
    out = []
    for cond, ex in report.get("examples", {}).items():
        out.append(f"\n== {cond}: {ex['counts']}")
        if ex["number_words_misheard"]:
            out.append("  number words misheard: " + ", ".join(f"{k} x{v}" for k, v in ex["number_words_misheard"]))
        for e in ex["rating_wrong"]:
            out.append(
                f"  rating {e['got']} want {e['want']} [{e['debrief']} {e['stage']}] said: {e['ref']!r} heard: {e['hyp']!r}"
            )
        for e in ex["rating_invented"]:
            out.append(f"  invented {e['got']} [{e['debrief']} {e['stage']}] said: {e['ref']!r} heard: {e['hyp']!r}")
        for e in ex["misfiled"]:
            out.append(
                f"  misfiled (closest {e['closest']}) [{e['debrief']} {e['stage']}] said: {e['ref']!r} heard: {e['hyp']!r}"
            )
        for e in ex["failed"]:
            out.append(f"  FAILED {e['debrief']}: {e['error']}")
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def find_recordings(
    recordings: Path, conditions: list[str] | None, only: set[str] | None, labels: dict
) -> list[tuple[str, str, Path]]:
    jobs = []
    conds = conditions or sorted(p.parent.name for p in recordings.glob("*/manifest.json"))
    for cond in conds:
        d = recordings / cond
        man = d / "manifest.json"
        if man.exists():
            ids = list(json.loads(man.read_text())["debriefs"])
        else:
            ids = sorted(p.stem for p in d.glob("*.flac"))
        if not ids:
            print(f"no recordings for {cond} in {d}", file=sys.stderr)
        for i in ids:
            if (only is None or i in only) and i in labels and (d / f"{i}.flac").exists():
                jobs.append((cond, i, d / f"{i}.flac"))
    # debrief by debrief, so a run cut short still covers every condition alike
    order = {i: n for n, i in enumerate(labels)}
    return sorted(jobs, key=lambda j: (order[j[1]], conds.index(j[0])))


def run_all(recordings: Path, debriefs: list[dict], conditions=None, only=None, jobs: int = 1, progress=None,
            debrief_bin: Path = DEBRIEF, skip: set | None = None, config: str = "",
            live: bool = False) -> list[dict]:  # fmt: skip
    """Run every selected recording through the product (but those in skip, (condition, id)); the raw runs."""
    labels = {d["id"]: d for d in debriefs}
    todo = [j for j in find_recordings(Path(recordings), conditions, only, labels) if (j[0], j[1]) not in (skip or ())]

    def one(job):
        cond, did, rec = job
        run = run_recording(rec, debrief_bin, config=config, live=live)
        run.update(condition=cond, debrief=did)
        if progress:
            progress(run, score_recording(run, labels[did]))
        return run

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return list(pool.map(one, todo))


def build_report(runs: list[dict], debriefs: list[dict], n_examples: int = 10) -> dict:
    """Score raw runs (fresh or loaded from --save files) against the labels."""
    labels = {d["id"]: d for d in debriefs}
    runs = [r for r in runs if r["debrief"] in labels]
    for r in runs:
        r["rows"] = score_recording(r, labels[r["debrief"]])
    report = {"conditions": {}, "examples": {}}
    for cond in dict.fromkeys(r["condition"] for r in runs):
        cr = [r for r in runs if r["condition"] == cond]
        rows = [row for r in cr for row in r["rows"]]
        report["conditions"][cond] = condition_figures(cr, rows, labels)
        report["examples"][cond] = error_examples(cr, rows, n_examples)
    report["runs"] = runs
    return report


def evaluate(recordings: Path, debriefs: list[dict], conditions=None, only=None, jobs: int = 1, n_examples: int = 10,
             progress=None, debrief_bin: Path = DEBRIEF, live: bool = False) -> dict:  # fmt: skip
    """run_all + build_report: the figures of the selected recordings (`live`: run with --as-live)."""
    t0 = time.perf_counter()
    runs = run_all(recordings, debriefs, conditions, only, jobs, progress, debrief_bin, live=live)
    report = build_report(runs, debriefs, n_examples)
    report.update(wall=round(time.perf_counter() - t0, 1), jobs=jobs)
    return report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recordings", type=Path, help="made by make_speech_set.py")
    ap.add_argument("--debriefs", required=True, type=Path, help="the labels (JSON lines)")
    ap.add_argument("--conditions", default="", help="comma-separated (default: all found)")
    ap.add_argument("--only", default="", help="comma-separated debrief ids")
    ap.add_argument("--first", type=int, default=0, help="only the first N debriefs of --debriefs")
    ap.add_argument("--jobs", type=int, default=1, help="recordings run in parallel")
    ap.add_argument("--json", action="store_true", help="one JSON document (figures, examples, runs)")
    ap.add_argument("--examples", type=int, default=0, help="print N error examples per condition")
    ap.add_argument("--details", type=Path, help="write one JSON line per scored answer")
    ap.add_argument(
        "--save", type=Path, help="append each raw run (stored debrief, timings) to this JSON-lines file as it ends"
    )
    ap.add_argument("--load", type=Path, nargs="+", help="score runs saved with --save instead of running")
    ap.add_argument("--debrief-bin", type=Path, default=DEBRIEF)
    ap.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="LINE",
        help="a config.toml line for every run (repeatable), e.g. 'noise_suppression = 2'",
    )
    ap.add_argument(
        "--as-live", action="store_true", help="run `debrief start --as-live`: the live pause rules alone end answers"
    )
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)

    debriefs = load_jsonl(args.debriefs)
    if args.first:
        debriefs = debriefs[: args.first]
    only = {x.strip() for x in args.only.split(",") if x.strip()} or None
    conds = [c.strip() for c in args.conditions.split(",") if c.strip()] or None

    save_lock = threading.Lock()

    def progress(run, rows):
        if args.save:
            with save_lock, open(args.save, "a", encoding="utf-8") as f:
                f.write(json.dumps(run) + "\n")
        if not args.quiet:
            status = run["error"] or f"{sum(r['filed_ok'] for r in rows)}/{len(rows)} filed"
            print(
                f"  {run['condition']}/{run['debrief']}: {run.get('wall', 0):.1f} s, {status}",
                file=sys.stderr,
                flush=True,
            )

    t0 = time.perf_counter()
    if args.load:
        runs = [r for f in args.load for r in load_jsonl(f)]
        runs = [
            r for r in runs if (only is None or r["debrief"] in only) and (conds is None or r["condition"] in conds)
        ]
    else:
        if not args.recordings:
            ap.error("--recordings is needed (or --load)")
        done = []
        if args.save and args.save.exists():  # carry on where a cut-short run stopped
            done = [r for r in load_jsonl(args.save) if not r.get("error")]
            done = [
                r for r in done if (only is None or r["debrief"] in only) and (conds is None or r["condition"] in conds)
            ]
        skip = {(r["condition"], r["debrief"]) for r in done}
        runs = done + run_all(
            args.recordings, debriefs, conds, only, args.jobs, progress, args.debrief_bin, skip,
            "\n".join(args.config), args.as_live,
        )  # fmt: skip
    report = build_report(runs, debriefs, max(args.examples, 10))
    report.update(wall=round(time.perf_counter() - t0, 1), jobs=args.jobs)
    if args.details:
        with open(args.details, "w", encoding="utf-8") as f:
            for run in report["runs"]:
                for row in run["rows"]:
                    f.write(json.dumps({"condition": run["condition"], **row}) + "\n")
    if args.json:
        for run in report["runs"]:
            run.pop("stdout", None)
            run.pop("stderr", None)
        print(json.dumps(report, indent=1))
        return 0
    print(table(report))
    if not args.load:
        print(f"\n{len(report['runs'])} recordings in {report['wall']:.0f} s with --jobs {args.jobs}")
    if args.examples:
        for ex in report["examples"].values():
            for k in ("rating_wrong", "rating_invented", "misfiled", "failed"):
                ex[k] = ex[k][: args.examples]
        print(examples_text(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
