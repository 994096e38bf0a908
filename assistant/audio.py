"""Audio as data: chunks of raw PCM, no hardware.

AudioChunk mirrors wyoming's: rate (Hz), width (bytes per sample), channels,
and the raw little-endian PCM bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

RATE = 16_000  # what the recognisers want: 16 kHz, 16-bit, mono
WIDTH = 2
CHANNELS = 1


@dataclass(frozen=True)
class AudioChunk:
    rate: int
    width: int
    channels: int
    audio: bytes

    @property
    def samples(self) -> int:
        return len(self.audio) // (self.width * self.channels)

    @property
    def seconds(self) -> float:
        return self.samples / self.rate if self.rate else 0.0
