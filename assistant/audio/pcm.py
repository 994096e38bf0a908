"""Audio as data: chunks of raw PCM, no hardware.

AudioChunk (in interfaces.py) mirrors wyoming's: rate (Hz), width (bytes per
sample), channels, and the raw little-endian PCM bytes.

Everything here turns audio of any shape into what the recognisers want
(16 kHz, 16-bit, mono) as a stream: `read_chunks` reads a file block by block
(a two-hour file never sits in memory), `Resampler` converts live microphone
chunks, `wav_bytes` / `WavWriter` write WAV files, and `FileMicrophone` /
`SilenceMicrophone` are Microphones without hardware. numpy, soundfile and
soxr are imported inside the functions that need them.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Iterator
from pathlib import Path

from assistant.errors import AudioError
from assistant.interfaces import AudioChunk

RATE = 16_000  # what the recognisers want: 16 kHz, 16-bit, mono
WIDTH = 2
CHANNELS = 1

MIN_RATE = 1_000  # anything outside this is a damaged header, not audio
MAX_RATE = 768_000


def _convert_hint(path: Path) -> str:
    return f"convert it with `ffmpeg -i {path} -ar 16000 -ac 1 out.wav` or `sox {path} -r 16000 -c 1 out.wav`"


def _open(path: str | Path):
    """Open an audio file with soundfile, or raise AudioError (one sentence)."""
    import soundfile as sf

    p = Path(path)
    if not p.exists():
        raise AudioError(f"Audio file not found: {p}.")
    if p.is_dir():
        raise AudioError(f"{p} is a directory, not an audio file.")
    if p.stat().st_size == 0:
        raise AudioError(f"Audio file {p} is empty.")
    try:
        f = sf.SoundFile(str(p))
    except Exception:  # libsndfile refuses: not audio, or a format it lacks
        raise AudioError(f"{p} is not an audio file this program can read; {_convert_hint(p)}.") from None
    if f.channels < 1 or not (MIN_RATE <= f.samplerate <= MAX_RATE):
        f.close()
        raise AudioError(f"{p} has a damaged header ({f.samplerate} Hz, {f.channels} channels); {_convert_hint(p)}.")
    return f


def rms(chunk: AudioChunk) -> float:
    """Root mean square of a 16-bit chunk, 0..1."""
    import numpy as np

    if not chunk.audio:
        return 0.0
    x = np.frombuffer(chunk.audio[: len(chunk.audio) // 2 * 2], dtype="<i2")
    if not len(x):
        return 0.0
    return float(np.sqrt(np.mean((x.astype(np.float64) / 32768.0) ** 2)))


def check_audio_file(path: str | Path) -> None:
    """Raise AudioError now if `path` cannot be read as audio (for early errors)."""
    f = _open(path)
    try:
        if f.frames == 0:  # a header and nothing after it: say so before the first question
            raise AudioError(f"Audio file {Path(path)} contains no audio.")
    finally:
        f.close()


def read_chunks(path: str | Path, chunk_seconds: float = 0.1) -> Iterator[AudioChunk]:
    """Stream any audio file soundfile can read as 16 kHz mono 16-bit chunks.

    The file is opened (and checked) right away, so a bad path raises
    AudioError at the call; the audio itself is read lazily, block by block.
    """
    f = _open(path)
    return _stream(f, Path(path), chunk_seconds)


def _stream(f, path: Path, chunk_seconds: float) -> Iterator[AudioChunk]:
    import numpy as np

    out_size = max(1, int(round(RATE * chunk_seconds)))
    in_block = max(1, int(round(f.samplerate * chunk_seconds)))
    resampler = None if f.samplerate == RATE else _soxr_stream(f.samplerate)
    pending = np.zeros(0, dtype=np.int16)
    produced = 0
    try:
        with f:
            while True:
                try:
                    block = f.read(in_block, dtype="float32", always_2d=True)
                except Exception:
                    if produced:
                        raise AudioError(
                            f"{path} is damaged after {produced / RATE:.1f} seconds of audio; {_convert_hint(path)}."
                        ) from None
                    raise AudioError(f"{path} is damaged and could not be read; {_convert_hint(path)}.") from None
                last = len(block) < in_block
                mono = _downmix(block)
                if resampler is not None:
                    mono = resampler.resample_chunk(mono, last=last)
                pcm = _to_int16(mono)
                pending = np.concatenate([pending, pcm]) if len(pending) else pcm
                while len(pending) >= out_size:
                    piece, pending = pending[:out_size], pending[out_size:]
                    produced += len(piece)
                    yield AudioChunk(RATE, WIDTH, CHANNELS, piece.tobytes())
                if last:
                    break
        if len(pending):
            produced += len(pending)
            yield AudioChunk(RATE, WIDTH, CHANNELS, pending.tobytes())
        if not produced:
            raise AudioError(f"Audio file {path} contains no audio.")
    finally:
        f.close()


def _soxr_stream(from_rate: int):
    import soxr

    return soxr.ResampleStream(from_rate, RATE, 1, dtype="float32", quality="HQ")


def _downmix(block):
    """(frames, channels) float32 -> (frames,) float32."""
    if block.shape[1] == 1:
        return block[:, 0].copy()
    return block.mean(axis=1, dtype="float32")


def _to_int16(x):
    import numpy as np

    if not len(x):
        return np.zeros(0, dtype=np.int16)
    x = np.clip(np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0), -1.0, 1.0)  # huge floats: no overflow
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def _decode(chunk: AudioChunk):
    """Raw PCM of any width / channel count -> (frames,) float32 mono."""
    import numpy as np

    a = chunk.audio
    w, ch = chunk.width, max(1, chunk.channels)
    usable = len(a) - len(a) % (w * ch)
    a = a[:usable]
    if w == 1:  # 8-bit PCM is unsigned
        x = (np.frombuffer(a, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif w == 2:
        x = np.frombuffer(a, dtype="<i2").astype(np.float32) / 32768.0
    elif w == 3:
        b = np.frombuffer(a, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float32) / float(1 << 23)
    elif w == 4:
        x = np.frombuffer(a, dtype="<i4").astype(np.float32) / float(1 << 31)
    else:
        raise AudioError(f"Audio with {w} bytes per sample is not supported.")
    return _downmix(x.reshape(-1, ch))


class Resampler:
    """Convert a stream of chunks (any rate, width, channels) to 16 kHz mono 16-bit.

    For the live microphone: `Resampler(48000).process(chunk)` returns a
    16 kHz chunk (possibly a few samples shorter or longer than the input
    length implies: the resampler keeps a little state between calls);
    `flush()` returns what is left at the end of the stream.
    """

    def __init__(self, from_rate: int, to_rate: int = RATE):
        if not (MIN_RATE <= from_rate <= MAX_RATE):
            raise AudioError(f"A sample rate of {from_rate} Hz is not supported.")
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = None
        if from_rate != to_rate:
            import soxr

            self._stream = soxr.ResampleStream(from_rate, to_rate, 1, dtype="float32", quality="HQ")

    def process(self, chunk: AudioChunk) -> AudioChunk:
        if chunk.rate != self.from_rate:
            raise AudioError(f"Expected {self.from_rate} Hz audio but got {chunk.rate} Hz.")
        if self._stream is None and chunk.width == WIDTH and chunk.channels == 1:
            return AudioChunk(self.to_rate, WIDTH, 1, chunk.audio)
        x = _decode(chunk)
        if self._stream is not None:
            x = self._stream.resample_chunk(x, last=False)
        return AudioChunk(self.to_rate, WIDTH, 1, _to_int16(x).tobytes())

    def flush(self) -> AudioChunk:
        import numpy as np

        if self._stream is None:
            return AudioChunk(self.to_rate, WIDTH, 1, b"")
        x = self._stream.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
        return AudioChunk(self.to_rate, WIDTH, 1, _to_int16(x).tobytes())


def resample_chunk(chunk: AudioChunk, to_rate: int = RATE) -> AudioChunk:
    """One-shot conversion of a single chunk (no state kept between calls)."""
    r = Resampler(chunk.rate, to_rate)
    out = r.process(chunk)
    return AudioChunk(out.rate, out.width, out.channels, out.audio + r.flush().audio)


def wav_bytes(pcm: bytes, rate: int = RATE) -> bytes:
    """A complete WAV file (mono, 16-bit) holding `pcm`."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(WIDTH)
        w.setframerate(rate)
        w.writeframes(pcm[: len(pcm) - len(pcm) % WIDTH])
    return buf.getvalue()


