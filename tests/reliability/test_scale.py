"""Import and export are streamed: their peak memory does not grow with the
number of debriefs (2,000 and 10,000 here; scripts/bench_import.py measures
100,000), and on a terminal they show a progress bar."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time

from rel_support import child_env, debrief_cmd, write_synthetic_export

SMALL, LARGE = 2_000, 10_000
PEAK_LIMIT_MB = 300
GROWTH_LIMIT_MB = 30  # five times the debriefs, at most this much more memory

PROBE = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
         "stderr=subprocess.PIPE, text=True); print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN)"
         ".ru_maxrss); print(p.stderr[-2000:], file=sys.stderr)")


def measured(args, home) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one `debrief` process."""
    t = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", PROBE, *debrief_cmd(), *map(str, args)], capture_output=True,
                          text=True, timeout=600, env=child_env(home))
    seconds = time.monotonic() - t
    code, kib = proc.stdout.split()
    assert code == "0", proc.stderr
    return int(kib) / 1024, seconds


def test_import_and_export_take_flat_memory(tmp_path):
    figures = {}
    for n in (SMALL, LARGE):
        export = write_synthetic_export(tmp_path / f"export-{n}.json", n)
        home = tmp_path / f"home-{n}"
        figures[("import", n)] = measured(["import", export], home)
        conn_count = subprocess.run(debrief_cmd() + ["list", "--all", "--json"], env=child_env(home),
                                    capture_output=True, text=True, timeout=120)
        assert len(json.loads(conn_count.stdout)) == n
        out = tmp_path / f"out-{n}.json"
        figures[("export", n)] = measured(["export", "--all", "--format", "json", "-o", out], home)
        assert json.loads(out.read_text())["debriefs"][-1]["company"] == f"Company {(n - 1) % 97}"
        figures[("again", n)] = measured(["import", export], home)  # everything already here
    print("\n" + "\n".join(f"{what} {n}: {mb:.0f} MB, {s:.1f} s" for (what, n), (mb, s) in figures.items()))
    for what in ("import", "export", "again"):
        small, large = figures[(what, SMALL)][0], figures[(what, LARGE)][0]
        assert large < PEAK_LIMIT_MB, f"{what} of {LARGE}: {large:.0f} MB"
        assert large - small < GROWTH_LIMIT_MB, f"{what}: {small:.0f} MB for {SMALL}, {large:.0f} MB for {LARGE}"


def on_a_terminal(args, home) -> str:
    """Run with stderr on a pseudo-terminal; what was shown there."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(debrief_cmd() + [str(a) for a in args], env=child_env(home), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(leader, 4096)
        except OSError:
            break
        if not data:
            break
        shown += data
    proc.wait(timeout=120)
    os.close(leader)
    assert proc.returncode == 0, shown[-2000:]
    return shown.decode(errors="replace")


def test_progress_bars_on_a_terminal(tmp_path):
    export = write_synthetic_export(tmp_path / "export.json", SMALL)
    home = tmp_path / "home"
    shown = on_a_terminal(["import", export], home)
    assert "Importing" in shown and "100%" in shown, shown[-500:]
    shown = on_a_terminal(["export", "--all", "-o", tmp_path / "all.md"], home)
    assert "Exporting" in shown and "100%" in shown, shown[-500:]
