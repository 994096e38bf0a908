"""`debrief doctor` checks the database: ok when healthy; a damaged file is a
FAIL line that says how to restore from `debrief backup`, a non-zero exit and
no traceback. Other commands on the damaged file say the same in one sentence."""

from __future__ import annotations

import os
import random

from rel_support import clear_error, db_path, fault, run

TEXT = ["3, some traffic", "four, easy", "2, no examples", "two, stumped", "three, ready",
        "next time I should practise", "I nailed the migration story"]


def make(home, n=3):
    for _ in range(n):
        proc = run(["start", "--text"], home, input="\n".join(TEXT) + "\n")
        assert proc.returncode == 0, proc.stderr


def test_doctor_healthy_database(debrief_home):
    from assistant.run.doctor import check_database

    make(debrief_home, 1)
    lines = []
    assert check_database(lines.append, db_path(debrief_home))
    assert lines[0].startswith("[  ok] database") and "integrity ok" in lines[0], lines
    proc = run(["doctor"], debrief_home, timeout=60)
    assert "Traceback" not in proc.stderr
    assert any(line.startswith("[  ok] database") for line in proc.stdout.splitlines()), proc.stdout


def test_doctor_damaged_database(debrief_home):
    make(debrief_home, 3)
    path = db_path(debrief_home)
    size = path.stat().st_size
    page = 4096
    rng = random.Random(7)
    with open(path, "r+b") as f:  # garbage over some pages, the header page left alone
        for n in rng.sample(range(1, size // page), k=min(4, size // page - 1)):
            f.seek(n * page)
            f.write(os.urandom(page))
    fault()
    proc = run(["doctor"], debrief_home, timeout=60)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode != 0
    fails = [line for line in proc.stdout.splitlines() if line.startswith("[FAIL] database")]
    assert len(fails) == 1, proc.stdout
    assert "debrief backup" in fails[0] and str(path) in fails[0], fails[0]
    # the other commands: one clear sentence (or, where the damage is not read, their output)
    for args in (["show"], ["list"], ["search", "traffic"], ["export", "--all"], ["trends"]):
        p = run(args, debrief_home)
        assert "Traceback" not in p.stderr, (args, p.stderr[-2000:])
        if p.returncode:
            clear_error(p)
    p = run(["start", "--text"], debrief_home, input="\n".join(TEXT) + "\n")
    assert "Traceback" not in p.stderr, p.stderr[-2000:]
    if p.returncode:
        msg = clear_error(p)
        assert "How did you feel" not in p.stderr or "resume" in msg, p.stderr


def test_doctor_header_destroyed(debrief_home):
    make(debrief_home, 1)
    path = db_path(debrief_home)
    with open(path, "r+b") as f:
        f.write(os.urandom(100))
    fault()
    proc = run(["doctor"], debrief_home, timeout=60)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert any(line.startswith("[FAIL] database") and "debrief backup" in line for line in proc.stdout.splitlines())
    msg = clear_error(run(["show"], debrief_home))
    assert "damaged" in msg and "debrief doctor" in msg, msg
    msg = clear_error(run(["start", "--text"], debrief_home, input="x\n"))
    assert "damaged" in msg
