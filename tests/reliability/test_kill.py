"""SIGKILL at random moments of a spoken debrief (`--input`, pocketsphinx):
every answer reported `[saved: ...]` before the kill is in the database, the
stored answers are a prefix of the stages, the file passes its integrity
check, and `debrief resume` finishes the debrief."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from rel_support import (SAVED, STAGES, db_path, fault, integrity, last_id, lost, popen, run,
                         saved_stages, session, turns)

KILLS = 20
LANES = 2  # two debriefs at once (two cores), each lane with its own data folder
SEED = 20240607


def timed_run(home, recording) -> tuple[list[float], float]:
    """A whole spoken debrief, unkilled: when each `[saved: ...]` line came, and when it ended."""
    start = time.monotonic()
    proc = popen(["start", "--input", recording, "--engine", "pocketsphinx", "--no-speak"], home,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    saved = [time.monotonic() - start for line in proc.stderr if SAVED.match(line)]
    assert proc.wait(timeout=120) == 0
    assert len(saved) == len(STAGES), saved
    return saved, time.monotonic() - start


def kill_moments(runs: list[tuple[list[float], float]], rng: random.Random) -> list[float]:
    """Kill moments from whole runs measured on this machine, two at once: most between the first
    and the last answer saved (mid-debrief), the rest over the whole run, from start-up to the
    summary. Fixed delays landed after the end once a run got faster (CI, stop 23)."""
    first = max(saved[0] for saved, _ in runs)
    last = min(saved[-1] for saved, _ in runs)
    end = max(total for _, total in runs)
    assert first < last, runs
    mid = KILLS * 3 // 5
    return ([rng.uniform(first, last) for _ in range(mid)]
            + [rng.uniform(0.2, end * 1.1) for _ in range(KILLS - mid)])


def kill_at(home, recording, delay: float) -> str:
    """Run a spoken debrief and SIGKILL it after `delay` seconds; its stderr."""
    log = home.parent / f"{home.name}-stderr.txt"
    with open(log, "w+") as err:
        proc = popen(["start", "--input", recording, "--engine", "pocketsphinx", "--no-speak"], home,
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                     start_new_session=True)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the process and its threads, at once
            proc.wait(timeout=10)
        err.seek(0)
        return err.read()


def check_after_kill(home, stderr: str, before_ids: set[int], label: str, voice_audio, resume_with: str):
    reported = saved_stages(stderr)
    if not db_path(home).exists():
        assert not reported, f"{label}: answers reported saved but there is no database"
        return "no-db"
    assert integrity(home) == "ok", label
    s = session(home)
    if s is None or s["id"] in before_ids:
        assert not reported, f"{label}: answers reported saved but no debrief was started"
        return "no-session"
    sid = s["id"]
    stored = turns(home, sid)
    stages = [stage for stage, _ in stored]
    assert stages == STAGES[:len(stages)], f"{label}: stored stages are not a prefix: {stages}"
    for i, stage in enumerate(reported):
        if i >= len(stages) or stages[i] != stage:
            lost(f"{label}: {stage} was reported saved and is not in the database")
    assert len(reported) <= len(stages), f"{label}: reported {reported}, stored {stages}"
    if s["status"] == "complete":
        assert len(stages) == 7
        return "complete"
    # pick up where it stopped
    kept = len(stages)
    if resume_with == "input":
        proc = run(["resume", sid, "--input", voice_audio.recording(kept), "--engine", "pocketsphinx",
                    "--no-speak"], home, timeout=120)
    else:
        lines = [f"typed answer {i}, three out of five" for i in range(kept, 7)]
        proc = run(["resume", sid, "--text"], home, input="\n".join(lines) + "\n")
    assert proc.returncode == 0, f"{label}: {proc.stderr}"
    assert last_id(proc.stdout) == sid
    after = turns(home, sid)
    assert [stage for stage, _ in after] == STAGES, label
    assert after[:kept] == stored, f"{label}: resume changed earlier answers"
    assert session(home, sid)["status"] == "complete", label
    assert integrity(home) == "ok", label
    return f"resumed from {kept}"


ROUNDS = 3  # at most: another round (timed afresh) when too few kills landed mid-debrief


def test_sigkill_at_random_moments_loses_nothing(tmp_path, voice_audio):
    """Every kill is checked for lost answers. The kill moments come from whole runs timed just
    before; when the machine's load changes under a round, so that fewer than half of its kills
    land mid-debrief (a fresh clone's run beside an evaluation, 8 of 20), another round is timed
    afresh and run, up to ROUNDS."""
    rng = random.Random(SEED)
    results: list[str] = []
    lock = threading.Lock()
    print()
    for r in range(ROUNDS):
        with ThreadPoolExecutor(LANES) as pool:
            runs = list(pool.map(lambda n: timed_run(tmp_path / f"whole-{r}-{n}", voice_audio.full),
                                 range(LANES)))
        delays = kill_moments(runs, rng)
        rng.shuffle(delays)
        round_results: list[str] = []

        def lane(n: int):
            home = tmp_path / f"home-{n}"
            for k in range(n, KILLS, LANES):
                before = set()
                if db_path(home).exists():
                    with_ids = session(home)
                    before = set(range(1, (with_ids or {}).get("id", 0) + 1))
                stderr = kill_at(home, voice_audio.full, delays[k])
                label = f"round {r} kill {k} at {delays[k]:.2f} s"
                outcome = check_after_kill(home, stderr, before, label, voice_audio,
                                           "input" if k % 7 == 0 else "text")
                with lock:
                    fault()
                    round_results.append(f"{label}: {len(saved_stages(stderr))} reported, {outcome}")

        with ThreadPoolExecutor(LANES) as pool:
            for f in [pool.submit(lane, n) for n in range(LANES)]:
                f.result()
        print(f"round {r}, whole runs (s to each answer saved, s to the end): "
              + "; ".join(f"{[round(t, 2) for t in saved]}, {total:.2f}" for saved, total in runs))
        print("\n".join(sorted(round_results)))
        assert len(round_results) == KILLS
        results += round_results
        if sum("resumed" in x for x in round_results) >= KILLS // 2:
            break
    # the kills of one round really landed mid-debrief, not only before or after it
    assert sum("resumed" in x for x in round_results) >= KILLS // 2, results