class WavWriter:
    """Append chunks to one WAV file (16-bit mono at `rate`), e.g. for --speak-to.

    Chunks of another rate, width or channel count are converted first.
    Use as a context manager, or call close(). The file is written private
    (0600) beside `path` and moved over it by close() (files.Replacement): an
    existing file stays whole until then, and a link or a device is refused.
    """

    def __init__(self, path: str | Path, rate: int = RATE):
        from assistant.errors import DebriefError
        from assistant.files import Replacement

        self.path = Path(path)
        self.rate = rate
        self._resamplers: dict[int, Resampler] = {}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._replacement = Replacement(self.path)
            self._w = wave.open(str(self._replacement.temp), "wb")
        except OSError as e:
            raise AudioError(f"Cannot write {self.path}: {e.strerror or e}.") from None
        except DebriefError as e:
            raise AudioError(str(e)) from None
        self._w.setnchannels(1)
        self._w.setsampwidth(WIDTH)
        self._w.setframerate(rate)

    def write(self, chunk: AudioChunk) -> None:
        if not (chunk.rate == self.rate and chunk.width == WIDTH and chunk.channels == 1):
            r = self._resamplers.get(chunk.rate)
            if r is None:
                r = self._resamplers[chunk.rate] = Resampler(chunk.rate, self.rate)
            chunk = r.process(chunk)
        self._w.writeframes(chunk.audio)

    def write_silence(self, seconds: float) -> None:
        self._w.writeframes(b"\0\0" * int(self.rate * seconds))

    def close(self) -> None:
        if self._w is None:
            return
        try:
            for r in self._resamplers.values():
                self._w.writeframes(r.flush().audio)
            self._w.close()
            self._replacement.commit()
        except OSError as e:
            self._replacement.discard()
            raise AudioError(f"Cannot write {self.path}: {e.strerror or e}.") from None
        finally:
            self._w = None  # type: ignore[assignment]  # closed

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FileMicrophone:
    """A Microphone reading a recording; pause/resume do nothing (nothing is dropped).

    The file is checked when the microphone is made, so a bad --input fails
    before the debrief starts.
    """

    def __init__(self, path: str | Path, chunk_seconds: float = 0.1):
        self.path = Path(path)
        self.chunk_seconds = chunk_seconds
        check_audio_file(self.path)

    def chunks(self) -> Iterator[AudioChunk]:
        return read_chunks(self.path, self.chunk_seconds)

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def close(self) -> None:
        pass  # the file is closed when its chunks are read to the end


class SilenceMicrophone:
    """A Microphone that yields `seconds` of digital silence, then ends."""

    def __init__(self, seconds: float, chunk_seconds: float = 0.1):
        self.seconds = seconds
        self.chunk_seconds = chunk_seconds
        self.paused = 0
        self.resumed = 0

    def chunks(self) -> Iterator[AudioChunk]:
        n = int(round(self.seconds * RATE))
        step = max(1, int(round(self.chunk_seconds * RATE)))
        for start in range(0, n, step):
            yield AudioChunk(RATE, WIDTH, CHANNELS, b"\0\0" * min(step, n - start))

    def pause(self) -> None:
        self.paused += 1

    def resume(self) -> None:
        self.resumed += 1

    def close(self) -> None:
        pass
