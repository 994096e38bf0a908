#!/usr/bin/env python3
"""Make spoken test audio offline with flite (English) or espeak-ng (other languages).

    python scripts/make_test_audio.py out.wav "four" "I nailed the technical question" \
        --voice slt --gap 2.5

writes one 16 kHz mono 16-bit WAV with the answers separated by `--gap`
seconds of silence (a recording to feed `debrief --input`). The functions are
also used by the tests (loaded by path).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

RATE = 16_000
FLITE_VOICES = ("slt", "kal16", "awb", "rms")


def _to_pcm16(path: Path) -> bytes:
    """Read a WAV (any rate) as 16 kHz mono 16-bit PCM, via the project's reader."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from assistant.audio.pcm import read_chunks

    return b"".join(c.audio for c in read_chunks(path))


def synth(text: str, voice: str = "slt", engine: str = "flite") -> bytes:
    """Speak `text`; return 16 kHz mono 16-bit PCM."""
    exe = shutil.which(engine)
    if exe is None:
        raise RuntimeError(f"{engine} is not installed (apt-get install {engine})")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "say.wav"
        if engine == "flite":
            cmd = [exe, "-voice", voice, "-t", text, "-o", str(out)]
        else:
            cmd = [exe, "-v", voice, "-w", str(out), text]
        subprocess.run(cmd, check=True, capture_output=True)
        return _to_pcm16(out)


def silence(seconds: float) -> bytes:
    return b"\0\0" * int(round(seconds * RATE))


def write_wav(path: Path, pcm: bytes, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return path


def recording(path: Path, texts: list[str], voice: str = "slt", gap: float = 2.5,
              lead: float = 0.5, engine: str = "flite") -> Path:
    """Answers separated by `gap` seconds of silence, in one WAV."""
    parts = [silence(lead)]
    for i, t in enumerate(texts):
        if i:
            parts.append(silence(gap))
        parts.append(synth(t, voice, engine))
    parts.append(silence(1.5))
    return write_wav(Path(path), b"".join(parts))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("texts", nargs="+")
    ap.add_argument("--voice", default="slt")
    ap.add_argument("--engine", default="flite", choices=["flite", "espeak-ng"])
    ap.add_argument("--gap", type=float, default=2.5)
    a = ap.parse_args(argv)
    recording(a.out, a.texts, a.voice, a.gap, engine=a.engine)
    print(a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
