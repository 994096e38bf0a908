"""Reusable fakes for the speech stages: microphones and a scripted recogniser."""

from __future__ import annotations

import math
import random
import struct
from typing import Iterator

from assistant.audio.pcm import RATE, SilenceMicrophone  # noqa: F401  (re-exported)

from assistant.interfaces import AudioChunk
from assistant.errors import DeviceLostError
from assistant.interfaces import Utterance


def tone(seconds: float, freq: float = 440.0, amp: float = 0.3) -> bytes:
    n = int(round(seconds * RATE))
    return struct.pack(f"<{n}h", *(int(amp * 32767 * math.sin(2 * math.pi * freq * i / RATE)) for i in range(n)))


def noise(seconds: float, amp: float = 0.3, seed: int = 1) -> bytes:
    rnd = random.Random(seed)
    n = int(round(seconds * RATE))
    return struct.pack(f"<{n}h", *(int(amp * 32767 * rnd.uniform(-1, 1)) for _ in range(n)))


def quiet(seconds: float) -> bytes:
    return b"\0\0" * int(round(seconds * RATE))


def chunked(pcm: bytes, chunk_seconds: float = 0.1) -> list[AudioChunk]:
    step = int(RATE * chunk_seconds) * 2
    return [AudioChunk(RATE, 2, 1, pcm[i:i + step]) for i in range(0, len(pcm), step)]


class ChunksMicrophone:
    """Yields the given chunks (or PCM bytes, chunked); counts pause/resume.

    `lose_after`: raise DeviceLostError after that many chunks.
    """

    def __init__(self, audio, lose_after: int | None = None):
        self.items = chunked(audio) if isinstance(audio, (bytes, bytearray)) else list(audio)
        self.lose_after = lose_after
        self.paused = 0
        self.resumed = 0
        self.events: list[str] = []

    def chunks(self) -> Iterator[AudioChunk]:
        for i, c in enumerate(self.items):
            if self.lose_after is not None and i >= self.lose_after:
                raise DeviceLostError("The microphone stopped delivering audio.")
            yield c

    def pause(self) -> None:
        self.paused += 1
        self.events.append("pause")

    def resume(self) -> None:
        self.resumed += 1
        self.events.append("resume")

    def close(self) -> None:
        self.events.append("close")


class ScriptedRecognizer:
    """Returns scripted utterances in order; partials grow word by word while loud.

    `script`: the texts finish() returns, one per answer.
    """

    def __init__(self, script: list[str]):
        self.script = list(script)
        self.grammars: list[list[str] | None] = []
        self.resets = 0
        self.accepted = 0.0  # audio seconds accepted
        self.said = ""  # the partial text last returned
        self.segments = 0  # pauses the listener reported
        self._loud = 0

    def accept(self, chunk: AudioChunk) -> str:
        self.accepted += chunk.seconds
        if any(chunk.audio[i] for i in range(0, min(len(chunk.audio), 400))):
            self._loud += 1
        words = self.script[0].split() if self.script else []
        self.said = " ".join(words[: self._loud // 3])
        return self.said

    def segment(self) -> str:
        self.segments += 1
        return self.said

    def finish(self) -> Utterance:
        self._loud = 0
        text = self.script.pop(0) if self.script else ""
        return Utterance(text, 0.9)

    def reset(self) -> None:
        self.resets += 1
        self._loud = 0

    def set_grammar(self, phrases: list[str] | None) -> None:
        self.grammars.append(None if phrases is None else list(phrases))
