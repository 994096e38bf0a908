"""Import and export at scale: time and peak memory of whole `debrief`
processes on an export of N synthetic debriefs (default 100,000; the CI
version, tests/reliability/test_scale.py, runs 2,000 and 10,000).

    .venv/bin/python scripts/bench_import.py [N]

Prints one line per step: import into an empty data folder, the same import
again (everything already here), `export --all` as JSON and as Markdown.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "reliability")]

from rel_support import debrief_cmd, write_synthetic_export  # noqa: E402

PROBE = (
    "import resource, subprocess, sys; p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
    "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def measure(args: list[str], home: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one debrief process."""
    env = dict(os.environ, DEBRIEF_HOME=str(home))
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *debrief_cmd(), *args], env=env, capture_output=True, text=True, check=True
    )
    seconds = time.monotonic() - start
    code, kib = proc.stdout.split()
    if code != "0":
        raise SystemExit(f"{args[0]} failed: {proc.stderr[-2000:]}")
    return seconds, int(kib) / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        export = write_synthetic_export(tmp_path / "export.json", n)
        print(f"{n:,} debriefs, export file {export.stat().st_size / 1e6:.0f} MB")
        home = tmp_path / "home"
        steps = [
            ("import", ["import", str(export)]),
            ("import again (all already here)", ["import", str(export)]),
            ("export --all --format json", ["export", "--all", "--format", "json", "-o", str(tmp_path / "a.json")]),
            ("export --all (Markdown)", ["export", "--all", "-o", str(tmp_path / "a.md")]),
        ]
        for label, args in steps:
            seconds, mb = measure(args, home)
            print(f"{label:34} {seconds:7.1f} s  {mb:6.0f} MB peak")
        print(f"database {(home / 'debrief.db').stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
