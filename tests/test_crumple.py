"""Crumple and delete: the words leave no trace in any file under the data dir."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.storage.store import Store

SECRET = "quokkazanzibar"
SECRET_AUDIO = b"RIFFsecretaudioquokka"
ANSWERS = [
    ("arrival", 3.0, ["late"], f"three, the {SECRET} bus was late"),
    ("opening", 4.0, [], "four, the small talk was easy"),
    ("experience", 2.0, ["examples"], "two, I could not think of examples"),
    ("tough", 2.0, ["technical"], "two, a coding question stumped me"),
    ("closing", 3.0, [], "three, I had questions ready"),
    ("improve", None, [], "practise my examples out loud"),
    ("nailed", None, [], "the story about the migration"),
]


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def record(store: Store, answers=ANSWERS, *, with_audio=True, **session) -> int:
    sid = store.start_session(**session)
    for pos, (stage, rating, causes, text) in enumerate(answers):
        store.save_answer(sid, pos, stage, "Q?", text, rating, causes,
                          "practise my examples out loud" if stage == "improve" else None,
                          "the story about the migration" if stage == "nailed" else None,
                          audio=SECRET_AUDIO if with_audio else None)
    store.finish(sid, status="complete", downhill="experience", improve="practise my examples out loud",
                 nailed="the story about the migration", summary="Thanks. Keep applying tomorrow.")
    return sid


def files_with(home: Path, needle: bytes) -> list[str]:
    found = []
    for path in home.rglob("*"):
        if path.is_file() and needle in path.read_bytes():
            found.append(path.name)
    return found


def test_secret_is_in_the_files_before(debrief_home):
    store = Store.open()
    record(store)
    assert files_with(debrief_home, SECRET.encode())  # the scan itself works
    store.close()


def test_crumple_keeps_lessons_and_leaves_no_trace(debrief_home):
    store = Store.open()
    sid = record(store, company="Acme")
    other = record(store)  # another debrief is untouched
    store.close()
    result = run("crumple", str(sid), "--yes")
    assert result.exit_code == 0, result.output
    doc = json.loads(run("show", str(sid), "--json").stdout)
    assert doc["crumpled"] is True
    assert all(st["answer"] is None for st in doc["stages"])
    assert doc["stages"][0]["rating"] == 3 and doc["stages"][0]["causes"] == ["late"]
    assert doc["improve"] == "practise my examples out loud"
    assert doc["nailed"] == "the story about the migration"
    assert doc["summary"] and doc["downhill"] == "experience"
    assert json.loads(run("show", str(other), "--json").stdout)["stages"][0]["answer"] == ANSWERS[0][3]
    # the other debrief still holds the phrase: remove it too, then nothing is left
    assert run("crumple", str(other), "--yes").exit_code == 0
    assert files_with(debrief_home, SECRET.encode()) == []
    assert files_with(debrief_home, SECRET_AUDIO) == []
    assert json.loads(run("search", SECRET, "--json").stdout) == []
    row = json.loads(run("list", "--json").stdout)[0]
    assert row["status"] == "complete"


def test_crumple_clears_old_answers_in_the_edit_history(debrief_home):
    store = Store.open()
    sid = record(store)
    store.apply_edit(sid, "opening", {"position": 1, "question": "Q?", "answer": "four, fine",
                                      "rating": 4.0, "causes": []},
                     [("answer", f"four, {SECRET} chat", "four, fine")],
                     {"downhill": "experience"})
    store.crumple(sid)
    assert store.edits(sid)[0]["old_value"] is None
    store.close()
    assert files_with(debrief_home, SECRET.encode()) == []


def test_delete_removes_everything_and_leaves_no_trace(debrief_home):
    store = Store.open()
    keep = record(store, [("arrival", 4.0, [], "four, easy parking")], with_audio=False)
    sid = record(store, company=SECRET)
    store.record_nudges(sid, ["stage:tough"], [])
    store.close()
    assert run("delete", str(sid), "--yes").exit_code == 0
    for table in ("sessions", "turns", "audio", "edits", "nudges"):
        store = Store.open()
        column = "id" if table == "sessions" else "session_id"
        assert store.db.execute(f"select count(*) from {table} where {column} = ?", [sid]).fetchone()[0] == 0
        store.close()
    assert files_with(debrief_home, SECRET.encode()) == []
    assert files_with(debrief_home, SECRET_AUDIO) == []
    assert [r["id"] for r in json.loads(run("list", "--json").stdout)] == [keep]
    result = run("show", str(sid))
    assert result.exit_code == 1 and f"no debrief with id {sid}" in result.stderr


def test_no_trace_after_the_process_exits(debrief_home):
    store = Store.open()
    sid = record(store)
    store.close()
    for command in ("crumple", "delete"):
        proc = subprocess.run(
            [sys.executable, "-c", "from assistant.cli import cli; cli()", command, str(sid), "--yes"],
            capture_output=True, text=True, env=dict(os.environ))
        assert proc.returncode == 0, proc.stderr
        assert files_with(debrief_home, SECRET.encode()) == []
        assert files_with(debrief_home, SECRET_AUDIO) == []
    assert files_with(debrief_home, b"the story about the migration") == []  # delete took the lessons too


def test_store_api_for_voice(debrief_home):
    store = Store.open()
    sid = record(store)
    store.crumple(sid)
    assert all(t["answer"] is None for t in store.turns(sid))
    assert store.session(sid)["crumpled_at"]
    store.delete(sid)
    with pytest.raises(Exception, match="no debrief with id"):
        store.session(sid)
    store.close()


@pytest.mark.parametrize("command", ["crumple", "delete"])
def test_refuses_without_tty_or_yes(debrief_home, command):
    store = Store.open()
    sid = record(store)
    store.close()
    result = run(command, str(sid))
    assert result.exit_code == 1 and "--yes" in result.stderr and "Traceback" not in result.output
    assert json.loads(run("show", str(sid), "--json").stdout)["stages"][0]["answer"] == ANSWERS[0][3]


@pytest.mark.parametrize("command", ["crumple", "delete"])
def test_unknown_id_is_one_clear_sentence(debrief_home, command):
    Store.open().close()
    result = run(command, "99", "--yes")
    assert result.exit_code == 1 and "no debrief with id 99" in result.stderr
    result = run(command, "x", "--yes")
    assert result.exit_code == 1 and "not a debrief id" in result.stderr


def test_confirmation_on_a_terminal(debrief_home, monkeypatch):
    import assistant.cli.manage as manage

    store = Store.open()
    sid = record(store)
    store.close()

    monkeypatch.setattr(manage, "interactive", lambda: True)
    monkeypatch.setattr(manage.click, "confirm", lambda *a, **k: False)
    result = run("crumple", str(sid))
    assert result.exit_code == 1 and "as it was" in result.stderr
    monkeypatch.setattr(manage.click, "confirm", lambda *a, **k: True)
    assert run("crumple", str(sid)).exit_code == 0
