"""list filters, edit, backup, path, the schema, and the fast read path."""

import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from assistant.storage import reader
from assistant.review.views import parse_since
from assistant.storage.schema import migrations, schema_markdown
from assistant.storage.store import Store
from tests.support import TYPED_ANSWERS as ANSWERS, run, saved_id, typed_debrief



def start(*extra, lines=ANSWERS):
    return saved_id(typed_debrief(*extra, lines=lines))


def session_at(store, when: datetime, company=None, role=None) -> int:
    sid = store.start_session(company=company, role=role)
    stamp = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    store.db.execute("update sessions set started_at = ? where id = ?", [stamp, sid])
    store.db.conn.commit()
    return sid


# -- list ------------------------------------------------------------------------
def test_list_company_since_limit(debrief_home):
    store = Store.open()
    now = datetime.now(timezone.utc)
    old = session_at(store, now - timedelta(days=30), "Acme Corp", "Engineer")
    mid = session_at(store, now - timedelta(days=10), "Globex", "Analyst")
    new = session_at(store, now - timedelta(days=1), "ACME", "Lead")
    umlaut = session_at(store, now - timedelta(hours=1), "Ärzte Ünion", None)
    store.close()
    ids = lambda *a: [r["id"] for r in json.loads(run("list", "--json", *a).stdout)]  # noqa: E731
    assert ids() == [umlaut, new, mid, old]
    assert ids("--company", "acme") == [new, old]
    assert ids("--company", "äRZTE") == [umlaut]  # any script, any case
    assert ids("--company", "%") == []  # no LIKE wildcards
    assert ids("--since", "7d") == [umlaut, new]
    assert ids("--since", "2w") == [umlaut, new, mid]
    assert ids("--since", (now - timedelta(days=12)).astimezone().date().isoformat()) == [umlaut, new, mid]
    assert ids("--company", "acme", "--since", "2w") == [new]
    assert ids("--limit", "2") == [umlaut, new]
    assert ids("--limit", "0") == ids("--all") == [umlaut, new, mid, old]
    row = json.loads(run("list", "--json").stdout)[0]
    assert set(row) == {"id", "started_at", "company", "role", "status", "average_rating", "downhill"}


def test_list_default_limit_and_note(debrief_home):
    store = Store.open()
    for _ in range(23):
        store.start_session()
    store.close()
    result = run("list")
    assert len(result.stdout.strip().splitlines()) == 1 + 20
    assert "--limit 0" in result.stderr
    assert len(json.loads(run("list", "--json", "--all").stdout)) == 23
    assert "--limit 0" in run("list", "--help").stdout


def test_list_text_columns(debrief_home):
    start("--company", "Acme", "--role", "Engineer")
    out = run("list").stdout
    assert "Acme" in out and "Engineer" in out and "experience" in out and "complete" in out


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01", "7x", " "])
def test_list_bad_since_is_one_sentence(debrief_home, bad):
    Store.open().close()
    result = run("list", "--since", bad)
    assert result.exit_code == 1 and "YYYY-MM-DD" in result.stderr and "Traceback" not in result.output


def test_parse_since():
    now = datetime(2024, 5, 20, 12, 0, tzinfo=timezone.utc)
    assert parse_since("7d", now) == "2024-05-13T12:00:00.000000Z"
    assert parse_since("2W", now) == "2024-05-06T12:00:00.000000Z"
    assert parse_since("2024-05-01").startswith(("2024-04-30", "2024-05-01"))


def test_list_with_no_database_creates_nothing(debrief_home):
    result = run("list")
    assert result.exit_code == 0 and "debrief start" in result.stderr
    assert json.loads(run("list", "--json").stdout) == []
    assert run("search", "x", "--json").stdout.strip() == "[]"
    assert not (debrief_home / "debrief.db").exists()


# -- search ----------------------------------------------------------------------
def test_search_newest_first_and_limited(debrief_home):
    first = start()
    second = start()
    hits = json.loads(run("search", "stumped", "--json").stdout)
    assert [h["session_id"] for h in hits] == [second, first]
    hits = json.loads(run("search", "stumped", "--json", "--limit", "1").stdout)
    assert [h["session_id"] for h in hits] == [second]


