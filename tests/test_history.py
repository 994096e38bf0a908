"""Trends, the coach nudge and progress, over debriefs stored directly."""

import json
import random

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.dialogue.answers import Answer
from assistant.review.history import summary_extras, trends
from assistant.dialogue.script import load_all
from assistant.storage.store import Store

STAGES = ["arrival", "opening", "experience", "tough", "closing"]


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def record(store, ratings, causes=None, *, demo=False, status="complete", company=None):
    """ratings: {stage: rating}; causes: {stage: [tags]}"""
    causes = causes or {}
    sid = store.start_session(demo=demo, company=company)
    for pos, stage in enumerate(STAGES):
        if stage in ratings or stage in causes:
            store.save_answer(sid, pos, stage, "Q?", f"{stage} answer", ratings.get(stage),
                              causes.get(stage, []), None, None)
    store.finish(sid, status=status, downhill=None, improve=None, nailed=None, summary=None)
    return sid


def finish_with_extras(store, ratings, causes=None, *, demo=False, seed=1):
    """What the flow does at the end of a debrief: the session exists (not yet
    complete), the answers are saved, then summary_extras is asked."""
    script, phrases = load_all()
    causes = causes or {}
    sid = store.start_session(demo=demo)
    answers = {}
    for pos, stage in enumerate(STAGES):
        if stage in ratings:
            answers[stage] = Answer(stage, f"{stage} now", ratings[stage], tuple(causes.get(stage, ())))
            store.save_answer(sid, pos, stage, "Q?", f"{stage} now", ratings[stage],
                              list(causes.get(stage, ())), None, None)
    lines = summary_extras(store, script, phrases, sid, answers, random.Random(seed))
    store.finish(sid, status="complete", downhill=None, improve=None, nailed=None, summary=" ".join(lines))
    return sid, lines


@pytest.fixture
def store(debrief_home):
    s = Store.open()
    yield s
    s.close()


def test_trends_json_averages_directions_and_words(store):
    for opening, tough in [(2, 4), (3, 3), (4, 2)]:
        record(store, {"arrival": 3, "opening": opening, "tough": tough, "experience": 2},
               {"experience": ["examples"]})
    doc = json.loads(run("trends", "--json").stdout)
    stages = {s["id"]: s for s in doc["stages"]}
    assert [s["id"] for s in doc["stages"]] == STAGES
    assert stages["opening"]["ratings"] == [2, 3, 4] and stages["opening"]["average"] == 3
    assert stages["opening"]["direction"] == "improving"
    assert stages["tough"]["direction"] == "worse"
    assert stages["arrival"]["direction"] == "steady"
    assert stages["closing"]["direction"] == "unknown" and stages["closing"]["average"] is None
    assert "First impressions and small talk went from 2 to 4 over your last three interviews." in doc["improving"]
    assert any(s.startswith("Talking about your experience keeps going wrong") for s in doc["going_wrong"])
    assert any("Finding good examples came up in" in s for s in doc["going_wrong"])
    # three debriefs with experience at 2: a pattern for the coach
    assert [p["pattern"] for p in doc["coach"]["patterns"]][:1] == ["stage:experience"]
    assert "coach" in doc["coach"]["suggestion"]


def test_trends_last_demo_and_interrupted(store):
    record(store, {"opening": 1})
    record(store, {"opening": 5}, demo=True)  # never counts
    record(store, {"opening": 2}, status="interrupted")  # counts with what it has
    record(store, {"opening": 4})
    record(store, {})  # nothing rated: not a data point
    doc = json.loads(run("trends", "--json", "--last", "2").stdout)
    assert [s["ratings"] for s in doc["stages"] if s["id"] == "opening"] == [[2, 4]]
    assert len(doc["debriefs"]) == 2 and doc["debriefs"][0]["status"] == "interrupted"
    doc = json.loads(run("trends", "--json").stdout)
    assert [s["ratings"] for s in doc["stages"] if s["id"] == "opening"] == [[1, 2, 4]]


def test_trends_text_draws_a_chart_and_names_what_changes(store):
    for opening in (2, 3, 4):
        record(store, {"opening": opening, "tough": 3})
    result = run("trends")
    assert result.exit_code == 0, result.output
    assert "first impressions and small talk ↑" in result.stdout
    assert "┤" in result.stdout  # the plotext chart
    assert "went from 2 to 4 over your last three interviews" in result.stdout
    assert run("trends").stdout == result.stdout  # nothing left over from the last chart


