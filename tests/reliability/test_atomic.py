"""`import`, `edit` and `backup` killed at random points between their
writes (SIGKILL at the N-th SQL statement, or after the N-th page of a
backup copy): the data is always wholly as before or wholly as after, and
running the command again finishes the job. A kill hook (a sitecustomize
in the child only) picks the exact point; nothing in debrief knows of it."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3

from rel_support import (TYPED_ANSWERS, db_path, fault, integrity, kill_hook_env, run,
                         write_synthetic_export)

SEED = 20240611
POINTS = 10  # kill points per command, drawn from all of its statements


def export_all(home) -> dict:
    proc = run(["export", "--all", "--format", "json"], home)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def typed(home, company="Acme"):
    proc = run(["start", "--text", "--company", company], home, input="\n".join(TYPED_ANSWERS) + "\n")
    assert proc.returncode == 0, proc.stderr


def count_points(args, home, site, tmp_path) -> tuple[int, int]:
    """(SQL statements, backup pages) the command runs, counted on a copy."""
    probe = tmp_path / "probe-home"
    shutil.rmtree(probe, ignore_errors=True)
    shutil.copytree(home, probe)
    counts = tmp_path / "counts.txt"
    proc = run(args, probe, env=kill_hook_env(probe, site, DEBRIEF_KILL_COUNT_FILE=str(counts)))
    assert proc.returncode == 0, proc.stderr
    statements, pages = map(int, counts.read_text().split())
    shutil.rmtree(probe)
    return statements, pages


def killed_at(args, base, home, site, **point) -> int:
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(base, home)
    proc = run(args, home, env=kill_hook_env(home, site, **{k: str(v) for k, v in point.items()}))
    fault()
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc.returncode


def points(total: int, rng: random.Random) -> list[int]:
    return sorted(rng.sample(range(1, total + 1), min(POINTS, total)))


def test_import_killed_anywhere_is_all_or_nothing(tmp_path):
    base, site = tmp_path / "base", tmp_path / "site"
    typed(base)
    export = write_synthetic_export(tmp_path / "export.json", 40, id_base=1)  # id 1 is taken: new ids
    before = export_all(base)
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    done = run(["import", export], reference)
    assert done.returncode == 0, done.stderr
    after = export_all(reference)
    assert len(after["debriefs"]) == 41
    statements, _ = count_points(["import", export], base, site, tmp_path)
    assert statements > 200, statements
    rng = random.Random(SEED)
    seen = set()
    for k in points(statements, rng):
        home = tmp_path / "home"
        code = killed_at(["import", export], base, home, site, DEBRIEF_KILL_AT_STATEMENT=k)
        assert integrity(home) == "ok"
        now = export_all(home)
        assert now in (before, after), f"killed at statement {k} of {statements}: a partial import"
        seen.add("after" if now == after else "before")
        again = run(["import", export], home)  # never skipped as "already here" when it is not
        assert again.returncode == 0, again.stderr
        assert export_all(home) == after, f"killed at statement {k}: the import again did not finish it"
        if code != 0:
            assert "Imported 40 debriefs." in again.stderr, again.stderr
    assert "before" in seen


def test_edit_killed_anywhere_changes_all_or_nothing(tmp_path):
    base, site = tmp_path / "base", tmp_path / "site"
    typed(base, "Acme")
    typed(base, "Globex")
    args = ["edit", "1", "--stage", "improve", "--answer", "next time I should ask about the team structure"]
    before = export_all(base)
    reference = tmp_path / "reference"
    shutil.copytree(base, reference)
    assert run(args, reference).returncode == 0

    def settled(doc):  # what does not depend on the moment of the edit or the phrasing picked
        return [{k: v for k, v in d.items() if k not in ("updated_at", "summary", "edits")} for d in doc["debriefs"]]

    after = export_all(reference)
    statements, _ = count_points(args, base, site, tmp_path)
    rng = random.Random(SEED + 1)
    seen = set()
    for k in points(statements, rng):
        home = tmp_path / "home"
        killed_at(args, base, home, site, DEBRIEF_KILL_AT_STATEMENT=k)
        assert integrity(home) == "ok"
        now = export_all(home)
        if now == before:
            seen.add("before")
            again = run(args, home)
            assert again.returncode == 0 and "Nothing changed" not in again.stderr, again.stderr
            now = export_all(home)
        else:
            seen.add("after")
        edited = now["debriefs"][0]
        assert settled(now) == settled(after), f"killed at statement {k} of {statements}: half an edit"
        assert "team structure" in edited["summary"], f"killed at statement {k}: the summary is the old one"
        assert [e["field"] for e in edited["edits"]] == [e["field"] for e in after["debriefs"][0]["edits"]]
        assert now["debriefs"][1] == before["debriefs"][1]
    assert "before" in seen


def test_backup_killed_mid_copy_keeps_the_old_backup_whole(tmp_path):
    base, site = tmp_path / "base", tmp_path / "site"
    typed(base)
    dest_dir = tmp_path / "backups"
    dest_dir.mkdir()
    dest = dest_dir / "debrief-backup.db"
    assert run(["backup", dest], base).returncode == 0
    old = dest.read_bytes()
    more = write_synthetic_export(tmp_path / "more.json", 300, id_base=1000)
    assert run(["import", more], base).returncode == 0
    live = sqlite3.connect(db_path(base)).execute("select count(*) from sessions").fetchone()[0]
    statements, pages = count_points(["backup", dest, "--force"], base, site, tmp_path)
    assert pages > 50, pages
    rng = random.Random(SEED + 2)
    tries = [("DEBRIEF_KILL_AT_PAGE", p) for p in points(pages, rng)]
    tries += [("DEBRIEF_KILL_AT_STATEMENT", s) for s in points(statements, rng)[:4]]
    for kind, k in tries:
        dest.write_bytes(old)
        home = tmp_path / "home"
        killed_at(["backup", dest, "--force"], base, home, site, **{kind: k})
        data = dest.read_bytes()
        if data != old:  # replaced: then it is the whole new copy
            copy = sqlite3.connect(dest)
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok", (kind, k)
            assert copy.execute("select count(*) from sessions").fetchone()[0] == live, (kind, k)
            copy.close()
        assert len(data) > 0
        done = run(["backup", dest, "--force"], home)
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in dest_dir.iterdir()) == ["debrief-backup.db"], "a temporary file was left"
        assert integrity(home) == "ok"
