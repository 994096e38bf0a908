"""The text-to-speech worker process, seen from the parent: start it, send it
one request at a time with a deadline, and kill it when it hangs or dies.
The child program itself is tts_worker.py (pyttsx3 + espeak-ng).

The worker renders into a private temporary folder (in /dev/shm when there is
one), named after the debrief process that made it: `temp_dir` first removes
the folders of debrief processes that are gone (killed, so they could not
clean up after themselves)."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO

from assistant.errors import EngineError
from assistant.files import pid_alive

WORKER = Path(__file__).with_name("tts_worker.py")
TEMP_PREFIX = "debrief-tts-"
_TEMP_PID = re.compile(r"debrief-tts-([0-9]+)-")
OLD_TEMP_IDLE_S = 3600  # a folder from before pids were in the name, untouched this long, is a leftover


def sweep_temp(base: str | None = None) -> int:
    """Remove the TTS temporary folders of debrief processes that are gone
    (ours only); returns how many were removed."""
    base = base or tempfile.gettempdir()
    removed = 0
    try:
        entries = list(os.scandir(base))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            continue
        m = _TEMP_PID.match(entry.name)
        if m and pid_alive(int(m.group(1))):
            continue
        if not m and time.time() - info.st_mtime < OLD_TEMP_IDLE_S:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed += 1
    return removed


def temp_dir() -> str:
    """A new private folder for the worker's audio, in memory when possible."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    sweep_temp(base)
    return tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=base)


NO_ESPEAK = "Text-to-speech needs espeak-ng: sudo apt-get install espeak-ng (or use --no-speak)."
NO_PYTTSX3 = "Text-to-speech needs pyttsx3: pip install pyttsx3 (or use --no-speak)."


def espeak_available() -> bool:
    """Is libespeak-ng (or libespeak) installed? Looks in the usual places first (fast)."""
    import glob

    for pattern in (
        "/usr/lib/*/libespeak-ng.so.1",
        "/usr/lib/libespeak-ng.so.1",
        "/usr/local/lib/libespeak-ng.so.1",
        "/usr/lib64/libespeak-ng.so.1",
        "/opt/homebrew/lib/libespeak-ng.1.dylib",
    ):
        if glob.glob(pattern):
            return True
    import ctypes.util

    return bool(ctypes.util.find_library("espeak-ng") or ctypes.util.find_library("espeak"))


def check_engine() -> None:
    import importlib.util

    if importlib.util.find_spec("pyttsx3") is None:
        raise EngineError(NO_PYTTSX3)
    if not espeak_available():
        raise EngineError(NO_ESPEAK)


class WorkerFailed(Exception):
    """The worker hung, crashed or reported an error for one request."""


class TtsProcess:
    """One child process running tts_worker.py, with a reader thread."""

    def __init__(self, config: dict):
        self.replies: queue.Queue = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal is the parent's business
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None  # made with PIPEs
        self.stdin: IO[bytes] = self.proc.stdin
        self.stdout: IO[bytes] = self.proc.stdout
        self.ready: dict | None = None
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True, name="tts-reader").start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None  # made with stdout=PIPE
        try:
            while True:
                line = out.readline()
                if not line:
                    break
                header = json.loads(line)
                n = int(header.get("nbytes") or 0)
                data = out.read(n) if n else b""
                if len(data) < n:
                    break
                self.replies.put((header, data))
        except (OSError, ValueError):  # a broken pipe or a garbled reply: the worker is gone
            pass
        self.replies.put(None)  # EOF: the worker exited or crashed

    def _get(self, deadline: float):
        try:
            item = self.replies.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise WorkerFailed("timed out") from None
        if item is None:
            self.replies.put(None)
            raise WorkerFailed(f"worker exited ({self.proc.poll()})")
        return item

    def wait_ready(self, timeout: float) -> dict:
        if self.ready is None:
            header, _ = self._get(time.monotonic() + timeout)
            self.ready = header
        return self.ready

    def request(self, msg: dict, timeout: float) -> tuple[dict, bytes]:
        deadline = time.monotonic() + timeout
        ready = self.wait_ready(timeout)
        if ready.get("type") != "ready":
            raise WorkerFailed(ready.get("message", "worker failed to start"))
        self._next_id += 1
        rid = self._next_id
        try:
            self.stdin.write((json.dumps(dict(msg, id=rid)) + "\n").encode())
            self.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as e:
            raise WorkerFailed(f"worker gone: {e}") from None
        while True:
            header, data = self._get(deadline)
            if header.get("id") == rid:
                break
        if not header.get("ok"):
            raise WorkerFailed(header.get("message", "render failed"))
        return header, data

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.stdin, self.stdout):
            try:
                f.close()
            except OSError:  # a pipe to a dead process
                pass

    def close(self) -> None:
        try:
            self.stdin.close()
            self.proc.wait(timeout=1)
        except (OSError, subprocess.TimeoutExpired):  # stuck or gone: kill() deals with it
            pass
        self.kill()


def list_voices(timeout: float = 10.0) -> list[dict]:
    """The text-to-speech voices (id, name, languages, gender): for `debrief doctor`."""
    check_engine()
    tmp = temp_dir()
    worker = TtsProcess({"tmpdir": tmp})
    try:
        ready = worker.wait_ready(timeout)
        if ready.get("kind") == "espeak":
            raise EngineError(NO_ESPEAK)
        header, _ = worker.request({"cmd": "voices"}, timeout)
        return header["voices"]
    except WorkerFailed as e:
        raise EngineError(f"Text-to-speech did not start ({e}); try `espeak-ng 'hello'` to check it.") from None
    finally:
        worker.close()
        shutil.rmtree(tmp, ignore_errors=True)
