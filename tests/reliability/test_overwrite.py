"""Files debrief writes and files it opens. `backup`, `export -o` and
`--speak-to` never write over the live database (or its -wal and -shm,
however the path is spelt), a device, a link or a folder; they replace an
existing file only with --force (or a yes at a terminal), atomically, and
create it private (0600). A `debrief.db` that is a symbolic link is refused,
never followed: no tables, no chmod, no file created through it."""

from __future__ import annotations

import os
import stat
import sqlite3
from pathlib import Path

import pytest
import soundfile as sf

from rel_support import (Stepper, TYPED_ANSWERS, bad_input, clear_error, db_path, fault, last_id, run,
                         session, turns)

QUESTIONS = ["getting there and waiting", "first impressions", "experience and examples",
             "toughest questions", "questions for them", "differently next time", "one thing you nailed"]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def typed(home, lines=TYPED_ANSWERS, *extra):
    proc = run(["start", "--text", *extra], home, input="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    return last_id(proc.stdout)


def live_spellings(home: Path) -> list[Path]:
    db = db_path(home)
    return [db, Path(f"{db}-wal"), Path(f"{db}-shm"), home / ".." / home.name / "debrief.db",
            home / "." / "debrief.db"]


def test_backup_over_the_live_database_during_a_debrief_is_refused(debrief_home):
    typed(debrief_home)
    s = Stepper(["start", "--text"], debrief_home)
    for i in range(2):
        assert s.wait_for(QUESTIONS[i]), "".join(s.err)
        s.type(TYPED_ANSWERS[i])
    assert s.wait_for(QUESTIONS[2])
    for target in live_spellings(debrief_home):
        proc = run(["backup", target, "--force"], debrief_home)
        bad_input()
        msg = clear_error(proc)
        assert "debrief's own database" in msg, msg
    for i in range(2, 7):
        s.type(TYPED_ANSWERS[i])
        if i < 6:
            assert s.wait_for(QUESTIONS[i + 1]), "".join(s.err)
    done = s.finish()
    assert done.returncode == 0, done.stderr
    sid = last_id(done.stdout)
    assert [a for _, a in turns(debrief_home, sid)] == TYPED_ANSWERS
    assert [a for _, a in turns(debrief_home, 1)] == TYPED_ANSWERS


def test_hard_link_to_the_live_database_is_refused(debrief_home, tmp_path):
    typed(debrief_home)
    link = tmp_path / "hard-link.db"
    os.link(db_path(debrief_home), link)
    for args in (["backup", link, "--force"], ["export", "--all", "-o", link, "--force"]):
        bad_input()
        assert "debrief's own database" in clear_error(run(args, debrief_home))
    assert [a for _, a in turns(debrief_home, 1)] == TYPED_ANSWERS


def test_export_and_speak_to_never_write_over_the_live_database(debrief_home, voice_audio):
    typed(debrief_home)
    before = db_path(debrief_home).read_bytes()[:100]
    for target in live_spellings(debrief_home):
        for args in (["export", "--all", "-o", target], ["export", "--all", "-o", target, "--force"],
                     ["export", "--format", "json", "-o", target, "--force"]):
            bad_input()
            msg = clear_error(run(args, debrief_home))
            assert "debrief's own database" in msg, (args, msg)
        bad_input()
        proc = run(["start", "--input", voice_audio.full, "--engine", "pocketsphinx", "--no-speak",
                    "--speak-to", target, "--force"], debrief_home)
        msg = clear_error(proc)
        assert "debrief's own database" in msg, msg
        assert "Your earlier answers are saved" not in proc.stderr
        assert not any(q in proc.stderr for q in QUESTIONS), "a question was asked before the refusal"
    assert db_path(debrief_home).read_bytes()[:100] == before
    assert [a for _, a in turns(debrief_home, 1)] == TYPED_ANSWERS
    assert session(debrief_home)["id"] == 1


def device_nodes(folder: Path) -> list[Path]:
    """Character devices to aim at. As root (as in CI) they are private copies
    of /dev/full and /dev/null made in the test's folder, so that a debrief
    that did replace them (as an older one did) breaks nothing of the machine's;
    anyone else cannot replace the real ones, so those are safe to aim at."""
    if os.geteuid() != 0:
        return [Path("/dev/full"), Path("/dev/null")]
    nodes = []
    for name in ("full", "null"):
        real = os.stat(f"/dev/{name}")
        node = folder / f"dev-{name}"
        os.mknod(node, stat.S_IFCHR | 0o666, real.st_rdev)
        nodes.append(node)
    return nodes


def test_devices_links_and_folders_are_never_replaced(debrief_home, tmp_path):
    typed(debrief_home)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    link = tmp_path / "link.db"
    link.symlink_to(elsewhere)
    targets = {node: "not a regular file" for node in device_nodes(tmp_path)}
    targets.update({fifo: "not a regular file", link: "symbolic link"})
    for target, why in targets.items():
        kind = stat.S_IFMT(os.lstat(target).st_mode)
        for args in (["backup", target, "--force"], ["export", "--all", "-o", target, "--force"]):
            bad_input()
            fault()
            msg = clear_error(run(args, debrief_home, timeout=20))
            assert why in msg, (args, msg)
        assert stat.S_IFMT(os.lstat(target).st_mode) == kind, f"{target} was replaced"
    assert elsewhere.read_text() == "keep me"


def test_existing_files_are_replaced_only_when_asked_and_come_out_private(debrief_home, tmp_path):
    typed(debrief_home)
    for args in (["export", "--all", "-o"], ["export", "--all", "--format", "json", "-o"], ["backup"]):
        target = tmp_path / f"{args[0]}-{len(args)}.out"
        target.write_text("an older file")
        os.chmod(target, 0o644)
        bad_input()
        msg = clear_error(run(args + [target], debrief_home))
        assert "already exists" in msg and "--force" in msg, msg
        assert target.read_text() == "an older file"
        proc = run(args + [target, "--force"], debrief_home)
        assert proc.returncode == 0, proc.stderr
        assert target.read_bytes() != b"an older file"
        assert mode(target) == 0o600, oct(mode(target))
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == [], "a temporary file was left"


def test_speak_to_wav_is_private_and_an_existing_one_needs_force(debrief_home, tmp_path, voice_audio):
    said = tmp_path / "said.wav"
    proc = run(["start", "--input", voice_audio.recording(6), "--engine", "pocketsphinx", "--no-speak",
                "--speak-to", said], debrief_home, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert mode(said) == 0o600 and sf.info(str(said)).duration > 1
    first = said.read_bytes()
    bad_input()
    proc = run(["start", "--input", voice_audio.recording(6), "--engine", "pocketsphinx", "--no-speak",
                "--speak-to", said], debrief_home, timeout=120)
    assert "already exists" in clear_error(proc) and "--force" in proc.stderr
    assert not any(q in proc.stderr for q in QUESTIONS)
    assert said.read_bytes() == first
    proc = run(["start", "--input", voice_audio.recording(6), "--engine", "pocketsphinx", "--no-speak",
                "--speak-to", said, "--force"], debrief_home, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert mode(said) == 0o600 and sf.info(str(said)).duration > 1


# -- the database file itself -------------------------------------------------------------

def test_symlinked_database_is_refused_not_followed(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    other = tmp_path / "other" / "notes.db"
    other.parent.mkdir()
    conn = sqlite3.connect(other)
    conn.execute("create table notes (text)")
    conn.execute("insert into notes values ('mine')")
    conn.commit()
    conn.close()
    os.chmod(other, 0o644)
    (home / "debrief.db").symlink_to(other)
    for args, stdin in ((["start", "--text"], "\n".join(TYPED_ANSWERS) + "\n"), (["list"], ""), (["show"], ""),
                        (["import", "-"], '{"format": "debrief-export", "version": 1, "debriefs": []}'),
                        (["backup", tmp_path / "b.db"], ""), (["export", "--all"], "")):
        bad_input()
        msg = clear_error(run(args, home, input=stdin))
        assert "symbolic link" in msg, (args, msg)
    tables = [r[0] for r in sqlite3.connect(other).execute("select name from sqlite_master")]
    assert tables == ["notes"], "debrief wrote into the file the link points at"
    assert mode(other) == 0o644
    assert sorted(p.name for p in other.parent.iterdir()) == ["notes.db"]
    doctor = run(["doctor"], home, timeout=60)
    assert any(line.startswith("[FAIL] database") and "symbolic link" in line for line in doctor.stdout.splitlines())


def test_dangling_database_link_creates_nothing_outside(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    outside = tmp_path / "outside" / "planted.db"
    outside.parent.mkdir()
    (home / "debrief.db").symlink_to(outside)
    bad_input()
    proc = run(["start", "--text"], home, input="\n".join(TYPED_ANSWERS) + "\n")
    assert "symbolic link" in clear_error(proc)
    assert not outside.exists() and list(outside.parent.iterdir()) == []


@pytest.mark.parametrize("folder_mode", [0o777, 0o755, 0o750])
def test_data_folder_others_can_open_is_made_private(tmp_path, folder_mode):
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(home, folder_mode)
    doctor = run(["doctor"], home, timeout=60)
    warned = [line for line in doctor.stdout.splitlines() if line.startswith("[warn] data folder")]
    assert warned and f"{folder_mode:04o}" in warned[0] and "chmod 700" in warned[0], doctor.stdout
    assert mode(home) == folder_mode, "doctor only looks"
    bad_input()
    proc = run(["start", "--text"], home, input="\n".join(TYPED_ANSWERS) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert mode(home) == 0o700
    assert "private" in proc.stderr
    doctor = run(["doctor"], home, timeout=60)
    assert any(line.startswith("[  ok] data folder") and "private" in line for line in doctor.stdout.splitlines())
    # a review command tightens it too
    os.chmod(home, folder_mode)
    assert run(["list"], home).returncode == 0
    assert mode(home) == 0o700


def test_output_redirected_into_the_live_database_is_refused(debrief_home):
    """`debrief export >> debrief.db`: the shell opens the file, debrief must not write to it."""
    import hashlib
    import subprocess

    from rel_support import child_env, debrief_cmd

    typed(debrief_home)
    db = db_path(debrief_home)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    for args, stream in ((["export", "--all"], "stdout"), (["export", "--all", "--format", "json"], "stdout"),
                         (["list"], "stdout"), (["show", "abc"], "stderr"), (["list"], "stderr")):
        with open(db, "ab") as f:
            streams = {"stdout": f, "stderr": subprocess.PIPE} if stream == "stdout" else \
                {"stdout": subprocess.PIPE, "stderr": f}
            proc = subprocess.run(debrief_cmd() + args, env=child_env(debrief_home), stdin=subprocess.DEVNULL,
                                  timeout=60, **streams)
        bad_input()
        assert proc.returncode != 0, (args, stream)
        if stream == "stdout":
            assert b"debrief's own database" in proc.stderr, proc.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert [a for _, a in turns(debrief_home, 1)] == TYPED_ANSWERS