# -- edit ------------------------------------------------------------------------
def test_edit_answer_reruns_the_rules(debrief_home):
    sid = start()
    result = run("edit", str(sid), "--stage", "tough", "--answer", "five, I rambled but it went great")
    assert result.exit_code == 0, result.output
    doc = json.loads(run("show", str(sid), "--json").stdout)
    tough = doc["stages"][3]
    assert tough["answer"] == "five, I rambled but it went great"
    assert tough["rating"] == 5 and "rambling" in tough["causes"]
    assert "tough rating: 2 -> 5" in result.stdout
    db = sqlite3.connect(debrief_home / "debrief.db")
    edits = db.execute("select stage, field, old_value, new_value from edits where session_id = ?", [sid]).fetchall()
    assert ("tough", "answer", ANSWERS[3], "five, I rambled but it went great") in edits
    assert ("tough", "rating", "2", "5") in edits
    avg = db.execute("select average_rating from sessions where id = ?", [sid]).fetchone()[0]
    assert avg == pytest.approx((3 + 4 + 2 + 5 + 3) / 5)


def test_edit_rating_wins_and_recomputes_turning_point_and_summary(debrief_home):
    sid = start()
    before = json.loads(run("show", str(sid), "--json").stdout)
    assert before["downhill"] == "experience"
    result = run("edit", str(sid), "--stage", "experience", "--rating", "4.5",
                 "--answer", "two, but the examples were fine")
    assert result.exit_code == 0, result.output
    after = json.loads(run("show", str(sid), "--json").stdout)
    assert after["stages"][2]["rating"] == 4.5  # the explicit rating wins over the "two" heard
    assert after["downhill"] == "tough"
    assert "turning point: experience -> tough" in result.stdout
    assert "toughest" in after["summary"]  # the summary names the new turning point


def test_edit_keeps_old_rating_when_new_words_have_none(debrief_home):
    sid = start()
    run("edit", str(sid), "--stage", "opening", "--answer", "the small talk was about the weather")
    assert json.loads(run("show", str(sid), "--json").stdout)["stages"][1]["rating"] == 4


def test_edit_interrupted_debrief_adds_a_stage_without_summary(debrief_home):
    sid = start(lines=ANSWERS[:1])
    assert run("edit", str(sid), "--stage", "tough", "--rating", "1").exit_code == 0
    doc = json.loads(run("show", str(sid), "--json").stdout)
    assert doc["stages"][3]["rating"] == 1 and doc["summary"] is None and doc["status"] == "interrupted"


@pytest.mark.parametrize("args, message", [
    (["--stage", "tough", "--rating", "6"], "1 to 5 in half steps"),
    (["--stage", "tough", "--rating", "0"], "1 to 5 in half steps"),
    (["--stage", "tough", "--rating", "3.3"], "1 to 5 in half steps"),
    (["--stage", "tough", "--rating", "four"], "1 to 5 in half steps"),
    (["--stage", "lunch", "--rating", "3"], "Unknown stage 'lunch'"),
    (["--stage", "improve", "--rating", "3"], "has no rating"),
    (["--stage", "tough"], "give --rating, --answer"),
    (["--stage", "tough", "--answer", "  "], "answer is empty"),
])
def test_edit_errors_are_one_sentence(debrief_home, args, message):
    sid = start()
    result = run("edit", str(sid), *args)
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert "Traceback" not in result.output and result.stderr.count("\n") == 1


def test_edit_unknown_id(debrief_home):
    start()
    result = run("edit", "99", "--stage", "tough", "--rating", "3")
    assert result.exit_code == 1 and "no debrief with id 99" in result.stderr


def test_edit_crumpled_answer_is_refused_but_rating_works(debrief_home):
    sid = start()
    assert run("crumple", str(sid), "--yes").exit_code == 0
    result = run("edit", str(sid), "--stage", "tough", "--answer", "five")
    assert result.exit_code == 1 and "crumpled" in result.stderr
    assert run("edit", str(sid), "--stage", "tough", "--rating", "3").exit_code == 0
    assert json.loads(run("show", str(sid), "--json").stdout)["stages"][3]["answer"] is None


