"""The gentle follow-ups of an interactive debrief (issue 10): "even something
small?" after a non-answer to the improvement or the win, and "what made that
part harder?" where it turned when no reason was given. Each is asked at most
once, the reply is kept with that stage and read by the rules, and none is
ever asked of a pipe or a recording."""

import json
import random

from click.testing import CliRunner

from assistant.cli import cli
from assistant.dialogue.flow import Flow
from assistant.dialogue.script import load_all
from tests.fakes import MemoryRecorder, RecordingSpeaker, ScriptedListener
from tests.test_resume_offer import Terminal

# arrival .. closing: a real drop at the toughest questions, with no reason given there
RATED = [
    "four, the bus was on time and the receptionist was friendly",
    "four, we chatted about the weather and it was easy",
    "four, i talked about the warehouse project",
    "two, it was just hard",
    "three, i asked about the team",
]


def run_flow(answers, interactive):
    script, phrases = load_all()
    speaker, listener, recorder = RecordingSpeaker(), ScriptedListener(answers, interactive=interactive), MemoryRecorder()
    outcome = Flow(script, phrases, speaker, listener, recorder, rng=random.Random(3)).run()
    return outcome, speaker, listener, recorder


def test_a_non_answer_gets_one_gentle_follow_up_and_its_reply_is_the_lesson():
    why = "the system design question threw me"
    outcome, speaker, listener, _ = run_flow([*RATED, why, "nothing really", "leave earlier so i'm not rushing",
                                              "the warehouse story", "no"], interactive=True)
    assert any("something small" in s for s in speaker.said)
    assert outcome.answers["improve"].text == "nothing really"  # what was said stays
    assert outcome.answers["improve"].followup == "leave earlier so i'm not rushing"
    assert "leave earlier" in outcome.improve
    assert "nothing really" not in outcome.summary
    assert listener.kinds.count("lesson") == 4  # the why, the improvement, its follow-up, the win


def test_still_nothing_after_the_follow_up_takes_the_lesson_from_where_it_turned():
    outcome, speaker, _, _ = run_flow([*RATED, "the system design question threw me", "nothing really",
                                       "i honestly don't know", "the warehouse story", "no"], interactive=True)
    _, phrases = load_all()
    assert outcome.improve is None
    assert phrases.lessons["technical"] in outcome.summary and "don't know" not in outcome.summary


def test_where_it_turned_without_a_reason_is_asked_why_once_and_the_reply_is_read():
    outcome, speaker, _, recorder = run_flow([*RATED, "the system design question threw me",
                                              "practise system design", "the warehouse story", "no"], interactive=True)
    asked = [s for s in speaker.said if "harder" in s or "go the way it did" in s]
    assert len(asked) == 1 and "the toughest questions" in asked[0]
    tough = outcome.answers["tough"]
    assert tough.text == "two, it was just hard" and tough.followup == "the system design question threw me"
    assert "technical" in tough.causes
    assert [a.followup for _, sid, a in recorder.saved if sid == "tough"][-1] == tough.followup
    _, phrases = load_all()
    assert phrases.why["technical"] in outcome.summary


def test_a_pipe_or_a_recording_is_never_asked_a_follow_up():
    outcome, speaker, listener, _ = run_flow([*RATED, "nothing really", "i don't know"], interactive=False)
    assert listener.kinds == ["answer"] * 5 + ["lesson"] * 2
    assert not any("something small" in s or "harder" in s for s in speaker.said)
    assert outcome.status == "complete" and outcome.improve is None


def test_follow_ups_on_a_terminal_and_the_reply_is_stored(debrief_home):
    term = Terminal()
    for answer in RATED:
        term.expect("?")
        term.type(answer)
    term.expect("made the toughest questions")
    term.type("the system design question threw me")
    term.expect("differently")
    term.type("nothing really")
    term.expect("something small")
    term.type("practise system design out loud")
    term.expect("nailed")
    term.type("the warehouse story")
    term.expect("crumple it up")
    term.type("no")
    assert term.finish() == 0, term.seen
    doc = json.loads(CliRunner().invoke(cli, ["show", "--json"]).stdout)
    assert doc["improve"] and "practise system design" in doc["improve"]
    db = __import__("sqlite3").connect(debrief_home / "debrief.db")
    stored = dict(db.execute("select stage, followup from turns where followup is not null").fetchall())
    assert stored == {"tough": "the system design question threw me", "improve": "practise system design out loud"}


def test_piped_answers_get_no_follow_ups(debrief_home):
    result = CliRunner().invoke(cli, ["start", "--text"], input="\n".join([*RATED, "nothing really", "dunno"]) + "\n")
    assert result.exit_code == 0, result.output
    assert "something small" not in result.output and "harder" not in result.output
