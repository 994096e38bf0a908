"""`debrief import` checks every value at the boundary and writes a file all
or nothing; importing the same export again changes nothing. Values that got
into a database by other means (an older import, a hand edit) cannot crash
a later command."""

from __future__ import annotations

import copy
import json
import sqlite3

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from rel_support import (TYPED_ANSWERS, bad_input, clear_error, db_path, run, synthetic_debrief,
                         write_synthetic_export)


def invoke(*args, input=None):
    result = CliRunner().invoke(cli, [str(a) for a in args], input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        raise AssertionError("".join(traceback.format_exception(result.exception)))
    return result


def one_sentence(result) -> str:
    assert result.exit_code != 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    msg = lines[-1].removeprefix("Error: ")
    assert len(msg) < 400 and msg.rstrip("`'\")").endswith("."), msg
    return msg


def export_text(*docs) -> str:
    return json.dumps({"format": "debrief-export", "version": 1, "debriefs": list(docs)})


def counts(home) -> tuple[int, int, int]:
    if not db_path(home).exists():
        return (0, 0, 0)
    conn = sqlite3.connect(db_path(home))
    try:
        return tuple(conn.execute(f"select count(*) from {t}").fetchone()[0] for t in ("sessions", "turns", "edits"))
    finally:
        conn.close()


def typed(company="Acme"):
    result = invoke("start", "--text", "--company", company, input="\n".join(TYPED_ANSWERS) + "\n")
    assert result.exit_code == 0, result.stderr


def with_turn(field, value, stage=0):
    doc = synthetic_debrief(5)
    doc["turns"][stage][field] = value
    return doc


def with_field(field, value):
    doc = synthetic_debrief(5)
    doc[field] = value
    return doc


BAD = {
    "rating four": (with_turn("rating", "four"), "turns[0].rating"),
    "rating list": (with_turn("rating", [1, 2]), "turns[0].rating"),
    "rating 0": (with_turn("rating", 0), "turns[0].rating"),
    "rating 7": (with_turn("rating", 7), "turns[0].rating"),
    "rating -1": (with_turn("rating", -1), "turns[0].rating"),
    "rating 2.25": (with_turn("rating", 2.25), "turns[0].rating"),
    "rating true": (with_turn("rating", True), "turns[0].rating"),
    "rating 1e308": (with_turn("rating", 1e308), "turns[0].rating"),
    "rating on an unrated stage": (with_turn("rating", 4, stage=5), "turns[5].rating"),
    "causes nested": (with_turn("causes", [["late"]]), "turns[0].causes[0]"),
    "causes a string": (with_turn("causes", "late"), "turns[0].causes"),
    "cause unknown": (with_turn("causes", ["bad luck"]), "turns[0].causes[0]"),
    "causes object": (with_turn("causes", {"late": 1}), "turns[0].causes"),
    "stage unknown": (with_turn("stage", "lunch"), "turns[0].stage"),
    "position text": (with_turn("position", "0"), "turns[0].position"),
    "confidence 5": (with_turn("confidence", 5), "turns[0].confidence"),
    "answer number": (with_turn("answer", 42), "turns[0].answer"),
    "answered_at missing": (with_turn("answered_at", None), "turns[0].answered_at"),
    "average high": (with_field("average_rating", "high"), "average_rating"),
    "average 9": (with_field("average_rating", 9), "average_rating"),
    "started_at words": (with_field("started_at", "yesterday"), "started_at"),
    "started_at future": (with_field("started_at", "9999-12-31T23:59:59.000000Z"), "started_at"),
    "started_at month 13": (with_field("started_at", "2024-13-01T00:00:00Z"), "started_at"),
    "started_at offset": (with_field("started_at", "2024-01-01T00:00:00+02:00"), "started_at"),
    "started_at arabic digits": (with_field("started_at", "٢٠٢٤-01-01T00:00:00Z"), "started_at"),
    "started_at number": (with_field("started_at", 1700000000), "started_at"),
    "status": (with_field("status", "done"), "status"),
    "id negative": (with_field("id", -1), ".id"),
    "id too big": (with_field("id", 2**70), ".id"),
    "id text": (with_field("id", "7"), ".id"),
    "demo 2": (with_field("demo", 2), "demo"),
    "company number": (with_field("company", 123), "company"),
    "downhill unknown": (with_field("downhill", "lunch"), "downhill"),
    "turns not a list": (with_field("turns", {"arrival": 3}), "turns"),
    "too many turns": (with_field("turns", [synthetic_debrief(1)["turns"][0]] * 9), "turns"),
    "the same stage twice": (with_field("turns", synthetic_debrief(1)["turns"][:1] * 2), "turns"),
    "edit field": (with_field("edits", [{"stage": "arrival", "field": "summary", "old_value": None,
                                         "new_value": "x", "edited_at": "2024-01-01T00:00:00Z"}]), "edits[0].field"),
    "nudge pattern": (with_field("nudges", [{"pattern": "x", "nudged_at": "2024-01-01T00:00:00Z",
                                             "resolved_at": None}]), "nudges[0].pattern"),
    "answer too long": (with_turn("answer", "x" * 1_000_001), "turns[0].answer"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_values_are_refused_naming_the_field(debrief_home, tmp_path, case):
    typed()
    before = counts(debrief_home)
    doc, field = BAD[case]
    good = [synthetic_debrief(i) for i in (1, 2, 3)]
    bad_input()
    result = invoke("import", "-", input=export_text(*good, doc))  # the bad one comes last
    msg = one_sentence(result)
    assert "debriefs[3]" in msg and field in msg, msg
    assert "\x1b" not in result.stderr
    assert counts(debrief_home) == before, "a malformed import left debriefs behind"


def test_json_infinity_and_nan_are_refused(debrief_home):
    text = export_text(synthetic_debrief(1)).replace('"rating": 2.0', '"rating": Infinity', 1)
    assert "Infinity" in text
    for literal in ("Infinity", "-Infinity", "NaN"):
        bad_input()
        msg = one_sentence(invoke("import", "-", input=text.replace("Infinity", literal)))
        assert "turns[" in msg and "rating" in msg, msg
    assert counts(debrief_home) == (0, 0, 0)


BROKEN = [
    ("", "not JSON"),
    ("[1, 2]", "not a debrief export"),
    ('{"format": "debrief-export", "version": 1, "debriefs": [' + json.dumps(synthetic_debrief(1)), "not JSON"),
    ('{"format": "debrief-export", "version": 1, "debriefs": []} trailing', "not JSON"),
    ('{"format": "debrief-export", "version": 2, "debriefs": []}', "version 2"),
    ('{"debriefs": [], "format": "debrief-export", "version": 1}', "not a debrief export"),
    ('{"format": "debrief-export", "version": 1, "debriefs": [5]}', "debriefs[0]"),
    ('{"format": "debrief-export", "version": 1, "debriefs": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "nested too deeply"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"format": "debrief-export", "version": 1, "debriefs": [{"a": ' + "[" * 100_000 + "]" * 100_000 + "}]}",
     "nested too deeply"),
]


def test_broken_files_are_one_sentence_and_leave_nothing(debrief_home):
    typed()
    before = counts(debrief_home)
    for text, needle in BROKEN:
        bad_input()
        msg = one_sentence(invoke("import", "-", input=text))
        assert needle in msg, (text[:60], msg)
        assert counts(debrief_home) == before


def test_not_utf8_and_endless_files(debrief_home, tmp_path):
    latin = tmp_path / "latin1.json"
    text = json.dumps({"format": "debrief-export", "version": 1,
                       "debriefs": [dict(synthetic_debrief(1), company="Café")]}, ensure_ascii=False)
    latin.write_bytes(text.encode("latin-1"))
    bad_input()
    assert "not UTF-8" in clear_error(run(["import", latin], debrief_home))
    bad_input()
    msg = clear_error(run(["import", "/dev/zero"], debrief_home, timeout=60))
    assert "larger than" in msg or "not JSON" in msg, msg
    assert counts(debrief_home) == (0, 0, 0)


def test_a_malformed_debrief_after_good_ones_keeps_none_of_them(debrief_home, tmp_path):
    typed()
    path = tmp_path / "mixed.json"
    docs = [synthetic_debrief(i, id_base=100) for i in range(50)]
    docs[49]["turns"][2]["rating"] = "four"
    path.write_text(export_text(*docs))
    bad_input()
    msg = clear_error(run(["import", path], debrief_home))
    assert "debriefs[49].turns[2].rating" in msg, msg
    assert counts(debrief_home) == (1, 7, 0)


def test_importing_the_same_export_again_and_again_is_one_copy(debrief_home, tmp_path):
    other = tmp_path / "other"
    for company in ("Acme", "Initech"):
        proc = run(["start", "--text", "--company", company], other, input="\n".join(TYPED_ANSWERS) + "\n")
        assert proc.returncode == 0
    assert run(["edit", "1", "--stage", "tough", "--rating", "3"], other).returncode == 0
    export = tmp_path / "export.json"
    assert run(["export", "--all", "--format", "json", "-o", export], other).returncode == 0
    typed("Globex")  # ids 1 is taken here: the imported ones get new ids
    typed("Umbrella")
    first = invoke("import", export)
    assert first.exit_code == 0 and first.stdout.split() == ["3", "4"], first.output
    for _ in range(2):
        again = invoke("import", export)
        assert again.exit_code == 0 and "0 debriefs; 2 already here" in again.stderr, again.stderr
    rows = json.loads(invoke("list", "--json").stdout)
    assert sorted(r["company"] for r in rows) == ["Acme", "Globex", "Initech", "Umbrella"]
    # the same debriefs round trip: exported again, they are the same but for their ids
    mine = json.loads(invoke("export", "3", "4", "--format", "json").stdout)["debriefs"]
    theirs = json.loads(export.read_text())["debriefs"]
    assert [dict(d, id=0) for d in mine] == [dict(d, id=0) for d in theirs]


def test_a_changed_debrief_is_imported_rather_than_lost(debrief_home, tmp_path):
    doc = synthetic_debrief(1)
    assert invoke("import", "-", input=export_text(doc)).exit_code == 0
    changed = copy.deepcopy(doc)
    changed["turns"][0]["answer"] = "a different answer"
    result = invoke("import", "-", input=export_text(changed))
    assert result.exit_code == 0 and "Imported 1 debrief." in result.stderr
    assert counts(debrief_home)[0] == 2


# -- values that reached the database by other means ------------------------------------

POISON = [
    ("update turns set rating = 'four' where stage = 'arrival'", ()),
    ("update turns set rating = '[1,2]' where stage = 'opening'", ()),
    ("update turns set rating = 1e999 where stage = 'experience'", ()),
    ("update turns set rating = 1e308 where stage = 'tough'", ()),
    ("update turns set rating = -1 where stage = 'closing'", ()),
    ("update turns set causes = '[[\"late\"], {\"a\": 1}]' where stage = 'arrival'", ()),
    ("update turns set causes = 'not json' where stage = 'tough'", ()),
    ("update sessions set average_rating = 'high'", ()),
]


def test_values_written_behind_debriefs_back_crash_nothing(debrief_home):
    for company in ("Acme", "Globex", "Initech"):
        typed(company)
    interrupted = invoke("start", "--text", input="\n".join(TYPED_ANSWERS[:3]) + "\n")
    assert interrupted.exit_code == 0
    conn = sqlite3.connect(db_path(debrief_home))
    for sql, args in POISON:
        conn.execute(sql, args)
    conn.execute("update sessions set started_at = 'zzz' where id = 2")
    conn.execute("update sessions set started_at = '9999-99-99' where id = 3")
    conn.commit()
    conn.close()
    bad_input(len(POISON) + 2)
    for args in (["list"], ["list", "--json"], ["show"], ["show", "1"], ["show", "2", "--json"], ["trends"],
                 ["trends", "--json"], ["export", "--all"], ["export", "--all", "--format", "json"],
                 ["replay", "1", "--print"], ["search", "traffic"], ["list", "--since", "7d"]):
        proc = run(args, debrief_home)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (args, proc.returncode, proc.stderr[-1500:])
        assert proc.returncode >= 0, f"{args} was killed by signal {-proc.returncode}"
    for args, stdin in ((["start", "--text"], "\n".join(TYPED_ANSWERS) + "\n"),
                        (["resume", "4", "--text"], "\n".join(TYPED_ANSWERS[3:]) + "\n"),
                        (["edit", "1", "--stage", "arrival", "--rating", "2"], "")):
        proc = run(args, debrief_home, input=stdin)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (args, proc.stderr[-1500:])


def test_interactive_start_after_a_start_time_changed_by_hand(debrief_home):
    """At a terminal, `start` offers to resume the latest unfinished debrief;
    a start time it cannot read means no offer, not a crash."""
    import os
    import pty
    import select
    import subprocess
    import time

    from rel_support import child_env, debrief_cmd

    proc = run(["start", "--text"], debrief_home, input="\n".join(TYPED_ANSWERS[:2]) + "\n")
    assert proc.returncode == 0
    for stamp in ("zzz", "2024-02-30T00:00:00Z", "9999-12-31T23:59:59Z", "", "1e308"):
        conn = sqlite3.connect(db_path(debrief_home))
        conn.execute("update sessions set started_at = ?", [stamp])
        conn.commit()
        conn.close()
        leader, follower = pty.openpty()
        child = subprocess.Popen(debrief_cmd() + ["start", "--text"], env=child_env(debrief_home), stdin=follower,
                                 stdout=follower, stderr=follower)
        os.close(follower)
        shown, deadline = b"", time.monotonic() + 60
        while b"getting there" not in shown and b"Traceback" not in shown and time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 1)
            if ready:
                try:
                    shown += os.read(leader, 4096)
                except OSError:
                    break
            if child.poll() is not None and not ready:
                break
        child.kill()
        child.wait(timeout=10)
        os.close(leader)
        bad_input()
        assert b"Traceback" not in shown, shown.decode(errors="replace")[-2000:]
        assert b"getting there" in shown, (stamp, shown.decode(errors="replace")[-2000:])
