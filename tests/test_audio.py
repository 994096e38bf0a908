"""Reading, converting and writing audio: every input kind, streamed."""

import io
import itertools
import subprocess
import time
import tracemalloc
import wave

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.audio.pcm import (
    AudioChunk, FileMicrophone, Resampler, SilenceMicrophone, WavWriter,
    read_chunks, resample_chunk, wav_bytes,
)
from assistant.errors import AudioError
from assistant.interfaces import Microphone


def sine(rate, seconds=1.0, freq=440.0, amp=0.5, channels=1):
    t = np.arange(int(rate * seconds)) / rate
    x = amp * np.sin(2 * np.pi * freq * t)
    return np.stack([x] * channels, axis=1) if channels > 1 else x


def pcm_of(path, **kw):
    chunks = list(read_chunks(path, **kw))
    for c in chunks:
        assert (c.rate, c.width, c.channels) == (16000, 2, 1)
    return np.frombuffer(b"".join(c.audio for c in chunks), dtype="<i2"), chunks


def check_tone(a, seconds=1.0, amp=0.5, freq=440.0, tol=0.05):
    assert abs(len(a) - 16000 * seconds) <= 16000 * 0.01
    level = np.sqrt(np.mean((a / 32768.0) ** 2))
    assert abs(level - amp / np.sqrt(2)) < tol
    spectrum = np.abs(np.fft.rfft(a))
    peak = np.argmax(spectrum) * 16000 / len(a)
    assert abs(peak - freq) < 5


@pytest.mark.parametrize("subtype,fmt,ext", [
    ("PCM_U8", "WAV", "wav"), ("PCM_16", "WAV", "wav"), ("PCM_24", "WAV", "wav"),
    ("PCM_32", "WAV", "wav"), ("FLOAT", "WAV", "wav"), ("DOUBLE", "WAV", "wav"),
    ("PCM_16", "FLAC", "flac"), ("PCM_24", "FLAC", "flac"), ("VORBIS", "OGG", "ogg"),
    ("PCM_16", "AIFF", "aiff"),
])
def test_every_sample_format(tmp_path, subtype, fmt, ext):
    p = tmp_path / f"tone.{ext}"
    sf.write(p, sine(16000), 16000, subtype=subtype, format=fmt)
    a, _ = pcm_of(p)
    check_tone(a, tol=0.05 if subtype in ("PCM_U8", "VORBIS") else 0.01)


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000, 96000])
@pytest.mark.parametrize("channels", [1, 2, 6])
def test_any_rate_and_channel_count(tmp_path, rate, channels):
    p = tmp_path / "x.wav"
    sf.write(p, sine(rate, 1.5, channels=channels), rate, subtype="PCM_16")
    a, _ = pcm_of(p)
    check_tone(a, seconds=1.5)


def test_stereo_is_mixed_down(tmp_path):
    p = tmp_path / "lr.wav"
    left = sine(44100, amp=0.6)
    sf.write(p, np.stack([left, np.zeros_like(left)], axis=1), 44100)
    a, _ = pcm_of(p)
    check_tone(a, amp=0.3)


def test_16k_mono_16bit_passes_through_bit_exact(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(-32768, 32767, 16000 * 2, dtype=np.int16)
    p = tmp_path / "x.wav"
    sf.write(p, x, 16000, subtype="PCM_16")
    a, chunks = pcm_of(p)
    assert np.array_equal(a, x)
    assert [len(c.audio) for c in chunks] == [3200] * 10 + [3200] * 10


def test_chunk_size(tmp_path):
    p = tmp_path / "x.wav"
    sf.write(p, sine(48000, 1.05), 48000)
    _, chunks = pcm_of(p, chunk_seconds=0.25)
    assert all(c.samples == 4000 for c in chunks[:-1])
    assert 0 < chunks[-1].samples <= 4000


def test_sox_made_files(tmp_path):
    p = tmp_path / "sox.wav"
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "2", "-b", "24", str(p),
                    "synth", "1", "sine", "440", "vol", "0.5"], check=True)
    a, _ = pcm_of(p)
    check_tone(a, amp=0.5, tol=0.03)


