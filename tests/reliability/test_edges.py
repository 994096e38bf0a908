"""Ordinary input at the edges: huge or foreign ids and dates, deeply nested
files, config.toml values outside the command line's ranges or that are not
regular files, a relative DEBRIEF_HOME, a delete behind a long reader, a
database that is empty or half made, and the text-to-speech temporary
folders a killed debrief leaves behind."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from rel_support import (TYPED_ANSWERS, bad_input, child_env, clear_error, db_path, debrief_cmd, fault,
                         last_id, popen, run, session, turns)


def typed(home, company="Acme"):
    proc = run(["start", "--text", "--company", company], home, input="\n".join(TYPED_ANSWERS) + "\n")
    assert proc.returncode == 0, proc.stderr
    return last_id(proc.stdout)


# -- ids and dates ---------------------------------------------------------------------

IDS = ["99999999999999999999", "9223372036854775808", "1" * 5000, "١", "٣", "1٢", "１", "0x1", "1e3", " 1", "+1",
       "1.0", "²"]


def test_ids_are_ascii_digits_within_range(debrief_home):
    typed(debrief_home)
    for value in IDS:
        for args in (["show", value], ["delete", value, "--yes"], ["edit", value, "--stage", "arrival", "--rating", "3"],
                     ["crumple", value, "--yes"], ["export", value], ["replay", value, "--print"]):
            bad_input()
            proc = run(args, debrief_home)
            if proc.returncode == 2:  # click read it as an option
                continue
            msg = clear_error(proc)
            assert "not a debrief id" in msg, (args, msg)
    assert [a for _, a in turns(debrief_home, 1)] == TYPED_ANSWERS, "debrief 1 was changed"
    assert session(debrief_home, 1)["crumpled_at"] is None
    bad_input()
    assert "no debrief with id 9223372036854775807" in clear_error(run(["show", "9223372036854775807"],
                                                                        debrief_home))


def test_counts_past_sqlite_integers(debrief_home):
    typed(debrief_home)
    for huge in ("9223372036854775807", "9223372036854775808", "9" * 40):
        for args in (["list", "--limit", huge], ["search", "traffic", "--limit", huge], ["trends", "--last", huge],
                     ["trends", "--last", huge, "--json"]):
            bad_input()
            proc = run(args, debrief_home)
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, (args, proc.stderr[-1500:])


def test_since_at_the_edges_of_time(debrief_home):
    import json

    typed(debrief_home)
    for since in ["0001-01-01", "1000000d", "99999999999999999999999d", "1969-12-31", "9999-12-31", "100000w", "0d"]:
        bad_input()
        proc = run(["list", "--since", since, "--json"], debrief_home)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (since, proc.stderr)
        found = json.loads(proc.stdout)
        everything = since.startswith(("0001", "1969", "1000000", "9999999", "100000w"))
        assert [r["id"] for r in found] == ([1] if everything else []), since


def test_since_that_is_not_a_date_is_one_sentence(debrief_home):
    typed(debrief_home)
    for since in ["٢٠٢٤-٠١-٠١", "٧d", "2024-1-1", "yesterday", "7 days", "-7d", "2024-02-30", "0000-01-01"]:
        bad_input()
        assert "is not a date" in clear_error(run(["list", "--since", since], debrief_home)), since


# -- config.toml ------------------------------------------------------------------------

CONFIGS = [
    ("silence = nan", "'silence' must be"),
    ("silence = inf", "'silence' must be"),
    ("silence = -inf", "'silence' must be"),
    ("silence = 0.0001", "'silence' must be"),
    ("silence = 1e308", "'silence' must be"),
    ("silence = true", "'silence' must be"),
    ("max_answer = nan", "'max_answer' must be"),
    ("no_answer_timeout = 0.0001", "'no_answer_timeout' must be"),
    ("rate = 10", "'rate' must be"),
    ("rate = 170.5", "'rate' must be"),
    ("input_device = true", "'input_device' must be"),
    ("output_device = -1", "'output_device' must be"),
    ("input_device = 1.5", "'input_device' must be"),
    ("voice = 3", "'voice' must be"),
    ("engine = ''", "'engine' must be"),
    ("silence = " + "[" * 100_000 + "]" * 100_000, "larger than"),
    ("silence = " + "[" * 30_000 + "]" * 30_000, "nested too deeply"),
    ("a = " + "{b = " * 6_000 + "1" + "}" * 6_000, "nested too deeply"),
]


def test_config_uses_the_command_line_ranges_and_types(debrief_home):
    debrief_home.mkdir(parents=True)
    for text, needle in CONFIGS:
        (debrief_home / "config.toml").write_text(text)
        bad_input()
        proc = run(["start", "--text"], debrief_home, input="\n".join(TYPED_ANSWERS) + "\n")
        msg = clear_error(proc)
        assert needle in msg and "config.toml" in msg, (text[:40], msg)
        assert "How did you feel" not in proc.stderr and "getting there" not in proc.stderr


def test_config_that_is_a_link_a_device_or_a_pipe_is_refused_at_once(debrief_home, tmp_path):
    debrief_home.mkdir(parents=True)
    config = debrief_home / "config.toml"
    real = tmp_path / "real.toml"
    real.write_text("silence = 1.5\n")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for target, needle in ((Path("/dev/zero"), "symbolic link"), (real, "symbolic link"),
                           (tmp_path / "missing.toml", "symbolic link")):
        config.unlink(missing_ok=True)
        config.symlink_to(target)
        bad_input()
        t = time.monotonic()
        proc = run(["start", "--text"], debrief_home, input="x\n", timeout=30)
        assert time.monotonic() - t < 20
        assert needle in clear_error(proc)
    config.unlink()
    os.mkfifo(config)
    bad_input()
    proc = run(["start", "--text"], debrief_home, input="x\n", timeout=30)
    assert "not a regular file" in clear_error(proc)
    config.unlink()
    config.write_text("# " + "x" * 100_000)
    bad_input()
    assert "larger than" in clear_error(run(["start", "--text"], debrief_home, input="x\n"))
    config.write_bytes(b"silence = 1.5 \xff\n")
    bad_input()
    assert "not UTF-8" in clear_error(run(["start", "--text"], debrief_home, input="x\n"))


# -- where the data lives -----------------------------------------------------------------

def test_relative_debrief_home_is_made_absolute(tmp_path):
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    env = child_env(Path("rel-home"))
    proc = subprocess.run(debrief_cmd() + ["path", "--db"], env=env, cwd=work, capture_output=True, text=True)
    assert proc.stdout.strip() == str(work / "rel-home" / "debrief.db"), proc.stdout
    proc = subprocess.run(debrief_cmd() + ["start", "--text"], env=env, cwd=work, capture_output=True, text=True,
                          input="\n".join(TYPED_ANSWERS) + "\n")
    assert proc.returncode == 0, proc.stderr
    # the live database is recognised however the relative path is written
    proc = subprocess.run(debrief_cmd() + ["backup", "rel-home/debrief.db", "--force"], env=env, cwd=work,
                          capture_output=True, text=True)
    bad_input()
    assert "debrief's own database" in clear_error(proc)
    proc = subprocess.run(debrief_cmd() + ["export", "-o", "../rel-home/debrief.db", "--force"], env=env,
                          cwd=work / "sub", capture_output=True, text=True)
    assert proc.returncode == 1  # another folder, another relative path: sub/rel-home does not exist
    assert [a for _, a in turns(work / "rel-home", 1)] == TYPED_ANSWERS


def test_delete_behind_a_long_reader_says_so_and_does_not_wait_long(debrief_home):
    typed(debrief_home)
    typed(debrief_home, "Globex")
    reader = sqlite3.connect(db_path(debrief_home), isolation_level=None, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("select count(*) from turns").fetchone()  # holds a snapshot: the WAL cannot be truncated
    try:
        t = time.monotonic()
        proc = run(["delete", "1", "--yes"], debrief_home, timeout=60)
        waited = time.monotonic() - t
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    fault()
    assert waited < 25, f"waited {waited:.0f} s"
    assert "Another program has" in proc.stderr and "waiting" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert session(debrief_home, 1) is None  # the debrief itself is gone
    assert session(debrief_home, 2) is not None


# -- leftovers ------------------------------------------------------------------------------

def test_doctor_accepts_an_empty_or_half_made_database(debrief_home):
    debrief_home.mkdir(mode=0o700)
    path = db_path(debrief_home)
    for make in ("empty", "wal-only", "migrations-table-only"):
        path.unlink(missing_ok=True)
        if make == "empty":
            path.touch(mode=0o600)
        else:
            conn = sqlite3.connect(path)
            conn.execute("PRAGMA journal_mode = wal")
            if make == "migrations-table-only":
                conn.execute("create table _sqlite_migrations (migration_set text, name text, applied_at text)")
            conn.commit()
            conn.close()
        fault()
        doctor = run(["doctor"], debrief_home, timeout=60)
        lines = [line for line in doctor.stdout.splitlines() if "database" in line]
        assert lines and lines[0].startswith("[  ok] database"), (make, doctor.stdout)
        assert "Traceback" not in doctor.stderr
        sid = typed(debrief_home)  # and the next debrief does set it up
        assert [a for _, a in turns(debrief_home, sid)] == TYPED_ANSWERS
        doctor = run(["doctor"], debrief_home, timeout=60)
        assert any(line.startswith("[  ok] database") and "integrity ok" in line
                   for line in doctor.stdout.splitlines()), doctor.stdout


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def tts_base() -> Path:
    return Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())


def test_tts_temp_folders_of_gone_processes_are_removed(tmp_path):
    from assistant.speech_out.tts_process import sweep_temp, temp_dir

    base = tts_base()
    stale = Path(tempfile.mkdtemp(prefix=f"debrief-tts-{_dead_pid()}-", dir=base))
    (stale / "piece.wav").write_bytes(b"RIFF")
    live = Path(tempfile.mkdtemp(prefix=f"debrief-tts-{os.getpid()}-", dir=base))
    fresh = temp_dir()
    try:
        assert not stale.exists(), "the folder of a gone process was left"
        assert live.exists(), "the folder of a running process was removed"
        assert Path(fresh).name.startswith(f"debrief-tts-{os.getpid()}-")
        assert sweep_temp(str(base)) == 0
    finally:
        for d in (live, Path(fresh)):
            os.rmdir(d)


def test_a_killed_voice_debrief_leaves_a_tts_folder_the_next_one_removes(tmp_path, voice_audio):
    home = tmp_path / "home"
    base = tts_base()
    proc = popen(["start", "--input", voice_audio.full, "--engine", "pocketsphinx", "--no-speak",
                  "--speak-to", tmp_path / "said.wav"], home, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True, text=True)
    mine = []
    deadline = time.monotonic() + 60
    while not mine and time.monotonic() < deadline:
        mine = list(base.glob(f"debrief-tts-{proc.pid}-*"))
        time.sleep(0.05)
    assert mine, "the voice debrief made no TTS folder"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    fault()
    assert mine[0].exists(), "a killed process cannot clean up: the folder is still there"
    done = run(["start", "--input", voice_audio.recording(6), "--engine", "pocketsphinx", "--no-speak",
                "--speak-to", tmp_path / "said2.wav"], home, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not mine[0].exists(), "the next debrief did not remove the killed one's folder"
    assert not list(base.glob(f"debrief-tts-{proc.pid}-*"))
    threading.Event().wait(0)  # nothing else left running