def test_trends_with_nothing_recorded(debrief_home):
    result = run("trends")
    assert result.exit_code == 0 and "No debriefs" in result.stderr
    doc = json.loads(run("trends", "--json").stdout)
    assert doc["debriefs"] == [] and doc["coach"]["suggestion"] is None
    assert not (debrief_home / "debrief.db").exists()  # a read command creates nothing
    assert run("trends", "--last", "0").exit_code == 2


def test_trends_is_a_pure_read(store):
    for _ in range(3):
        record(store, {"tough": 1})
    run("trends")
    assert store.db["nudges"].count == 0


def test_coach_nudge_fires_once_per_pattern(store):
    record(store, {"tough": 2})
    record(store, {"tough": 4})
    _, lines = finish_with_extras(store, {"tough": 3})
    assert lines == []
    _, lines = finish_with_extras(store, {"tough": 1})  # 2 of the last 5 only
    assert lines == []
    sid, lines = finish_with_extras(store, {"tough": 2})  # 3 of the last 5
    assert len(lines) == 1 and "the toughest questions" in lines[0] and "coach" in lines[0]
    assert [(r["pattern"], r["session_id"]) for r in store.db["nudges"].rows] == [("stage:tough", sid)]
    _, lines = finish_with_extras(store, {"tough": 2})  # still there: no nagging
    assert lines == []


def test_pattern_that_went_away_and_came_back_is_nudged_again(store):
    for _ in range(2):
        record(store, {"opening": 1})
    _, lines = finish_with_extras(store, {"opening": 2})
    assert len(lines) == 1
    for _ in range(3):  # three good ones: only 2 of the last 5 are bad now
        _, lines = finish_with_extras(store, {"opening": 3})
        assert lines == []
    assert store.open_nudges() == set()  # resolved
    for _ in range(2):
        _, lines = finish_with_extras(store, {"opening": 1})
        assert lines == []
    _, lines = finish_with_extras(store, {"opening": 2})  # 3 of the last 5 again
    assert len(lines) == 1 and "coach" in lines[0]


def test_cause_pattern(store):
    record(store, {"arrival": 3}, {"arrival": ["late"]})
    record(store, {"arrival": 3}, {"arrival": ["late"]})
    _, lines = finish_with_extras(store, {"arrival": 3}, {"arrival": ["late"]})
    assert len(lines) == 1 and lines[0].startswith("Running late keeps coming up")


def test_demo_debriefs_never_count_and_get_no_extras(store):
    for _ in range(3):
        record(store, {"tough": 1}, demo=True)
    _, lines = finish_with_extras(store, {"tough": 1})
    assert lines == []
    for _ in range(2):
        record(store, {"tough": 1})
    _, lines = finish_with_extras(store, {"tough": 1}, demo=True)
    assert lines == [] and store.db["nudges"].count == 0


def test_progress_is_noticed_once(store):
    record(store, {"opening": 2})
    record(store, {"opening": 3})
    _, lines = finish_with_extras(store, {"opening": 4})
    assert len(lines) == 1 and "first impressions and small talk went from 2 to 4" in lines[0]
    _, lines = finish_with_extras(store, {"opening": 5})
    assert lines == []
    # it went badly again, then recovered: worth naming again
    finish_with_extras(store, {"opening": 1})
    _, lines = finish_with_extras(store, {"opening": 4.5})
    assert len(lines) == 1 and "went from 1 to 4.5" in lines[0]


def test_coach_and_progress_together(store):
    for _ in range(2):
        record(store, {"tough": 1, "opening": 2})
    _, lines = finish_with_extras(store, {"tough": 2, "opening": 4})
    assert len(lines) == 2 and "coach" in lines[0] and "went from 2 to 4" in lines[1]


def test_summary_extras_queries_are_cheap(store):
    """The window query walks the (demo, started_at) index, newest first."""
    plan = " ".join(r[3] for r in store.db.execute(
        "explain query plan select id from sessions where demo = 0 order by started_at desc limit 5"))
    assert "idx_sessions_demo_started_at" in plan and "TEMP B-TREE" not in plan


