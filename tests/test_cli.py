"""Every command through click, checked against the database and the JSON."""

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from tests.support import TYPED_ANSWERS as ANSWERS, run, typed_debrief



def start(lines=ANSWERS, *extra):
    return typed_debrief(*extra, lines=lines)


def test_typed_debrief_end_to_end(debrief_home):
    result = start(ANSWERS, "--company", "Acme", "--role", "Engineer")
    session_id = int(result.stdout.strip().splitlines()[-1])
    # the database rows
    db = sqlite3.connect(debrief_home / "debrief.db")
    rows = db.execute("select stage, answer, rating, causes from turns where session_id = ? order by position", [session_id]).fetchall()
    assert [r[0] for r in rows] == ["arrival", "opening", "experience", "tough", "closing", "improve", "nailed"]
    assert rows[0][2] == 3 and "late" in json.loads(rows[0][3])
    assert rows[5][2] is None and rows[6][2] is None
    status, summary = db.execute("select status, summary from sessions where id = ?", [session_id]).fetchone()
    assert status == "complete"
    # the JSON
    doc = json.loads(run("show", str(session_id), "--json").stdout)
    assert doc["id"] == session_id and doc["status"] == "complete" and doc["company"] == "Acme"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", doc["started_at"])
    assert [s["id"] for s in doc["stages"]] == ["arrival", "opening", "experience", "tough", "closing", "improve", "nailed"]
    assert set(doc["stages"][0]) >= {"id", "question", "answer", "rating", "causes"}
    assert doc["stages"][2]["rating"] == 2 and "examples" in doc["stages"][2]["causes"]
    assert doc["downhill"] == "experience"
    assert "examples" in doc["improve"] and "migration" in doc["nailed"]
    # the summary: the win, the improvement, a fix matched to the cause, the nudge
    assert doc["summary"] == summary
    assert "migration" in summary and "examples" in summary
    assert "to a friend" in summary
    assert "tomorrow" in summary.lower()
    # stdout is the summary and then the id; prompts went to stderr
    assert summary in result.stdout
    assert "How did you feel" not in result.stdout and "How did you feel" in result.stderr


def test_end_of_input_saves_interrupted_exit_zero(debrief_home):
    result = start(ANSWERS[:2])
    session_id = result.stdout.strip().splitlines()[-1]
    assert "resume" in result.stderr
    doc = json.loads(run("show", "--json").stdout)
    assert doc["id"] == int(session_id) and doc["status"] == "interrupted"
    assert doc["stages"][1]["answer"] == ANSWERS[1]
    assert doc["stages"][2]["answer"] is None and doc["summary"] is None


def test_list_and_json(debrief_home):
    start(ANSWERS, "--company", "Acme")
    start(ANSWERS[:1], "--company", "Globex")
    rows = json.loads(run("list", "--json").stdout)
    assert [r["company"] for r in rows] == ["Globex", "Acme"]
    assert set(rows[0]) >= {"id", "started_at", "company", "status", "average_rating", "downhill"}
    assert rows[1]["average_rating"] == pytest.approx((3 + 4 + 2 + 2 + 3) / 5)
    assert rows[1]["downhill"] == "experience"
    text = run("list").stdout
    assert "Acme" in text and "Globex" in text


def test_search(debrief_home):
    start(ANSWERS)
    hits = json.loads(run("search", "coding", "STUMP", "--json").stdout)
    assert [(h["stage"], h["session_id"]) for h in hits] == [("tough", 1)]
    assert set(hits[0]) == {"session_id", "stage", "answer", "started_at"}
    assert run("search", "rush").exit_code == 0


