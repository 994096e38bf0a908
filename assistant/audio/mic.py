"""A live microphone through sounddevice (PortAudio).

The stream runs at the device's own default sample rate, 16-bit, mono when
the device allows it (else its own channel count, down-mixed by Resampler); chunks()
hands out 16 kHz mono 16-bit AudioChunks. While paused, captured frames are
dropped so the assistant never hears itself. A device that disappears makes
PortAudio stop calling back without an error, so chunks() raises
DeviceLostError when no audio has arrived for `stall_timeout` seconds.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator

from assistant.audio.devices import import_sounddevice, resolve_device
from assistant.errors import AudioError, DeviceLostError
from assistant.interfaces import AudioChunk

DEVICE_LOST = "The microphone stopped sending audio; check the headset or cable — your answers so far are saved."


class SoundDeviceMicrophone:
    """Microphone protocol on a PortAudio input device (index or name substring)."""

    def __init__(
        self,
        device: int | str | None = None,
        block_seconds: float = 0.1,
        stall_timeout: float = 2.0,
        max_queue_seconds: float = 60.0,
        start_timeout: float = 5.0,
    ):
        sd = import_sounddevice()
        self._sd = sd
        info = resolve_device(device, "input", sd)
        self.device_index = info.get("index")
        self.device_name = str(info.get("name", ""))
        self.rate = int(round(float(info.get("default_samplerate") or 16000)))
        self.block_seconds = block_seconds
        self.stall_timeout = float(stall_timeout)
        # some inputs (Bluetooth headsets, PulseAudio's null sink) take a second or two
        # before the first block arrives: allow that much before calling the device lost
        self.start_timeout = max(float(start_timeout), self.stall_timeout)
        self._started = False  # the first block has arrived
        self._lock = threading.Lock()
        self._paused = False
        self._closed = False
        self._last_callback = time.monotonic()
        self._queue: queue.Queue = queue.Queue(maxsize=max(4, int(max_queue_seconds / block_seconds)))
        self.dropped = 0  # blocks dropped while paused (or on overflow)
        self.channels = 1
        self._stream = None
        blocksize = max(1, int(self.rate * block_seconds))
        max_ch = int(info.get("max_input_channels") or 1)
        errors = []
        for channels in dict.fromkeys([1, min(max_ch, 2), max_ch]):
            try:
                self._stream = sd.RawInputStream(
                    samplerate=self.rate,
                    blocksize=blocksize,
                    device=self.device_index,
                    channels=channels,
                    dtype="int16",
                    callback=self._callback,
                )
                self.channels = channels
                break
            except Exception as e:  # PortAudioError: this channel count (or device) will not open
                errors.append(e)
        if self._stream is None:
            raise AudioError(
                f"The microphone {self.device_name!r} could not be opened ({errors[-1]}); "
                "run `debrief devices` to see the others."
            )
        from assistant.audio.pcm import Resampler

        self._resampler = Resampler(self.rate)
        self._last_callback = time.monotonic()
        try:
            self._stream.start()
        except Exception as e:
            self._stream.close()
            raise AudioError(f"The microphone {self.device_name!r} could not be started ({e}).") from e

    # called on PortAudio's thread
    def _callback(self, indata, frames, time_info, status) -> None:
        data = bytes(indata)
        with self._lock:
            self._last_callback = time.monotonic()
            self._started = True
            if self._paused or self._closed:
                self.dropped += 1
                return
            try:
                self._queue.put_nowait(data)
            except queue.Full:  # nobody is listening: keep the newest audio
                try:
                    self._queue.get_nowait()
                    self.dropped += 1
                except queue.Empty:
                    pass
                self._queue.put_nowait(data)

    def _drain(self) -> None:
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            self._drain()  # unread audio from before the prompt is stale

    def resume(self) -> None:
        with self._lock:
            self._drain()
            self._paused = False

    @property
    def paused(self) -> bool:
        return self._paused

    def chunks(self) -> Iterator[AudioChunk]:
        poll = min(0.1, self.stall_timeout / 4)
        while not self._closed:
            try:
                data = self._queue.get(timeout=poll)
            except queue.Empty:
                data = None
            if self._closed:
                return
            if data is None:
                limit = self.stall_timeout if self._started else self.start_timeout
                stalled = time.monotonic() - self._last_callback > limit
                inactive = not self._stream_active()
                if (stalled and not self._paused) or inactive:
                    raise DeviceLostError(DEVICE_LOST)
                continue
            # Resampler down-mixes and converts to 16 kHz mono 16-bit
            chunk = self._resampler.process(AudioChunk(self.rate, 2, self.channels, data))
            if chunk.audio:
                yield chunk

    def _stream_active(self) -> bool:
        try:
            return self._stream is not None and bool(self._stream.active)
        except Exception:
            return False

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        stream, self._stream = self._stream, None
        if stream is not None:
            # abort() and close() may block on a dead PulseAudio connection: do it aside
            lost = (self._sd.PortAudioError, OSError)  # what a dead device raises here

            def _shutdown():
                try:
                    stream.abort()
                except lost:
                    pass  # already stopped by PortAudio
                try:
                    stream.close()
                except lost:
                    pass  # nothing left to close

            t = threading.Thread(target=_shutdown, daemon=True, name="mic-close")
            t.start()
            t.join(timeout=2.0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
