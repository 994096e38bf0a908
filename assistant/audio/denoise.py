"""Noise suppression and automatic gain on the way in (webrtc-noise-gain,
WebRTC's audio processing, as wyoming-satellite uses it).

`NoiseSuppressor(level, auto_gain)` cleans 16 kHz mono 16-bit chunks in
10 ms frames: `level` 0-4 is how hard it suppresses noise, `auto_gain` 0-31
the target level in dBFS below full scale (0 = off). A chunk that is not a
whole number of frames keeps its tail for the next one (10 ms of delay at
most); `flush()` returns it.
"""

from __future__ import annotations

from assistant.interfaces import AudioChunk

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
