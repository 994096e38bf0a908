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
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import TYPED_ANSWERS  # noqa: E402,F401  (the typed debrief every test uses)
STAGES = ["arrival", "opening", "experience", "tough", "closing", "improve", "nailed"]

# What the section did, printed at the end of every run (see conftest.py).
COUNTS = {"faults": 0, "bad_inputs": 0, "lost": 0, "fuzzed": 0, "rounds": 0, "escapes": 0}
LOST_DETAILS: list[str] = []


def fault(n: int = 1) -> None:
    COUNTS["faults"] += n


def bad_input(n: int = 1) -> None:
    COUNTS["bad_inputs"] += n


def fuzzed(n: int = 1) -> None:
    COUNTS["fuzzed"] += n


def concurrent_round(n: int = 1) -> None:
    """Two debriefs answered at the same instant, with review commands alongside."""
    COUNTS["rounds"] += n


def escape_checked(n: int = 1) -> None:
    """A command's human-readable output checked for one escape sequence."""
    COUNTS["escapes"] += n


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


class Stepper:
    """A `debrief` process driven line by line: waits for text on stderr
    before typing the next answer."""

    def __init__(self, args: list[str], home: Path, env: dict | None = None):
        import queue
        import threading

        self.proc = popen(args, home, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, bufsize=1)
        self.err: list[str] = []
        self.out: list[str] = []
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc.stderr, self.err, True), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.out, False), daemon=True).start()

    def _pump(self, stream, into, signal_lines):
        for line in stream:
            into.append(line)
            if signal_lines:
                self._lines.put(line)
        if signal_lines:
            self._lines.put(None)

    def wait_for(self, text: str, timeout: float = 30) -> bool:
        import queue
        import time

        deadline = time.monotonic() + timeout
        if any(text in line for line in self.err):
            return True
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return False
            if line is None:
                return False
            if text in line:
                return True

    def type(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 30) -> subprocess.CompletedProcess:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(timeout=timeout)
        import time

        time.sleep(0.1)  # let the pumps drain
        return subprocess.CompletedProcess(self.proc.args, self.proc.returncode,
                                           "".join(self.out), "".join(self.err))


# -- synthetic exports (import tests, the scale check) -------------------------------------
RATED = STAGES[:5]
CAUSE_TAGS = ["late", "nerves", "examples", "preparation", "rambling", "technical", "questions"]


def synthetic_debrief(i: int, *, id_base: int = 1) -> dict:
    """A valid exported debrief, different for every i (a few hundred bytes of answers)."""
    day, minute = divmod(i, 1440)
    started = f"2020-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{minute // 60:02d}:{minute % 60:02d}:00.{i % 1000000:06d}Z"
    turns = []
    for pos, stage in enumerate(STAGES):
        rated = stage in RATED
        turns.append({
            "position": pos, "stage": stage, "question": f"Question about {stage}?",
            "answer": f"answer {i} for {stage}: the interview at company {i % 97} went on about the pipeline",
            "rating": float(1 + (i + pos) % 5) if rated else None,
            "causes": [CAUSE_TAGS[(i + pos) % len(CAUSE_TAGS)]] if rated and (i + pos) % 3 == 0 else [],
            "improve": f"practise example {i}" if stage == "improve" else None,
            "nailed": f"the story {i}" if stage == "nailed" else None,
            "confidence": None, "answered_at": started,
        })
    return {
        "id": id_base + i, "started_at": started, "updated_at": started, "status": "complete",
        "company": f"Company {i % 97}", "role": "Engineer", "demo": 0, "engine": "text",
        "downhill": RATED[i % 5], "average_rating": 3.0, "improve": f"practise example {i}",
        "nailed": f"the story {i}", "summary": f"Summary {i}.", "crumpled_at": None,
        "turns": turns, "edits": [], "nudges": [],
    }


def write_synthetic_export(path: Path, n: int, *, id_base: int = 1) -> Path:
    """An export file of n debriefs, written a debrief at a time."""
    import json

    with open(path, "w", encoding="utf-8") as f:
        f.write('{"format": "debrief-export", "version": 1, "debriefs": [\n')
        for i in range(n):
            f.write(("," if i else "") + json.dumps(synthetic_debrief(i, id_base=id_base)) + "\n")
        f.write("]}\n")
    return path


# -- killing a command at an exact point ---------------------------------------------------
KILL_HOOK = '''
import atexit, os, signal, sqlite3

_AT = int(os.environ.get("DEBRIEF_KILL_AT_STATEMENT") or 0)
_PAGE = int(os.environ.get("DEBRIEF_KILL_AT_PAGE") or 0)
_COUNT = os.environ.get("DEBRIEF_KILL_COUNT_FILE")
_seen = [0, 0]


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _trace(statement):
    _seen[0] += 1
    if _AT and _seen[0] >= _AT:
        _die()


class _Connection(sqlite3.Connection):
    def backup(self, target, *, pages=-1, progress=None, name="main", sleep=0.25):
        def step(status, remaining, total):
            _seen[1] += 1
            if _PAGE and _seen[1] >= _PAGE:
                _die()
        return super().backup(target, pages=1, progress=step, name=name, sleep=0)


_connect = sqlite3.connect


def connect(*args, **kwargs):
    kwargs.setdefault("factory", _Connection)
    conn = _connect(*args, **kwargs)
    conn.set_trace_callback(_trace)
    return conn


sqlite3.connect = connect
if _COUNT:
    atexit.register(lambda: open(_COUNT, "w").write(f"{_seen[0]} {_seen[1]}"))
'''


def kill_hook_env(home: Path, site: Path, **extra: str) -> dict[str, str]:
    """The environment of a `debrief` process that SIGKILLs itself at the
    N-th SQL statement (DEBRIEF_KILL_AT_STATEMENT) or after the N-th page of a
    backup (DEBRIEF_KILL_AT_PAGE): the exact points between its writes."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(KILL_HOOK)
    return child_env(home, PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
                     **extra)
