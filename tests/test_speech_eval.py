"""A small part of the spoken-debrief evaluation (scripts/eval_speech.py) on
every change: three debriefs of the dev set (tests/data/speech/dev.jsonl),
read by the natural test voice (Piper, en_US-joe-medium), clean, in 5 dB car
noise, and with pauses to think, each run through the real product
(`debrief start --input X.flac --engine pocketsphinx --no-speak`) and scored
against its labels. The floors sit a little under what these three debriefs
gave when they were set (see FLOORS); the whole sets are run by hand with
scripts/eval_speech.py (README, "How well it hears")."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEBRIEFS = ROOT / "tests" / "data" / "speech" / "dev.jsonl"
SUBSET = ["d01", "d02", "d03"]

# condition: {figure: floor}. Measured on these three debriefs when set (ab8437a):
# clean 13/14 ratings, 21/21 filed, 27.4% word errors; pauses 12/14, 21/21, 28.9%;
# noise5 8/14, 20/21, 68.8%. Echo precision is 1.0: with pocketsphinx nothing
# is quoted (its confidences never reach the threshold), so a quote with a
# misheard word fails the floor. With noise_suppression = "auto" (b02c5d6) noise5
# gave 6/14, 21/21, 61.0%: cleaning the audio cost two ratings here and won two
# on d04-d06 (13/26 both ways over six debriefs) while word errors fell from
# 69.0% to 59.9% and answers filed rose from 38/42 to 41/42; the noise5 floors
# follow (ratings one answer under what it gives, as the others; word errors held
# to the gain).
FLOORS = {
    "clean": {"ratings_right": 0.85, "filed_right": 0.95, "echo_precision": 1.0, "wer_max": 0.32},
    "noise5": {"ratings_right": 0.35, "filed_right": 0.95, "echo_precision": 1.0, "wer_max": 0.65},
    "pauses": {"ratings_right": 0.78, "filed_right": 0.95, "echo_precision": 1.0, "wer_max": 0.33},
}


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def chosen():
    debriefs = [json.loads(line) for line in DEBRIEFS.read_text().splitlines() if line.strip()]
    return [d for d in debriefs if d["id"] in SUBSET]


@pytest.fixture(scope="module")
def report(tmp_path_factory, chosen):
    mss = _load("make_speech_set")
    ev = _load("eval_speech")
    out = tmp_path_factory.mktemp("speech")
    synth = mss.Synth(out / ".cache")
    for d in chosen:
        for condition in FLOORS:
            mss.render_one(d, condition, out, synth=synth)
    return {**ev.evaluate(out, chosen, conditions=list(FLOORS), jobs=2, n_examples=3), "recordings": out}


# The same pauses recordings read as a microphone hears them (`--as-live`: the
# live pause rules alone), and the same pauses in 10 dB road noise: a car.
# Before the listener learnt how the person talks (a41d2f0) a pause after a
# finished sentence cut 4 of these 21 answers and 10/21 were filed right; at
# a15d367, 0 cut and 21/21. In noise (pauses_noise10, set at 53e0297): 0 cut,
# 21/21 filed, 11/14 ratings right.
LIVE_FLOORS = {
    "pauses": {"cut_max": 1, "filed_right": 0.95, "ratings_right": 0.78},
    "pauses_noise10": {"cut_max": 1, "filed_right": 0.95, "ratings_right": 0.7},
}


@pytest.fixture(scope="module")
def live_report(report, chosen):
    """The pauses recordings `report` rendered, and the same in road noise, run with --as-live."""
    mss, ev = sys.modules["make_speech_set"], sys.modules["eval_speech"]  # loaded by `report`
    out = report["recordings"]
    synth = mss.Synth(out / ".cache")  # the clauses are cached from the pauses condition
    for d in chosen:
        mss.render_one(d, "pauses_noise10", out, synth=synth)
    return ev.evaluate(out, chosen, conditions=list(LIVE_FLOORS), jobs=2, n_examples=3, live=True)


@pytest.mark.parametrize("condition", sorted(LIVE_FLOORS))
def test_live_listening_does_not_cut_a_pause_to_think(live_report, condition):
    fig, floors = live_report["conditions"][condition], LIVE_FLOORS[condition]
    examples = live_report["examples"][condition]
    assert fig["failed"] == 0, examples["failed"]
    assert fig["cut"]["of"] == 21
    assert fig["cut"]["cut"] <= floors["cut_max"], (fig["cut"], examples)
    assert fig["filed_right"]["rate"] >= floors["filed_right"], (fig["filed_right"], examples)
    assert fig["ratings_right"]["rate"] >= floors["ratings_right"], (fig["ratings_right"], examples)


@pytest.mark.parametrize("condition", sorted(FLOORS))
def test_spoken_debriefs_meet_their_floors(report, condition):
    fig = report["conditions"][condition]
    floors = FLOORS[condition]
    got = {
        "ratings_right": fig["ratings_right"]["rate"],
        "filed_right": fig["filed_right"]["rate"],
        "echo_precision": fig["echo_precision"]["precision"],
        "wer_max": fig["wer"]["wer"],
    }
    assert fig["failed"] == 0, report["examples"][condition]["failed"]
    low = {k: v for k, v in got.items() if (v > floors[k] if k == "wer_max" else v < floors[k])}
    assert not low, (condition, got, report["examples"][condition])


def test_an_answer_is_filed_right_by_where_it_was_heard_not_by_its_words(tmp_path):
    """"four, easy." heard as "for the sea" shares no word with its label, but
    was taken from its own stretch of the recording: filed right. An answer cut
    in two files its tail under the next question: that one is wrong."""
    ev = _load("eval_speech")
    debrief = {"id": "x1", "answers": [
        {"stage": "arrival", "text": "four, easy.", "rating": 4},
        {"stage": "opening", "text": "three. she was alright, very keen.", "rating": 3},
        {"stage": "experience", "text": "two. i talked about the rota for too long", "rating": 2},
    ]}
    speech = [{"stage": a["stage"], "start": s, "end": e} for a, (s, e) in
              zip(debrief["answers"], [(1.0, 1.9), (5.0, 8.0), (12.0, 16.0)])]
    (tmp_path / "manifest.json").write_text(json.dumps({"debriefs": {"x1": {"answers": speech}}}))
    stderr = ("[saved: arrival at 0:00.8-0:02.9, rating 4]\n"
              "[saved: opening at 0:04.8-0:09.0, rating 3]\n"
              "[saved: experience at 0:11.8-0:14.0, rating 2]\n")  # cut at 14 s: the rest went nowhere
    show = {"stages": [{"id": "arrival", "answer": "for the sea", "rating": 4},
                       {"id": "opening", "answer": "three she was alright very keen", "rating": 3},
                       {"id": "experience", "answer": "two i talked about the", "rating": 2}]}
    run = {"recording": str(tmp_path / "x1.flac"), "debrief": "x1", "stderr": stderr, "show": show}
    rows = ev.score_recording(run, debrief)
    assert [r["filed_ok"] for r in rows] == [True, True, True]
    assert [r["filed_by_words"] for r in rows] == [False, True, True]
    # the same with the experience answer's first words stored under the opening
    run["stderr"] = stderr.replace("0:04.8-0:09.0", "0:04.8-0:13.0").replace("0:11.8-0:14.0", "0:13.0-0:17.0")
    rows = ev.score_recording(run, debrief)
    assert [r["filed_ok"] for r in rows] == [True, True, True]  # each still holds most of its own answer
    # the opening missed, the experience answer stored under it, then silence
    run["stderr"] = stderr.replace("0:04.8-0:09.0", "0:11.0-0:17.0").replace("0:11.8-0:14.0", "0:17.0-0:19.0")
    rows = ev.score_recording(run, debrief)
    assert [r["filed_ok"] for r in rows] == [True, False, False]
    assert rows[1]["closest"] == "experience"  # where it was taken from, not the words
    del run["stderr"]  # no times: by words
    assert [r["filed_ok"] for r in ev.score_recording(run, debrief)] == [False, True, True]


def test_a_wrong_rating_marked_unsure_is_not_counted_as_taken_unchecked(tmp_path):
    """A live debrief confirms a rating marked "(unsure)" and asks for a missing
    one; only a wrong or invented rating taken as sure reaches the history unasked."""
    ev = _load("eval_speech")
    debrief = {"id": "x2", "answers": [
        {"stage": "arrival", "text": "four, easy.", "rating": 4},
        {"stage": "opening", "text": "three. she was alright.", "rating": 3},
        {"stage": "experience", "text": "two. i talked too long", "rating": 2},
        {"stage": "tough", "text": "they asked about the rota", "rating": None},
        {"stage": "closing", "text": "one. no questions", "rating": 1},
    ]}
    stderr = ("[saved: arrival at 0:00.8-0:02.9, rating 5 (unsure)]\n"
              "[saved: opening at 0:04.8-0:09.0, rating 2]\n"
              "[saved: experience at 0:11.8-0:14.0]\n"
              "[saved: tough at 0:15.0-0:18.0, rating 1]\n"
              "[saved: closing at 0:19.0-0:21.0, rating 1]\n")
    show = {"stages": [{"id": "arrival", "answer": "five easy", "rating": 5},
                       {"id": "opening", "answer": "two she was alright", "rating": 2},
                       {"id": "experience", "answer": "i talked too long", "rating": None},
                       {"id": "tough", "answer": "they asked about the one", "rating": 1},
                       {"id": "closing", "answer": "one no questions", "rating": 1}]}
    run = {"recording": str(tmp_path / "x2.flac"), "debrief": "x2", "stderr": stderr, "show": show}
    rows = ev.score_recording(run, debrief)
    assert [r["unsure"] for r in rows] == [True, False, False, False, False]
    assert ev.fig_wrong_unchecked(rows) == {"wrong": 2, "of": 5, "rate": 0.4}  # the opening's 2 and the tough 1