# -- errors: one clear sentence each -------------------------------------------

def one_sentence(e):
    msg = str(e)
    assert msg.endswith(".") and "\n" not in msg and "Traceback" not in msg
    return msg


def test_missing_file(tmp_path):
    with pytest.raises(AudioError) as e:
        read_chunks(tmp_path / "nope.wav")
    assert "not found" in one_sentence(e.value)


def test_directory(tmp_path):
    with pytest.raises(AudioError):
        read_chunks(tmp_path)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.wav"
    p.write_bytes(b"")
    with pytest.raises(AudioError) as e:
        read_chunks(p)
    assert "empty" in one_sentence(e.value)


def test_text_file_renamed_wav(tmp_path):
    p = tmp_path / "notes.wav"
    p.write_text("these are my interview notes, not audio\n")
    with pytest.raises(AudioError) as e:
        read_chunks(p)
    msg = one_sentence(e.value)
    assert "not an audio file" in msg and "ffmpeg -i" in msg and "sox " in msg


def test_header_only_wav_has_no_audio(tmp_path):
    p = tmp_path / "h.wav"
    sf.write(p, np.zeros(0), 16000)
    with pytest.raises(AudioError) as e:
        list(read_chunks(p))
    assert "no audio" in one_sentence(e.value)


def test_truncated_wav_reads_what_is_there(tmp_path):
    p = tmp_path / "full.wav"
    sf.write(p, sine(16000, 2.0), 16000, subtype="PCM_16")
    data = p.read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: 44 + 16000 * 2])  # header promises 2 s, 1 s is there
    a, _ = pcm_of(cut)
    assert abs(len(a) - 16000) < 200


def test_truncated_flac_is_read_or_refused_cleanly(tmp_path):
    p = tmp_path / "full.flac"
    sf.write(p, sine(44100, 3.0), 44100, format="FLAC")
    cut = tmp_path / "cut.flac"
    cut.write_bytes(p.read_bytes()[: p.stat().st_size // 2])
    try:
        a, _ = pcm_of(cut)
        assert len(a) > 16000 * 0.5
    except AudioError as e:
        one_sentence(e)


def test_long_file_streams(tmp_path):
    """A 2-hour 8 kHz file: the first chunks come at once, memory stays small."""
    p = tmp_path / "long.wav"
    block = (sine(8000, 10.0, amp=0.2) * 32767).astype(np.int16)
    with sf.SoundFile(p, "w", 8000, 1, subtype="PCM_16") as f:
        for _ in range(720):
            f.write(block)
    assert p.stat().st_size > 100_000_000
    tracemalloc.start()
    t = time.perf_counter()
    chunks = read_chunks(p)
    first = list(itertools.islice(chunks, 600))  # one minute
    elapsed = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    chunks.close()
    assert len(first) == 600
    assert elapsed < 5.0
    assert peak < 10_000_000  # a minute of 16 kHz audio is ~2 MB; the file is 115 MB


# hypothesis: arbitrary bytes never crash with anything but AudioError

_wav_header = wav_bytes(b"\0\0" * 10)[:44]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4000), prefix=st.sampled_from([b"", _wav_header[:12], _wav_header, b"fLaC", b"OggS"]))
def test_random_bytes_only_raise_audio_error(tmp_path, data, prefix):
    p = tmp_path / "random.wav"
    p.write_bytes(prefix + data)
    try:
        for c in read_chunks(p):
            assert c.rate == 16000 and c.width == 2 and c.channels == 1
    except AudioError as e:
        one_sentence(e)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pos=st.integers(0, 200), value=st.integers(0, 255), cut=st.integers(0, 400))
def test_mutated_wav_headers(tmp_path, pos, value, cut):
    good = bytearray(wav_bytes((np.arange(200, dtype=np.int16) * 50).tobytes()))
    if pos < len(good):
        good[pos] = value
    p = tmp_path / "m.wav"
    p.write_bytes(bytes(good[: len(good) - cut]))
    try:
        list(read_chunks(p))
    except AudioError as e:
        one_sentence(e)


# -- writing and converting ---------------------------------------------------------

