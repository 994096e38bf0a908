"""Noise suppression and automatic gain on the way in (webrtc-noise-gain,
WebRTC's audio processing, as wyoming-satellite uses it).

`NoiseSuppressor(level, auto_gain)` cleans 16 kHz mono 16-bit chunks in
10 ms frames: `level` 0-4 is how hard it suppresses noise, `auto_gain` 0-31
the target level in dBFS below full scale (0 = off). A chunk that is not a
whole number of frames keeps its tail for the next one (10 ms of delay at
most); `flush()` returns it.

`NoiseMeter` keeps the level of the background (chunks the voice detector
calls quiet) and of the speech (chunks it calls speech), as running medians
over the last ten seconds of each, so the listener can give the recogniser
cleaned audio only when the background is loud (`noisy()`). Measured on
realistic answers read by a natural voice (56 answers of 8 dev debriefs,
pocketsphinx, level 2), the cleaning lowers word errors in heavy car noise
(5 dB: 75.5% -> 69.6%), changes little at 15 dB (39.9% -> 39.1%) and raises
them in quiet (27.2% -> 33.8%): so it is used below 12 dB.
"""

from __future__ import annotations

import math
import statistics
from collections import deque

from assistant.audio.pcm import rms
from assistant.interfaces import AudioChunk

# Noisy: speech less than this far above the background (dB), or, before any
# speech has been heard, a background louder than this (dBFS).
NOISY_SNR_DB = 12.0
NOISY_FLOOR_DBFS = -38.0
SILENT_DBFS = -120.0  # the level of digital silence
MIN_SPEECH_CHUNKS = 10  # speech chunks heard before their level is trusted

FRAME_BYTES = 160 * 2  # 10 ms at 16 kHz, 16-bit


class NoiseSuppressor:
    def __init__(self, level: int = 2, auto_gain: int = 0):
        from webrtc_noise_gain import AudioProcessor

        self.level = level
        self.auto_gain = auto_gain
        self._processor = AudioProcessor(auto_gain, level)
        self._pending = b""

    def process(self, chunk: AudioChunk) -> AudioChunk:
        data = self._pending + chunk.audio
        whole = len(data) - len(data) % FRAME_BYTES
        out = b"".join(
            self._processor.Process10ms(data[i : i + FRAME_BYTES]).audio for i in range(0, whole, FRAME_BYTES)
        )
        self._pending = data[whole:]
        return AudioChunk(chunk.rate, chunk.width, chunk.channels, out)

    def flush(self) -> bytes:
        tail, self._pending = self._pending, b""
        return tail


def level_dbfs(chunk: AudioChunk) -> float:
    """The RMS level of a 16-bit chunk in dB below full scale."""
    level = rms(chunk)
    return max(SILENT_DBFS, 20 * math.log10(level)) if level else SILENT_DBFS


class NoiseMeter:
    """Running medians of the background and the speech level (see the module docs)."""

    def __init__(self, keep: int = 100):
        self.background: deque[float] = deque(maxlen=keep)
        self.speech: deque[float] = deque(maxlen=keep)

    def add(self, chunk: AudioChunk, voiced: bool) -> None:
        (self.speech if voiced else self.background).append(level_dbfs(chunk))

    def snr(self) -> float | None:
        """Speech above background (dB), once enough of each is heard."""
        if not self.background or len(self.speech) < MIN_SPEECH_CHUNKS:
            return None
        return statistics.median(self.speech) - statistics.median(self.background)

    def noisy(self) -> bool | None:
        """Is the background loud enough for cleaning to help? None: nothing heard yet."""
        snr = self.snr()
        if snr is not None:
            return snr < NOISY_SNR_DB
        if self.background:
            return statistics.median(self.background) > NOISY_FLOOR_DBFS
        return None
