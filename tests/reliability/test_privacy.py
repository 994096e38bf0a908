"""Private notes stay private: owner-only files, no network connection from
anything but `debrief download-model`, and nothing from an answer ever
reaches a shell."""

from __future__ import annotations

import ast
import json
import os
import stat
import subprocess
from pathlib import Path

from rel_support import ROOT, Stepper, child_env, debrief_cmd, run

TEXT = [
    "3, some traffic on the way so I was rushing",
    "four, the small talk was easy",
    "2 because I couldn't think of good examples of my work",
    "two, a coding question stumped me; rm -rf ~ $(reboot) `id` && echo pwned",
    "three, I had questions ready | cat /etc/passwd > /tmp/x",
    "next time I should practise my examples out loud",
    "I nailed the story about the migration",
]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_umask0(args, home, input=""):
    """`debrief` with a permissive umask: the privacy must not depend on the caller's."""
    return subprocess.run(debrief_cmd() + [str(a) for a in args], input=input, capture_output=True, text=True,
                          env=child_env(home), timeout=60, preexec_fn=lambda: os.umask(0))


def test_data_folder_database_wal_exports_and_backups_are_private(tmp_path):
    home = tmp_path / "deep" / "home"
    proc = run_umask0(["start", "--text"], home, "\n".join(TEXT[:2]) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert mode(home) == 0o700
    assert mode(home / "debrief.db") == 0o600
    # mid-debrief, with the -wal and -shm files open
    s = Stepper(["start", "--text"], home)
    try:
        assert s.wait_for("getting there")
        s.type(TEXT[0])
        assert s.wait_for("first impressions")
        for suffix in ("-wal", "-shm"):
            f = home / f"debrief.db{suffix}"
            assert f.exists(), suffix
            assert mode(f) == 0o600, (suffix, oct(mode(f)))
    finally:
        s.finish()
    out = tmp_path / "export.md"
    assert run_umask0(["export", "--all", "-o", out], home).returncode == 0
    assert mode(out) == 0o600
    out_json = tmp_path / "export.json"
    assert run_umask0(["export", "--all", "--format", "json", "-o", out_json], home).returncode == 0
    assert mode(out_json) == 0o600
    backup = tmp_path / "backup.db"
    assert run_umask0(["backup", backup], home).returncode == 0
    assert mode(backup) == 0o600
    assert run_umask0(["backup", backup, "--force"], home).returncode == 0
    assert mode(backup) == 0o600
    assert not Path(str(backup) + "-wal").exists()
    # a review command on a database whose -wal/-shm are gone recreates them private
    assert run_umask0(["show", "--json"], home).returncode == 0
    for f in home.iterdir():
        assert mode(f) & 0o077 == 0, (f, oct(mode(f)))


SITECUSTOMIZE = '''
import os, socket

_LOG = os.environ["DEBRIEF_NET_LOG"]


def _record(what, address):
    with open(_LOG, "a") as f:
        f.write(f"{os.getpid()} {what} {address!r}\\n")
    raise OSError("network blocked by the test")


_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def connect(self, address):
    if self.family == socket.AF_UNIX:  # local sockets (PulseAudio) are not the network
        return _connect(self, address)
    _record("connect", address)


def connect_ex(self, address):
    if self.family == socket.AF_UNIX:
        return _connect_ex(self, address)
    _record("connect_ex", address)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
socket.create_connection = lambda address, *a, **k: _record("create_connection", address)
socket.getaddrinfo = lambda host, *a, **k: _record("getaddrinfo", host)
'''


def test_nothing_but_download_model_opens_a_network_connection(tmp_path, voice_audio):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "net.log"
    home = tmp_path / "home"
    env = child_env(home, DEBRIEF_NET_LOG=str(log),
                    PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))

    def attempts() -> str:
        return log.read_text() if log.exists() else ""

    # the block works: a download is caught
    dl = run(["download-model", "--url", "http://192.0.2.1/model.zip"], home, env=env, timeout=60)
    assert dl.returncode != 0 and "Traceback" not in dl.stderr
    assert "192.0.2.1" in attempts()
    log.unlink()

    steps = [
        (["start", "--input", voice_audio.full, "--engine", "pocketsphinx", "--no-speak",
          "--speak-to", tmp_path / "said.wav", "--company", "Acme"], ""),
        (["start", "--text"], "\n".join(TEXT) + "\n"),
        (["list"], ""), (["show", "--json"], ""), (["search", "traffic"], ""), (["trends"], ""),
        (["export", "--all", "--format", "json"], ""), (["replay", "--print"], ""),
        (["edit", "2", "--stage", "arrival", "--rating", "4"], ""), (["extract", "four, fine"], ""),
        (["backup", tmp_path / "b.db"], ""), (["path"], ""), (["crumple", "2", "--yes"], ""),
    ]
    for args, stdin in steps:
        proc = run(args, home, input=stdin, env=env, timeout=120)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
        assert attempts() == "", f"{args[0]} tried the network: {attempts()}"
    # the text answers with shell syntax were stored as typed, not run
    doc = json.loads(run(["export", "1", "--format", "json"], home, env=env).stdout)
    assert doc["debriefs"][0]["id"] == 1
    assert not Path("/tmp/x").is_file() or "pwned" not in Path("/tmp/x").read_text(errors="replace")


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = ast.unparse(f)
            yield name, node


def test_nothing_reaches_a_shell():
    """No shell=True, os.system or os.popen in the package, and every
    subprocess call takes an argument list."""
    found = []
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, call in _calls(tree):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            assert name not in ("os.system", "os.popen", "os.execl", "os.execlp", "os.spawnl",
                                "commands.getoutput", "pty.spawn"), f"{where}: {name}"
            for kw in call.keywords:
                if kw.arg == "shell":
                    assert isinstance(kw.value, ast.Constant) and kw.value.value is False, f"{where}: shell="
            if name.startswith("subprocess.") and name.split(".")[1] in (
                    "run", "Popen", "call", "check_call", "check_output", "getoutput", "getstatusoutput"):
                assert name.split(".")[1] not in ("getoutput", "getstatusoutput"), where
                first = call.args[0] if call.args else next(
                    (k.value for k in call.keywords if k.arg == "args"), None)
                assert isinstance(first, (ast.List, ast.Tuple)), f"{where}: {name} without an argument list"
                found.append(where)
        text = path.read_text(encoding="utf-8")
        assert "shell=True" not in text, path
    assert found, "expected the text-to-speech worker's Popen"