def test_wav_bytes_is_a_complete_wav():
    pcm = (np.arange(1600, dtype=np.int16)).tobytes()
    data = wav_bytes(pcm)
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (16000, 1, 2, 1600)
        assert w.readframes(1600) == pcm


def test_wav_writer_appends_and_converts(tmp_path):
    p = tmp_path / "out" / "spoken.wav"
    with WavWriter(p) as w:
        w.write(AudioChunk(16000, 2, 1, b"\1\0" * 1600))
        w.write_silence(0.5)
        x = (sine(8000, 1.0) * 32767).astype("<i2").tobytes()
        w.write(AudioChunk(8000, 2, 1, x))
    info = sf.info(p)
    assert info.samplerate == 16000 and info.channels == 1
    assert abs(info.frames - 16000 * 1.6) < 200


@pytest.mark.parametrize("rate,width,channels", [(48000, 2, 1), (44100, 2, 2), (16000, 2, 2),
                                                  (48000, 4, 1), (22050, 1, 1), (32000, 3, 2)])
def test_resampler_streams_live_chunks(rate, width, channels):
    x = sine(rate, 2.0, amp=0.5)
    if width == 1:
        raw = np.round(x * 127 + 128).astype(np.uint8).tobytes()
    elif width == 3:
        v = np.round(x * (2 ** 23 - 1)).astype("<i4")
        raw = np.stack([(v >> s) & 0xFF for s in (0, 8, 16)], axis=1).astype(np.uint8).tobytes()
    else:
        dt = "<i2" if width == 2 else "<i4"
        raw = np.round(x * (2 ** (8 * width - 1) - 1)).astype(dt).tobytes()
    if channels == 2:
        frame = width
        raw = b"".join(raw[i:i + frame] * 2 for i in range(0, len(raw), frame))
    r = Resampler(rate)
    step = int(rate * 0.02) * width * channels  # 20 ms blocks, as a sound card gives them
    out = [r.process(AudioChunk(rate, width, channels, raw[i:i + step])) for i in range(0, len(raw), step)]
    out.append(r.flush())
    assert all((c.rate, c.width, c.channels) == (16000, 2, 1) for c in out)
    a = np.frombuffer(b"".join(c.audio for c in out), dtype="<i2")
    check_tone(a, seconds=2.0, tol=0.03 if width == 1 else 0.01)


def test_resample_chunk_one_shot():
    x = (sine(48000, 0.5) * 16000).astype("<i2").tobytes()
    c = resample_chunk(AudioChunk(48000, 2, 1, x))
    assert c.rate == 16000 and abs(c.samples - 8000) < 50


def test_resampler_rejects_wrong_rate():
    with pytest.raises(AudioError):
        Resampler(48000).process(AudioChunk(44100, 2, 1, b"\0\0" * 10))


def test_file_microphone(tmp_path):
    p = tmp_path / "a.flac"
    sf.write(p, sine(44100, 1.0), 44100, format="FLAC")
    mic = FileMicrophone(p)
    assert isinstance(mic, Microphone)
    mic.pause()
    total = sum(c.seconds for c in mic.chunks())  # nothing dropped while "paused"
    mic.resume()
    assert abs(total - 1.0) < 0.01
    with pytest.raises(AudioError):
        FileMicrophone(tmp_path / "missing.wav")


def test_silence_microphone():
    mic = SilenceMicrophone(1.05)
    assert isinstance(mic, Microphone)
    chunks = list(mic.chunks())
    assert abs(sum(c.seconds for c in chunks) - 1.05) < 1e-6
    assert not any(any(c.audio) for c in chunks)


def test_huge_or_broken_float_samples_clip_without_overflow():
    """A float file with a valid header and garbage samples (the fuzz test's
    "valid header then garbage") gave an overflow warning before the clip."""
    import warnings

    import numpy as np

    from assistant.audio.pcm import _to_int16

    x = np.array([0.5, -0.5, 1.0, -1.0, 1e38, -1e38, np.nan, np.inf], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _to_int16(x)
    assert got.tolist() == [16384, -16384, 32767, -32768, 32767, -32768, 0, 32767]
