"""Shared helpers for the reliability tests: running `debrief` as a real
process, reading the database behind its back, and the section's counts."""

from __future__ import annotations

import importlib.util
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STAGES = ["arrival", "opening", "experience", "tough", "closing", "improve", "nailed"]

# What the section did, printed at the end of every run (see conftest.py).
COUNTS = {"faults": 0, "bad_inputs": 0, "lost": 0}
LOST_DETAILS: list[str] = []


def fault(n: int = 1) -> None:
    COUNTS["faults"] += n


def bad_input(n: int = 1) -> None:
    COUNTS["bad_inputs"] += n


def lost(what: str) -> None:
    COUNTS["lost"] += 1
    LOST_DETAILS.append(what)


def debrief_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "debrief"
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-c", "from assistant.cli import cli; cli()"]


def child_env(home: Path, **extra: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env["DEBRIEF_HOME"] = str(home)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    for key in ("DEBRIEF_MODEL", "DEBRIEF_PROMPTS", "DEBRIEF_TTS_FAULT"):
        env.pop(key, None)
    for key, value in extra.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(args: list[str], home: Path, *, input: str | None = None, timeout: float = 60,
        env: dict | None = None, **extra_env) -> subprocess.CompletedProcess:
    return subprocess.run(
        debrief_cmd() + [str(a) for a in args], input=input if input is not None else "",
        capture_output=True, text=True, timeout=timeout,
        env=env or child_env(home, **extra_env), errors="replace",
    )


def popen(args: list[str], home: Path, *, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen(debrief_cmd() + [str(a) for a in args], env=env or child_env(home), **kw)


def clear_error(proc, *, code: int | None = None) -> str:
    """The process failed with one clear sentence and no traceback; returns it."""
    err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode(errors="replace")
    assert "Traceback" not in err and "Traceback" not in (proc.stdout or ""), err[-3000:]
    assert proc.returncode != 0, f"expected a failure, got exit 0: {err[-2000:]}"
    if code is not None:
        assert proc.returncode == code, (proc.returncode, err[-2000:])
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "no message at all"
    last = lines[-1]
    assert last.startswith(("Error:", "Usage:")) or "debrief" in last, last
    msg = last.removeprefix("Error: ").strip()
    # one sentence: no newline in it, ends like a sentence, and not a dump
    assert len(msg) < 400, msg
    assert msg.rstrip("'\")`").endswith((".", "!", "?")) or msg.endswith("."), msg
    return msg


def no_traceback(proc) -> None:
    err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode(errors="replace")
    assert "Traceback" not in err, err[-3000:]


SAVED = re.compile(r"^\s*\[(?:saved|skipped): (\w+)")


def saved_stages(stderr: str) -> list[str]:
    return [m.group(1) for line in stderr.splitlines() if (m := SAVED.match(line))]


def db_path(home: Path) -> Path:
    return Path(home) / "debrief.db"


def connect(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db_path(home)}?mode=ro", uri=True, timeout=10)


def turns(home: Path, session_id: int) -> list[tuple[str, str | None]]:
    with connect(home) as conn:
        return conn.execute("select stage, answer from turns where session_id = ? order by position",
                            [session_id]).fetchall()


def session(home: Path, session_id: int | None = None) -> dict | None:
    conn = connect(home)
    conn.row_factory = sqlite3.Row
    try:
        if session_id is None:
            row = conn.execute("select * from sessions order by id desc limit 1").fetchone()
        else:
            row = conn.execute("select * from sessions where id = ?", [session_id]).fetchone()
        return dict(row) if row else None
    finally:
        conn.close()


def integrity(home: Path) -> str:
    conn = sqlite3.connect(str(db_path(home)), timeout=10)  # read-write so the WAL is recovered
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def last_id(stdout: str) -> int:
    return int(stdout.strip().splitlines()[-1])


def load_make_test_audio():
    spec = importlib.util.spec_from_file_location("make_test_audio", ROOT / "scripts" / "make_test_audio.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
