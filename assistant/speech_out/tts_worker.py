"""The text-to-speech worker: pyttsx3 + espeak-ng in a process of its own.

`TtsSpeaker` (speaker.py) runs this file as a child process, so a stuck,
failing or crashing (segfaulting) engine can be killed and restarted without
taking the assistant with it. This file imports nothing from the package: it
is run by path (`python tts_worker.py CONFIG_JSON`) to keep start-up short.

Protocol. The child keeps its original stdout for replies and points fd 1 at
/dev/null, so pyttsx3's "Audio saved to FILE" never reaches anyone.

- start-up: one JSON line, {"type": "ready", "voice": ID, "rate": WPM} or
  {"type": "error", "kind": "espeak" | "voice" | "init", "message": TEXT}.
- request (one JSON line on stdin): {"id": N, "cmd": "render", "text": T}
  -> {"id": N, "ok": true, "rate": 22050, "nbytes": K} followed by K bytes of
  16-bit mono little-endian PCM; or {"id": N, "ok": false, "message": M}.
- {"id": N, "cmd": "voices"} -> {"id": N, "ok": true, "voices": [...], "nbytes": 0}.
- stdin closed -> the worker exits.

Test hooks: a request may carry "fault": "hang" | "crash" | "segv" | "error";
the config's "fault" (from $DEBRIEF_TTS_FAULT, read by the settings layer)
applies one of those to every render request.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import wave

MAX_CHARS = 1000  # characters per utterance (espeak-ng segfaults somewhere around 15,000)
RATE = 22_050


def _reply(out, header: dict, data: bytes = b"") -> None:
    header = dict(header, nbytes=len(data))
    out.write(json.dumps(header).encode() + b"\n")
    if data:
        out.write(data)
    out.flush()


def find_voice(voices, wanted: str):
    """A pyttsx3 Voice by id or name: exact match first, then substring."""
    w = wanted.strip().lower()
    for v in voices:
        if (v.id or "").lower() == w or (v.name or "").lower() == w:
            return v
    for v in voices:
        if w in (v.id or "").lower() or w in (v.name or "").lower():
            return v
    return None


def _voice_dicts(voices) -> list[dict]:
    return [
        {
            "id": v.id,
            "name": v.name,
            "languages": [str(x) for x in (v.languages or [])],
            "gender": v.gender,
        }
        for v in voices
    ]


def _fault(kind: str | None) -> None:
    if not kind:
        return
    if kind == "hang":
        while True:
            time.sleep(3600)
    if kind == "crash":
        os._exit(3)
    if kind == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
        time.sleep(10)
    if kind == "error":
        raise RuntimeError("injected failure")


def _watch_parent() -> None:
    """Exit when the parent dies, even if the engine is stuck (stdin EOF covers the rest)."""
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


class Engine:
    def __init__(self, voice: str | None, rate: int | None, tmpdir: str):
        import pyttsx3

        self.engine = pyttsx3.init()
        self.tmpdir = tmpdir
        self.done = threading.Event()
        self.engine.connect("finished-utterance", self._finished)
        self.voices = list(self.engine.getProperty("voices"))
        self.voice_id = self.engine.getProperty("voice")
        if voice:
            v = find_voice(self.voices, voice)
            if v is None:
                raise LookupError(voice)
            self.engine.setProperty("voice", v.id)
            self.voice_id = v.id
        if rate:
            self.engine.setProperty("rate", int(rate))
        self.rate = int(rate) if rate else self.engine.getProperty("rate")
        self.fixed_rate = bool(rate)
        self.count = 0

    def _finished(self, name=None, completed=True):
        self.done.set()

    def render(self, text: str, timeout: float = 30.0) -> bytes:
        if len(text) > MAX_CHARS:
            raise ValueError(f"text too long for one utterance ({len(text)} characters)")
        self.count += 1
        path = os.path.join(self.tmpdir, f"utt{self.count % 4}.wav")
        if os.path.exists(path):
            os.unlink(path)
        self.done.clear()
        if self.fixed_rate:
            # espeak-ng now and then loses a rate set before the first utterance
            # (1 in 12 renders came out at the default rate): set it every time.
            self.engine.setProperty("rate", self.rate)
        # One utterance per runAndWait: two queued ones yield only the last.
        self.engine.save_to_file(text, path)
        self.engine.runAndWait()  # returns before the audio exists...
        if not self.done.wait(timeout):  # ...finished-utterance fires once the file is closed
            raise TimeoutError("espeak-ng did not finish the utterance")
        with wave.open(path, "rb") as f:
            if f.getframerate() != RATE or f.getsampwidth() != 2 or f.getnchannels() != 1:
                raise ValueError("unexpected audio format from espeak-ng")
            data = f.readframes(f.getnframes())
        os.unlink(path)
        return data


def main(argv: list[str]) -> int:
    config = json.loads(argv[1]) if len(argv) > 1 else {}
    # Keep the reply channel; send every stray print (pyttsx3 chatter) to /dev/null.
    out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    sys.stdout = open(os.devnull, "w")
    every_fault = config.get("fault") or None
    _watch_parent()
    if config.get("startup_fault"):
        _fault(config["startup_fault"])
    tmpdir = config.get("tmpdir") or "/tmp"
    try:
        engine = Engine(config.get("voice"), config.get("rate"), tmpdir)
    except LookupError:
        _reply(out, {"type": "error", "kind": "voice", "message": str(config.get("voice"))})
        return 2
    except (OSError, RuntimeError, ImportError) as e:
        kind = "espeak" if "espeak" in str(e).lower() else "init"
        _reply(out, {"type": "error", "kind": kind, "message": f"{type(e).__name__}: {e}"})
        return 2
    _reply(out, {"type": "ready", "voice": engine.voice_id, "rate": engine.rate, "pid": os.getpid()})

    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        rid = req.get("id")
        try:
            if req.get("cmd") == "voices":
                _reply(out, {"id": rid, "ok": True, "voices": _voice_dicts(engine.voices)})
                continue
            _fault(req.get("fault") or every_fault)
            data = engine.render(req.get("text", ""))
            _reply(out, {"id": rid, "ok": True, "rate": RATE}, data)
        except Exception as e:  # reported to the parent, which falls back to print
            _reply(out, {"id": rid, "ok": False, "message": f"{type(e).__name__}: {e}"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