def test_trends_function_on_a_store(store):
    script, phrases = load_all()
    record(store, {"closing": 5})
    doc = trends(store, script, phrases, last=5)
    assert doc["stages"][-1]["ratings"] == [5]


def test_nudge_through_the_spoken_summary(debrief_home):
    answers = ["3, fine", "four, easy", "three, ok", "one, a coding question stumped me", "three, fine",
               "practise coding problems", "the story about the migration"]
    summaries = []
    for _ in range(4):
        result = run("start", "--text", input="\n".join(answers) + "\n")
        assert result.exit_code == 0, result.output
        summaries.append(json.loads(run("show", "--json").stdout)["summary"])
    coached = ["coach" in s for s in summaries]
    assert coached == [False, False, True, False], summaries


def test_show_marks_the_words_heard_unsure(store):
    """`show` names the words the recogniser was unsure of, so a misheard
    answer can be checked with `debrief listen` and put right with `edit`."""
    sid = store.start_session(engine="pocketsphinx")
    words = [("for", 0.31), ("out", 0.8), ("of", 0.8), ("five", 0.7), ("the", 0.82), ("small", 0.75), ("child", 0.2)]
    store.save_answer(sid, 1, "opening", "First impressions?", "for out of five the small child", None, [], None, None,
                      words=words)  # fmt: skip
    result = CliRunner().invoke(cli, ["show", str(sid)])
    assert result.exit_code == 0, result.output
    assert "(heard unsure: for, child;" in result.output
    doc = json.loads(CliRunner().invoke(cli, ["show", str(sid), "--json"]).output)
    assert next(s for s in doc["stages"] if s["id"] == "opening")["unsure"] == ["for", "child"]


def test_a_rating_heard_in_doubt_is_marked_until_it_is_checked(store, tmp_path, monkeypatch):
    """From a recording nothing is asked back: a rating heard in doubt is
    stored as such, `show` and the Markdown export mark it, and `edit`
    with the same number clears the doubt (kept in the edit history)."""
    sid = store.start_session(engine="pocketsphinx")
    store.save_answer(sid, 0, "arrival", "Getting there?", "a two the traffic", 2.0, [], None, None,
                      rating_sure=False)  # fmt: skip
    store.save_answer(sid, 1, "opening", "First impressions?", "four they were lovely", 4.0, [], None, None)
    store.save_answer(sid, 2, "experience", "Experience?", "it was fine", None, [], None, None, rating_sure=False)
    cli_ = CliRunner()
    shown = cli_.invoke(cli, ["show", str(sid)]).output
    assert "arrival  rating 2 (unsure)" in shown and "opening  rating 4\n" in shown
    assert f"`debrief edit {sid} --stage arrival --rating N`" in shown and shown.count("(unsure)") == 1
    doc = json.loads(cli_.invoke(cli, ["show", str(sid), "--json"]).output)
    assert [s["rating_sure"] for s in doc["stages"][:3]] == [False, True, None]  # no rating, no doubt
    md = cli_.invoke(cli, ["export", str(sid)]).output
    assert "(2/5, heard unsure)" in md and "(4/5)" in md

    exported = tmp_path / "one.json"
    assert cli_.invoke(cli, ["export", str(sid), "--format", "json", "-o", str(exported)]).exit_code == 0
    result = cli_.invoke(cli, ["edit", str(sid), "--stage", "arrival", "--rating", "2"])
    assert result.exit_code == 0 and "arrival rating: 2 (unsure) -> 2" in result.output
    assert "(unsure)" not in cli_.invoke(cli, ["show", str(sid)]).output
    assert cli_.invoke(cli, ["edit", str(sid), "--stage", "arrival", "--rating", "2"]).output.startswith("Nothing")

    monkeypatch.setenv("DEBRIEF_HOME", str(tmp_path / "fresh"))  # the doubt survives an export and import
    assert cli_.invoke(cli, ["import", str(exported)]).exit_code == 0
    assert json.loads(cli_.invoke(cli, ["show", "--json"]).output)["stages"][0]["rating_sure"] is False
    bad = json.loads(exported.read_text())
    bad["debriefs"][0]["turns"][0]["rating_sure"] = "maybe"
    exported.write_text(json.dumps(bad))
    result = cli_.invoke(cli, ["import", str(exported)])
    assert result.exit_code != 0 and "rating_sure" in result.output and "true, false or null" in result.output