# -- backup, path, schema ----------------------------------------------------------
def test_backup_is_a_valid_private_database(debrief_home, tmp_path):
    sid = start()
    dest = tmp_path / "copy.db"
    result = run("backup", str(dest))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    db = sqlite3.connect(dest)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert db.execute("select id from sessions").fetchall() == [(sid,)]
    db.close()
    result = run("backup", str(dest))
    assert result.exit_code == 1 and "--force" in result.stderr
    assert run("backup", str(dest), "--force").exit_code == 0
    result = run("backup", str(tmp_path / "missing" / "x.db"))
    assert result.exit_code == 1 and "Cannot create" in result.stderr


def test_backup_with_nothing_recorded(debrief_home, tmp_path):
    result = run("backup", str(tmp_path / "x.db"))
    assert result.exit_code == 1 and "nothing to back up" in result.stderr


def test_path(debrief_home):
    result = run("path")
    assert str(debrief_home) in result.stdout and str(debrief_home / "debrief.db") in result.stdout
    assert run("path", "--db").stdout.strip() == str(debrief_home / "debrief.db")


def test_schema_markdown_matches_a_fresh_database():
    text = schema_markdown()
    assert text.startswith("## Database schema")
    for table in ("sessions", "turns", "audio", "edits", "nudges", "turns_fts"):
        assert f'CREATE TABLE "{table}"' in text or f'CREATE VIRTUAL TABLE "{table}"' in text
    assert "_sqlite_migrations" not in text and "turns_fts_data" not in text
    script = subprocess.run([sys.executable, "scripts/schema.py"], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.dirname(__file__)))
    assert script.returncode == 0 and script.stdout.strip() == text.strip()


def test_schema_version_is_in_step(debrief_home):
    store = Store.open()
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == reader.SCHEMA_VERSION
    assert migrations.pending(store.db) == []
    store.close()


def test_old_database_is_migrated_by_a_read_command(debrief_home):
    from assistant.storage.schema import migrations as m

    debrief_home.mkdir(parents=True, exist_ok=True)
    path = debrief_home / "debrief.db"
    import sqlite_utils

    db = sqlite_utils.Database(path)
    m.apply(db, stop_before="m002_review")
    db.execute("insert into sessions (started_at, status) values ('2024-01-01T00:00:00Z', 'complete')")
    db.conn.commit()
    db.close()
    rows = json.loads(run("list", "--json").stdout)
    assert [r["id"] for r in rows] == [1]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == reader.SCHEMA_VERSION


def test_queries_use_indexes(debrief_home):
    store = Store.open()
    conn = store.db.conn
    plans = {
        "list": "select * from sessions order by started_at desc, id desc limit 21",
        "turns": "select * from turns where session_id = 1 order by position",
        "window": "select id from sessions where demo = 0 order by started_at desc, id desc limit 5",
    }
    for name, sql in plans.items():
        plan = " ".join(r[3] for r in conn.execute("explain query plan " + sql))
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, (name, plan)
        assert "SCAN sessions" not in plan or "USING INDEX" in plan
    store.close()


def test_review_commands_import_neither_sqlite_utils_nor_speech(debrief_home):
    start()
    code = (
        "import sys; from click.testing import CliRunner; from assistant.cli import cli;"
        "r = CliRunner();"
        "[r.invoke(cli, a) for a in (['list'], ['show'], ['search', 'x'], ['trends', '--json'], ['export', '--all'],"
        " ['extract', 'four'])];"
        "bad = [m for m in ('sqlite_utils', 'numpy', 'vosk', 'pocketsphinx', 'sounddevice', 'pyttsx3', 'soundfile',"
        " 'plotext') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_reader_loads_neither_sqlite_utils_nor_numpy():
    code = ("import sys; import assistant.storage.reader; "
            "print([m for m in ('sqlite_utils', 'numpy') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "[]", proc.stderr
