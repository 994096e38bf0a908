"""Speakers: say a prompt aloud (pyttsx3 + espeak-ng in a worker process) or print it.

`TtsSpeaker` renders each prompt in a long-lived child process
(assistant/tts_worker.py) and plays the audio through sounddevice. A stuck,
failing or crashing engine costs at most `timeout` seconds: the prompt is
printed to stderr instead, the worker is restarted for the next prompt, and
after `max_failures` failures in a row the speaker stays in print mode.
pyttsx3 and sounddevice are imported lazily (sounddevice in this process,
pyttsx3 only in the worker).
"""

from __future__ import annotations

import atexit
import re
import shutil
import sys
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from assistant.audio.pcm import WavWriter
from assistant.console import one_line
from assistant.errors import AudioError, EngineError
from assistant.speech_out.tts_process import (  # noqa: F401
    NO_ESPEAK,
    TtsProcess,
    WorkerFailed,
    check_engine,
    list_voices,
    temp_dir,
)
from assistant.speech_out.tts_worker import MAX_CHARS

TTS_RATE = 22_050
MAX_PIECE = MAX_CHARS  # the speaker sends the worker pieces it will take
VOICES_HINT = "run `debrief doctor` or `espeak-ng --voices` to see the voices"


class PrintSpeaker:
    """Prints each prompt: for --no-speak, text mode, and as TtsSpeaker's fallback."""

    def __init__(self, stream: TextIO | None = None):
        self._stream = stream  # None: whatever sys.stderr is at the time

    def say(self, text: str) -> None:
        stream = self._stream or sys.stderr
        print(one_line(text), file=stream, flush=True)  # a prompt may quote a company name someone typed

    def prepare(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def split_text(text: str, limit: int = MAX_PIECE) -> list[str]:
    """Sentences (merged while short), each at most `limit` characters.

    The first piece is one sentence, so the first word is heard as soon as that
    sentence is rendered; the rest render while earlier pieces play.
    """
    text = " ".join(text.split())
    if not text:
        return []
    sentences = re.split(r"(?<=[.!?;:])\s+", text)
    pieces: list[str] = []
    for s in sentences:
        while len(s) > limit:  # a run-on "sentence": cut at a space, else hard
            cut = s.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            pieces.append(s[:cut].strip())
            s = s[cut:].strip()
        if not s:
            continue
        if len(pieces) > 1 and len(pieces[-1]) + 1 + len(s) <= min(limit, 250):
            pieces[-1] = pieces[-1] + " " + s
        else:
            pieces.append(s)
    return pieces


@dataclass
class SayTiming:
    """Times (time.monotonic()) for the last say(): for benchmarks."""

    start: float = 0.0  # say() called
    first_rendered: float | None = None  # first piece's audio back from the worker
    first_sample: float | None = None  # first audio handed to the output (or to speak_to)
    end: float | None = None  # say() returns
    prepared: bool = False  # the first piece had been rendered by prepare()
    played: bool = False  # audio went to a device
    fallback: bool = False  # (part of) the prompt was printed instead
    output_latency: float = 0.0  # the device's reported output latency (s)
    pieces: int = 0
    audio_seconds: float = 0.0

    @property
    def to_first_sample(self) -> float | None:
        return None if self.first_sample is None else self.first_sample - self.start


@dataclass
class _Batch:
    text: str
    pieces: list[str]
    futures: list[Future] = field(default_factory=list)
    cancelled: threading.Event = field(default_factory=threading.Event)


_LIVE: weakref.WeakSet[TtsSpeaker] = weakref.WeakSet()


@atexit.register
def _close_all() -> None:
    for s in list(_LIVE):
        s.close()


class TtsSpeaker:
    """Says prompts aloud with pyttsx3 (espeak-ng) in a worker process.

    voice: pyttsx3 voice id or name substring; rate: words per minute;
    output_device: sounddevice index or name substring (None: default);
    speak_to: append all spoken audio to this WAV (16 kHz mono 16-bit);
    play: False renders (and writes speak_to) without playing;
    timeout: seconds allowed per utterance before the worker is killed;
    on_fallback(text): called with text that could not be spoken (default:
    printed to stderr). `last_timing` describes the last say().
    """

    def __init__(
        self,
        voice: str | None = None,
        rate: int | None = None,
        output_device: int | str | None = None,
        speak_to: Path | str | None = None,
        play: bool = True,
        timeout: float = 10.0,
        on_fallback: Callable[[str], None] | None = None,
        max_failures: int = 3,
        fault: str | None = None,
    ):
        check_engine()
        self.voice = voice
        self.rate = rate
        self.play = play
        self.timeout = float(timeout)
        self.on_fallback = on_fallback or PrintSpeaker().say
        self.max_failures = max_failures
        self.failures = 0
        self.print_mode = False
        self.last_timing = SayTiming()
        self.fault: str | None = None  # test hook: the next render request fails this way
        self._tmpdir = temp_dir()  # removes the folders of killed debriefs first
        self._config = {"voice": voice, "rate": rate, "tmpdir": self._tmpdir, "fault": fault}
        self.close_error: str | None = None  # why the output stream would not close, if it would not
        self._lock = threading.Lock()  # guards self._worker
        self._worker: TtsProcess | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts-render")
        self._prepared: _Batch | None = None
        self._output_spec = output_device
        self._output: dict | None = None  # resolved device info
        self._output_checked = False
        self._stream = None
        self._stream_rate = 0
        self._writer: WavWriter | None = None
        self._speak_to = Path(speak_to) if speak_to else None
        self._closed = False
        if play and output_device is not None:
            from assistant.audio.devices import resolve_device

            self._output = resolve_device(output_device, "output")  # AudioError if unknown
            self._output_checked = True
        self._output_error: str | None = None
        self._warm: threading.Thread | None = None
        if play:
            self._warm = threading.Thread(target=self._warm_output, daemon=True, name="tts-output")
            self._warm.start()
        self._start_worker()
        if voice is not None:  # an unknown voice is the person's mistake: say so now
            ready = self._ensure_ready()
            if ready.get("kind") == "voice":
                self.close()
                raise EngineError(f"There is no text-to-speech voice {voice!r}; {VOICES_HINT}.")
        _LIVE.add(self)

    # -- the worker ---------------------------------------------------------

    def _start_worker(self) -> TtsProcess:
        with self._lock:
            if self._worker is None or not self._worker.alive():
                if self._worker is not None:
                    self._worker.kill()
                self._worker = TtsProcess(self._config)
            return self._worker

    def _ensure_ready(self) -> dict:
        worker = self._start_worker()
        try:
            return worker.wait_ready(self.timeout)
        except WorkerFailed as e:
            return {"type": "error", "kind": "init", "message": str(e)}

    def _render(self, batch: _Batch, piece: str) -> tuple[int, bytes]:
        """Runs on the render thread: one piece -> (rate, pcm)."""
        if batch.cancelled.is_set() or self.print_mode:
            raise WorkerFailed("cancelled")
        worker = self._start_worker()
        fault, self.fault = self.fault, None
        msg = {"cmd": "render", "text": piece}
        if fault:
            msg["fault"] = fault
        try:
            header, data = worker.request(msg, self.timeout)
        except WorkerFailed:
            batch.cancelled.set()  # the rest of this prompt is printed: do not render it (and wait again)
            ready = worker.ready or {}
            with self._lock:
                worker.kill()  # stuck or broken: the next request gets a fresh one
                if self._worker is worker:
                    self._worker = None
            if ready.get("kind") in ("espeak", "voice"):
                self.print_mode = True  # a restart will not help
            raise
        return int(header.get("rate") or TTS_RATE), data

    def _submit(self, text: str) -> _Batch:
        batch = _Batch(text, split_text(text))
        for piece in batch.pieces:
            batch.futures.append(self._executor.submit(self._render, batch, piece))
        return batch

    def prepare(self, text: str) -> None:
        """Render `text` in the background so the next say(text) starts at once."""
        if self.print_mode or self._closed:
            return
        if self._prepared is not None and self._prepared.text != text:
            self._cancel(self._prepared)
        if self._prepared is None or self._prepared.text != text:
            self._prepared = self._submit(text)

    @staticmethod
    def _cancel(batch: _Batch) -> None:
        batch.cancelled.set()
        for f in batch.futures:
            f.cancel()

    # -- saying -------------------------------------------------------------

    def say(self, text: str) -> None:
        timing = self.last_timing = SayTiming(start=time.monotonic())
        try:
            self._say(text, timing)
        finally:
            timing.end = time.monotonic()

    def _say(self, text: str, timing: SayTiming) -> None:
        if self.print_mode or self._closed:
            timing.fallback = True
            self.on_fallback(text)
            return
        batch = self._prepared if self._prepared is not None and self._prepared.text == text else None
        if self._prepared is not None and batch is None:
            self._cancel(self._prepared)
        self._prepared = None
        if batch is None:
            batch = self._submit(text)
        else:
            timing.prepared = batch.futures[0].done() if batch.futures else False
        timing.pieces = len(batch.pieces)
        lost_at = None  # the piece during which playback failed
        for i, fut in enumerate(batch.futures):
            try:
                # the worker enforces the timeout; the margin covers a restart
                rate, pcm = fut.result(timeout=2 * self.timeout + 5)
            except Exception:
                self._cancel(batch)
                self._failed(" ".join(batch.pieces[i:]), timing)
                return
            if timing.first_rendered is None:
                timing.first_rendered = time.monotonic()
            if not self._emit(rate, pcm, timing) and lost_at is None:
                lost_at = i
        self.failures = 0
        self._finish_playback()
        if lost_at is not None:  # the speaker went away mid-prompt: show what was not heard
            timing.fallback = True
            self.on_fallback(" ".join(batch.pieces[lost_at:]))

    def _failed(self, rest: str, timing: SayTiming) -> None:
        self._finish_playback()
        timing.fallback = True
        self.failures += 1
        self.on_fallback(rest)
        if self.failures >= self.max_failures and not self.print_mode:
            self.print_mode = True
            print("Text-to-speech keeps failing; prompts will be printed from now on.", file=sys.stderr, flush=True)

    def _emit(self, rate: int, pcm: bytes, timing: SayTiming) -> bool:
        """Write speak_to and play; False if playback failed just now."""
        timing.audio_seconds += len(pcm) / 2 / rate
        if self._speak_to is not None:
            self._write_speak_to(rate, pcm)
        stream = self._open_stream(rate) if self.play else None
        if timing.first_sample is None:
            timing.first_sample = time.monotonic()
        if stream is None:
            return True
        try:
            import numpy as np

            if self._stream_rate != rate:
                from assistant.audio.pcm import resample_chunk
                from assistant.interfaces import AudioChunk

                pcm = resample_chunk(AudioChunk(rate, 2, 1, pcm), self._stream_rate).audio
            stream.write(np.frombuffer(pcm, dtype=np.int16).reshape(-1, 1))
            timing.played = True
            timing.output_latency = float(getattr(stream, "latency", 0.0) or 0.0)
        except Exception as e:
            self._disable_playback(f"Playing audio failed ({e}); prompts will not be played aloud.")
            return False
        return True

    # -- output -------------------------------------------------------------

    def _disable_playback(self, note: str) -> None:
        self.play = False
        self._close_stream()
        print(note, file=sys.stderr, flush=True)

    def _warm_output(self) -> None:
        """Background: import sounddevice, find the device, open the stream (not started)."""
        try:
            from assistant.audio.devices import import_sounddevice, resolve_device

            sd = import_sounddevice()
            if self._output is None:
                self._output = resolve_device(self._output_spec, "output", sd)
                self._output_checked = True
            output = self._output
            index = output.get("index")
            try:
                stream = sd.OutputStream(samplerate=TTS_RATE, channels=1, dtype="int16", device=index)
                self._stream_rate = TTS_RATE
            except Exception:  # the device cannot do 22,050 Hz: resample to its own rate
                dev_rate = int(output.get("default_samplerate") or 48000)
                stream = sd.OutputStream(samplerate=dev_rate, channels=1, dtype="int16", device=index)
                self._stream_rate = dev_rate
            self._stream = stream
        except AudioError as e:
            msg = str(e)
            self._output_error = msg if "played aloud" in msg else f"{msg} Prompts will not be played aloud."
        except Exception as e:
            self._output_error = f"No speaker could be opened ({e}); prompts will not be played aloud."

    def _open_stream(self, rate: int):
        if self._warm is not None:
            self._warm.join()
            self._warm = None
        if self._output_error:
            note, self._output_error = self._output_error, None
            self._disable_playback(note)
            return None
        if self._stream is None:
            return None
        try:
            if not self._stream.active:
                self._stream.start()
        except Exception as e:
            self._disable_playback(f"Playing audio failed ({e}); prompts will not be played aloud.")
            return None
        return self._stream

    def _finish_playback(self) -> None:
        """Block until everything written has been played."""
        if self._stream is not None:
            try:
                self._stream.stop()  # Pa_StopStream plays out pending buffers
            except Exception as e:
                self._disable_playback(f"Playing audio failed ({e}); prompts will not be played aloud.")

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.close()
            except Exception as e:  # noqa: BLE001 - PortAudioError and friends, from a device that went away
                self.close_error = str(e)

    def _write_speak_to(self, rate: int, pcm: bytes) -> None:
        from assistant.audio.pcm import WavWriter
        from assistant.interfaces import AudioChunk

        if self._speak_to is None:
            return
        if self._writer is None:
            self._writer = WavWriter(self._speak_to)  # 16 kHz mono 16-bit; converts 22,050 Hz
        self._writer.write(AudioChunk(rate, 2, 1, pcm))

    # -- the rest -----------------------------------------------------------

    def list_voices(self) -> list[dict]:
        worker = self._start_worker()
        header, _ = worker.request({"cmd": "voices"}, self.timeout)
        return header["voices"]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._prepared is not None:
            self._cancel(self._prepared)
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._warm is not None:
            self._warm.join(timeout=2)
        with self._lock:
            if self._worker is not None:
                self._worker.close()
                self._worker = None
        self._close_stream()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