@pytest.mark.parametrize("query", ['"', "'", "*", "(", '"a', "[x", "NOT", "a OR", "ramble*"])
def test_search_with_fts_characters_never_crashes(debrief_home, query):
    start(ANSWERS)
    result = CliRunner().invoke(cli, ["search", query, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        json.loads(result.stdout)
    else:
        assert "at least one word" in result.stderr


def test_search_empty_is_clear(debrief_home):
    start(ANSWERS)
    result = CliRunner().invoke(cli, ["search", ""])
    assert result.exit_code == 1 and "at least one word" in result.stderr


def test_replay_print(debrief_home):
    start(ANSWERS)
    result = run("replay", "--print")
    doc = json.loads(run("show", "--json").stdout)
    assert result.stdout.strip() == doc["summary"]


@pytest.mark.parametrize("command", ["show", "replay"])
def test_unknown_id_is_one_clear_sentence(debrief_home, command):
    start(ANSWERS)
    result = CliRunner().invoke(cli, [command, "999"])
    assert result.exit_code == 1
    assert "no debrief with id 999" in result.stderr and "Traceback" not in result.output
    result = CliRunner().invoke(cli, [command, "abc"])
    assert result.exit_code == 1 and "not a debrief id" in result.stderr


def test_show_with_no_debriefs(debrief_home):
    result = CliRunner().invoke(cli, ["show"])
    assert result.exit_code == 1 and "debrief start" in result.stderr


def test_replay_of_unfinished_debrief(debrief_home):
    start(ANSWERS[:1])
    result = CliRunner().invoke(cli, ["replay", "--print"])
    assert result.exit_code == 1 and "resume" in result.stderr


def test_extract_json(debrief_home):
    doc = json.loads(run("extract", "--stage", "tough", "--json", "four, I nailed the story but I rambled").stdout)
    assert set(doc) == {"rating", "improve", "nailed", "causes"}
    assert doc["rating"] == 4 and "rambling" in doc["causes"]
    doc = json.loads(run("extract", "--stage", "improve", "--json", "I should prepare better examples").stdout)
    assert doc["rating"] is None
    result = CliRunner().invoke(cli, ["extract", "--stage", "lunch", "x"])
    assert result.exit_code == 1 and "Unknown stage 'lunch'" in result.stderr


def test_malformed_prompts_fail_before_anything_is_asked(debrief_home, tmp_path, monkeypatch):
    import shutil

    from assistant.prompts import prompts_dir

    folder = tmp_path / "p"
    shutil.copytree(prompts_dir(), folder)
    (folder / "phrases.toml").write_text("greeting = [\n")
    monkeypatch.setenv("DEBRIEF_PROMPTS", str(folder))
    result = CliRunner().invoke(cli, ["start", "--text"], input="3\n")
    assert result.exit_code == 1 and "phrases.toml" in result.stderr and "TOML" in result.stderr
    assert "How did you feel" not in result.stderr
    assert not (debrief_home / "debrief.db").exists()


def test_unwritable_data_dir_fails_before_first_question(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("DEBRIEF_HOME", str(blocker / "home"))
    result = CliRunner().invoke(cli, ["start", "--text"], input="3\n")
    assert result.exit_code == 1 and "DEBRIEF_HOME" in result.stderr
    assert "How did you feel" not in result.stderr


def test_empty_and_very_long_answers(debrief_home):
    long = "I rambled " + "and then more words " * 4000
    start(["", long, *ANSWERS[2:]])
    doc = json.loads(run("show", "--json").stdout)
    assert doc["stages"][0]["answer"] is None
    assert doc["stages"][1]["answer"] == long.strip()  # nothing the person said is lost
    assert doc["status"] == "complete" and len(doc["summary"]) < 1500


def test_every_command_has_help_and_is_in_the_readme():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    for name, command in cli.commands.items():
        assert command.help, name
        assert run(name, "--help").exit_code == 0
        assert f"debrief {name}" in readme, f"`debrief {name}` is not in the README"


def test_readme_usage_is_generated_from_help():
    """The README's usage section is cog output; it must match --help now."""
    root = Path(__file__).parent.parent
    proc = subprocess.run([sys.executable, "-m", "cogapp", "--check", str(root / "README.md")],
                          capture_output=True, text=True, cwd=root)
    assert proc.returncode == 0, "README.md is stale: run `.venv/bin/cog -r README.md`\n" + proc.stdout + proc.stderr
