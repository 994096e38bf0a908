"""Benchmark the review commands as whole processes on a big and a small log.

Builds two data dirs in a temp folder: 10,000 debriefs (7 turns each, answers
drawn from the labelled corpus with some words varied) and 10 debriefs, each
inserted directly with executemany in one transaction (the schema comes from
`Store.open()`, so it is exactly the real one). Then runs `list`, `search`,
`show` and `trends` through `.venv/bin/debrief`, alternating between the two
data dirs, and prints the median wall time of each and the big/small ratio.

Targets: every median <= 0.3 s, and big <= 1.2 x small.
Usage: .venv/bin/python scripts/bench_review.py [--runs 15] [--debriefs 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.storage.store import Store  # noqa: E402

DEBRIEF = ROOT / ".venv" / "bin" / "debrief"
STAGES = ["arrival", "opening", "experience", "tough", "closing", "improve", "nailed"]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Enterprises",
             "Soylent", "Tyrell", "Cyberdyne", "Aperture", "Vandelay Industries", "Pied Piper"]
ROLES = ["Engineer", "Data Analyst", "Product Manager", "Designer", "Support Lead", "Sales Associate"]
EXTRA = ["on the bypass", "with the panel", "in the second round", "about the budget", "over video",
         "with the hiring manager", "at the whiteboard", "before lunch", "after the tour"]
COMMANDS = {
    "list": ["list"],
    "search": ["search", "traffic"],
    "show": ["show"],
    "trends": ["trends"],
    "list --company": ["list", "--company", "hooli"],
    "search common": ["search", "i"],
}


def corpus() -> dict[str, list[dict]]:
    by_stage: dict[str, list[dict]] = {s: [] for s in STAGES}
    for line in (ROOT / "tests" / "data" / "corpus.jsonl").read_text().splitlines():
        item = json.loads(line)
        by_stage.setdefault(item["stage"], []).append(item)
    return by_stage


def build(home: Path, n: int, rng: random.Random) -> None:
    Store.open(home).close()
    answers = corpus()
    start = datetime(2020, 1, 1, 9, tzinfo=timezone.utc)
    step = timedelta(minutes=max(1, (5 * 365 * 24 * 60) // max(n, 1)))
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # noqa: E731
    sessions, turns = [], []
    for i in range(1, n + 1):
        t = start + step * i
        ratings = []
        for pos, stage in enumerate(STAGES):
            item = rng.choice(answers[stage])
            text = f"{item['text']} {rng.choice(EXTRA)}" if rng.random() < 0.5 else item["text"]
            rating = item["rating"] if item["rating"] is not None else (
                float(rng.randint(1, 5)) if pos < 5 else None)
            if rating is not None:
                ratings.append(rating)
            turns.append((i, pos, stage, f"Question {pos}?", text, rating, json.dumps(item["causes"]),
                           item.get("improve"), item.get("nailed"), 0.9, stamp(t + timedelta(minutes=pos))))
        avg = round(sum(ratings) / len(ratings), 2) if ratings else None
        sessions.append((i, stamp(t), stamp(t), "complete", rng.choice(COMPANIES), rng.choice(ROLES), 0,
                         "text", rng.choice(STAGES[:5]), avg, "practise examples", "the migration story",
                         "Thanks for walking me through it. Tomorrow, keep applying."))
    conn = sqlite3.connect(home / "debrief.db")
    with conn:
        conn.executemany(
            "insert into sessions (id, started_at, updated_at, status, company, role, demo, engine, "
            "downhill, average_rating, improve, nailed, summary) values (?,?,?,?,?,?,?,?,?,?,?,?,?)", sessions)
        conn.executemany(
            "insert into turns (session_id, position, stage, question, answer, rating, causes, improve, "
            "nailed, confidence, answered_at) values (?,?,?,?,?,?,?,?,?,?,?)", turns)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def time_once(args: list[str], home: Path) -> float:
    env = dict(os.environ, DEBRIEF_HOME=str(home), COLUMNS="100")
    t0 = time.perf_counter()
    proc = subprocess.run([str(DEBRIEF), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"`debrief {' '.join(args)}` failed: {proc.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--debriefs", type=int, default=10_000)
    opts = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="debrief-bench-") as tmp:
        big, small = Path(tmp) / "big", Path(tmp) / "small"
        t0 = time.perf_counter()
        build(big, opts.debriefs, rng)
        build(small, 10, rng)
        print(f"built {opts.debriefs} + 10 debriefs in {time.perf_counter() - t0:.1f} s "
              f"({(big / 'debrief.db').stat().st_size / 1e6:.1f} MB)")
        for args in COMMANDS.values():  # warm the page cache and the .pyc files
            time_once(args, big), time_once(args, small)
        print(f"{'command':15} {'10 debriefs':>12} {f'{opts.debriefs} debriefs':>16} {'ratio':>6}")
        worst_ok = True
        for name, args in COMMANDS.items():
            times: dict[str, list[float]] = {"big": [], "small": []}
            for _ in range(opts.runs):
                times["small"].append(time_once(args, small))
                times["big"].append(time_once(args, big))
            s, b = statistics.median(times["small"]), statistics.median(times["big"])
            ok = b <= 0.3 and s <= 0.3 and b <= 1.2 * s
            worst_ok &= ok
            print(f"{name:15} {s * 1000:10.0f} ms {b * 1000:14.0f} ms {b / s:6.2f} {'ok' if ok else 'SLOW'}")
        print("all within target" if worst_ok else "some commands miss the target (<= 0.3 s, <= 1.2x)")


if __name__ == "__main__":
    main()
