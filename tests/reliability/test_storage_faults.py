"""The database locked by another program, a read-only data folder, a full
disk, and a disk that fills up during a debrief: one clear sentence, before
the first question when it can be known then, and never an answer lost."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from rel_support import (Stepper, clear_error, db_path, fault, integrity, last_id, lost, run,
                         session, turns)
from rel_support import TYPED_ANSWERS as ANSWERS

QUESTIONS = ["getting there and waiting", "first impressions", "experience and examples",
             "toughest questions", "questions for them", "differently next time", "one thing you nailed"]
BUSY_TIMEOUT = 5.0
ROOT_USER = os.geteuid() == 0


def typed(home, lines=ANSWERS):
    return run(["start", "--text"], home, input="\n".join(lines) + "\n")


def asked_anything(stderr: str) -> bool:
    return any(q in stderr for q in QUESTIONS) or "debrief" in stderr.lower() and "Let's" in stderr


def make_db(home):
    proc = typed(home, ANSWERS[:1])
    assert proc.returncode == 0, proc.stderr
    return last_id(proc.stdout)


@contextmanager
def held_write_lock(home):
    conn = sqlite3.connect(str(db_path(home)), timeout=1, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


# -- the database locked by another writer ---------------------------------------------

def test_locked_database_is_one_sentence_before_the_first_question(debrief_home):
    make_db(debrief_home)
    with held_write_lock(debrief_home):
        t = time.monotonic()
        proc = typed(debrief_home)
        waited = time.monotonic() - t
    fault()
    msg = clear_error(proc)
    assert "busy in another program" in msg
    assert waited >= BUSY_TIMEOUT - 0.5, "it did not wait for the lock"
    assert waited < BUSY_TIMEOUT + 10
    assert not any(q in proc.stderr for q in QUESTIONS), proc.stderr  # nobody spoke into the void
    # and review commands say the same, without a traceback
    with held_write_lock(debrief_home):
        assert run(["show", "--json"], debrief_home).returncode == 0  # readers never wait in WAL


def test_lock_released_within_the_timeout_is_waited_for(debrief_home):
    make_db(debrief_home)
    conn = sqlite3.connect(str(db_path(debrief_home)), timeout=1, isolation_level=None,
                           check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.5, lambda: conn.execute("COMMIT"))
    release.start()
    try:
        proc = typed(debrief_home)
    finally:
        release.join()
        conn.close()
    fault()
    assert proc.returncode == 0, proc.stderr
    sid = last_id(proc.stdout)
    assert session(debrief_home, sid)["status"] == "complete"
    assert [a for _, a in turns(debrief_home, sid)] == ANSWERS


def test_lock_taken_mid_debrief_keeps_earlier_answers(debrief_home):
    make_db(debrief_home)
    s = Stepper(["start", "--text"], debrief_home)
    for i in range(2):
        assert s.wait_for(QUESTIONS[i]), "".join(s.err)
        s.type(ANSWERS[i])
    assert s.wait_for(QUESTIONS[2])
    with held_write_lock(debrief_home):
        s.type(ANSWERS[2])
        proc = s.finish(timeout=BUSY_TIMEOUT + 20)
    fault()
    hint = clear_error(proc)
    assert "busy in another program" in proc.stderr
    sid = session(debrief_home)["id"]
    assert f"debrief resume {sid}" in hint
    stored = turns(debrief_home, sid)
    if [a for _, a in stored[:2]] != ANSWERS[:2]:
        lost(f"locked mid-debrief: stored {stored}")
    assert [a for _, a in stored] == ANSWERS[:2]
    assert f"debrief resume {sid}" in proc.stderr, "the message should say how to continue"
    done = run(["resume", sid, "--text"], debrief_home, input="\n".join(ANSWERS[2:]) + "\n")
    assert done.returncode == 0, done.stderr
    assert [a for _, a in turns(debrief_home, sid)] == ANSWERS


# -- read-only and full data folders ----------------------------------------------------

@pytest.fixture
def tmpfs(tmp_path):
    """A small tmpfs of our own (root only); yields (mount point, remount function)."""
    if not ROOT_USER:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    mounted = []

    def mount(size: str):
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mnt)], check=True)
        mounted.append(mnt)
        return mnt

    def remount(flags: str):
        subprocess.run(["mount", "-o", f"remount,{flags}", str(mnt)], check=True)

    yield mount, remount
    for m in mounted:
        subprocess.run(["umount", "-l", str(m)], check=False)


def fill(folder: Path, keep: int = 0) -> Path:
    """Fill the file system holding `folder` (leaving about `keep` bytes)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_CREAT | os.O_WRONLY, 0o600)
    block = b"\0" * 4096
    try:
        while True:
            os.write(fd, block)
    except OSError:
        pass
    finally:
        os.close(fd)
    if keep:
        size = filler.stat().st_size
        os.truncate(filler, max(0, size - keep))
    return filler


def test_read_only_data_folder_is_one_sentence_before_the_first_question(tmpfs):
    mount, remount = tmpfs
    mnt = mount("2m")
    home = mnt / "home"
    make_db(home)
    remount("ro")
    for where in (home, mnt / "never-made"):
        proc = typed(where)
        fault()
        msg = clear_error(proc)
        assert "Cannot" in msg and "DEBRIEF_HOME" in msg, msg
        assert not any(q in proc.stderr for q in QUESTIONS), proc.stderr
        # resume too: nothing is asked before the error
        proc = run(["resume", "--text"], where, input="x\n")
        assert "Traceback" not in proc.stderr and proc.returncode != 0
        assert not any(q in proc.stderr for q in QUESTIONS)
    # reading what was there: the answers, or one clear sentence
    shown = run(["show", "--json"], home)
    if shown.returncode:
        clear_error(shown)
    else:
        assert ANSWERS[0] in shown.stdout


def test_full_disk_is_one_sentence_before_the_first_question(tmpfs):
    mount, _ = tmpfs
    mnt = mount("200k")
    home = mnt / "home"
    home.mkdir()
    fill(mnt)
    proc = typed(home)
    fault()
    msg = clear_error(proc)
    assert "full" in msg, msg
    assert not any(q in proc.stderr for q in QUESTIONS), proc.stderr


def test_disk_filling_up_during_a_debrief_keeps_what_was_saved(tmpfs):
    mount, _ = tmpfs
    mnt = mount("2m")
    home = mnt / "home"
    s = Stepper(["start", "--text"], home)
    for i in range(2):
        assert s.wait_for(QUESTIONS[i]), "".join(s.err)
        s.type(ANSWERS[i])
    assert s.wait_for(QUESTIONS[2])
    filler = fill(mnt)
    s.type("I talked about " + "the data pipeline and its tests " * 20000)  # needs new pages
    proc = s.finish()
    fault()
    hint = clear_error(proc)
    assert "is full; free some space" in proc.stderr
    filler.unlink()
    assert integrity(home) == "ok"
    sid = session(home)["id"]
    stored = [a for _, a in turns(home, sid)]
    if stored[:2] != ANSWERS[:2]:
        lost(f"disk full mid-debrief: stored {stored}")
    assert stored == ANSWERS[:2]
    assert f"debrief resume {sid}" in proc.stderr, "the message should say how to continue"
    done = run(["resume", sid, "--text"], home, input="\n".join(ANSWERS[2:]) + "\n")
    assert done.returncode == 0, done.stderr
    assert [a for _, a in turns(home, sid)] == ANSWERS
