"""SoundDeviceMicrophone and devices.py against a fake sounddevice module."""

import sys
import threading
import time
import types

import numpy as np
import pytest

from assistant.audio import devices
from assistant.errors import AudioError, DeviceLostError
from assistant.interfaces import Microphone
from assistant.audio.mic import DEVICE_LOST, SoundDeviceMicrophone


class FakeInputStream:
    def __init__(self, sd, samplerate, blocksize, device, channels, dtype, callback):
        if channels not in sd.channel_ok:
            raise sd.PortAudioError("Invalid number of channels")
        assert dtype == "int16"
        self.sd, self.samplerate, self.blocksize = sd, samplerate, blocksize
        self.device, self.channels, self.callback = device, channels, callback
        self.active = False
        self.closed = False
        sd.streams.append(self)

    def start(self):
        self.active = True

    def abort(self):
        self.active = False

    def close(self):
        self.closed = True

    def push(self, frames: np.ndarray) -> None:
        """Deliver one block as PortAudio would (on its own thread, here the caller's)."""
        data = np.asarray(frames, dtype="<i2")
        if data.ndim == 1:
            data = np.repeat(data[:, None], self.channels, axis=1)
        self.callback(memoryview(data.tobytes()), len(data), None, None)


def fake_sounddevice(inputs=(("Built-in Mic", 1, 44100.0), ("USB Headset", 2, 48000.0)), default_in=0):
    sd = types.ModuleType("sounddevice")
    sd.PortAudioError = type("PortAudioError", (Exception,), {})
    sd.channel_ok = (1, 2)
    sd.streams = []
    devs = [
        {"name": "HDMI out", "index": 0, "hostapi": 0, "max_input_channels": 0,
         "max_output_channels": 8, "default_samplerate": 48000.0}
    ]
    for i, (name, ch, rate) in enumerate(inputs, start=1):
        devs.append({"name": name, "index": i, "hostapi": 0, "max_input_channels": ch,
                     "max_output_channels": 0, "default_samplerate": rate})
    din = default_in + 1 if inputs and default_in is not None else -1
    sd.default = types.SimpleNamespace(device=[din, 0])

    def query_devices(device=None, kind=None):
        if kind == "input":
            if din < 0:
                raise sd.PortAudioError("Error querying device -1")
            return devs[din]
        if kind == "output":
            return devs[0]
        return list(devs)

    sd.query_devices = query_devices
    sd.query_hostapis = lambda i=None: {"name": "ALSA"}
    sd.RawInputStream = lambda **kw: FakeInputStream(sd, **kw)
    return sd


@pytest.fixture
def sd(monkeypatch):
    fake = fake_sounddevice()
    monkeypatch.setitem(sys.modules, "sounddevice", fake)
    return fake


def tone(rate, seconds, freq=440.0, amp=8000):
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype("<i2")


def take(it, n):
    return [next(it) for _ in range(n)]


def test_opens_at_the_device_rate_and_yields_16k(sd):
    mic = SoundDeviceMicrophone(block_seconds=0.1)
    assert isinstance(mic, Microphone)
    stream = sd.streams[0]
    assert stream.samplerate == 44100 and stream.channels == 1 and stream.blocksize == 4410
    assert stream.device == 1 and stream.active
    it = mic.chunks()
    for _ in range(10):
        stream.push(tone(44100, 0.1))
    chunks = take(it, 10)
    assert all(c.rate == 16000 and c.width == 2 and c.channels == 1 for c in chunks)
    samples = sum(c.samples for c in chunks)
    assert abs(samples - 16000) < 400  # the resampler keeps a little state
    pcm = np.frombuffer(b"".join(c.audio for c in chunks[2:]), dtype="<i2").astype(float)
    assert 4000 < np.sqrt(np.mean(pcm**2)) < 7000  # a 8000-amplitude sine: ~5657 RMS
    mic.close()
    assert stream.closed
    assert list(it) == []  # the iterator ends once closed


def test_stereo_only_device_is_down_mixed(sd):
    sd.channel_ok = (2,)
    mic = SoundDeviceMicrophone(device="usb")
    stream = sd.streams[-1]
    assert stream.channels == 2 and stream.samplerate == 48000 and mic.device_name == "USB Headset"
    left = tone(48000, 0.1)
    stream.push(np.stack([left, left], axis=1))
    stream.push(np.stack([left, np.zeros_like(left)], axis=1))  # one channel silent: half the level
    it = mic.chunks()
    a, b = take(it, 2)
    assert a.rate == 16000 and a.channels == 1
    ra = np.sqrt(np.mean(np.frombuffer(a.audio, "<i2")[200:].astype(float) ** 2))
    rb = np.sqrt(np.mean(np.frombuffer(b.audio, "<i2")[200:].astype(float) ** 2))
    assert 0.4 < rb / ra < 0.6
    mic.close()


def test_pause_drops_frames(sd):
    mic = SoundDeviceMicrophone()
    stream = sd.streams[0]
    it = mic.chunks()
    loud, quiet = tone(44100, 0.1), np.zeros(4410, dtype="<i2")
    stream.push(quiet)
    assert next(it).rate == 16000
    stream.push(quiet)  # unread when the prompt starts: stale, dropped by pause()
    mic.pause()
    for _ in range(5):
        stream.push(loud)  # the assistant's own voice
    mic.resume()
    stream.push(quiet)
    c = next(it)
    assert np.abs(np.frombuffer(c.audio, "<i2")).max() < 2000  # the quiet block, not the prompt
    assert mic.dropped >= 5
    # nothing else is waiting
    stream.push(quiet)
    next(it)
    assert mic._queue.empty()
    mic.close()


def test_stall_raises_device_lost(sd):
    mic = SoundDeviceMicrophone(stall_timeout=0.3, start_timeout=0.3)
    stream = sd.streams[0]
    it = mic.chunks()
    stream.push(tone(44100, 0.1))
    next(it)
    start = time.monotonic()
    with pytest.raises(DeviceLostError) as e:
        next(it)  # the device went away: no more callbacks, no exception from PortAudio
    assert 0.25 < time.monotonic() - start < 1.0
    assert str(e.value) == DEVICE_LOST
    assert "answers so far are saved" in str(e.value)
    mic.close()


def test_inactive_stream_raises_device_lost_at_once(sd):
    mic = SoundDeviceMicrophone(stall_timeout=5.0)
    stream = sd.streams[0]
    it = mic.chunks()
    stream.push(tone(44100, 0.1))
    next(it)
    stream.active = False  # PortAudio stopped the stream (device error)
    start = time.monotonic()
    with pytest.raises(DeviceLostError):
        next(it)
    assert time.monotonic() - start < 0.5


def test_no_stall_while_paused(sd):
    mic = SoundDeviceMicrophone(stall_timeout=0.2, start_timeout=0.2)
    stream = sd.streams[0]
    stream.push(tone(44100, 0.1))
    mic.pause()
    errors, got = [], []

    def consume():
        try:
            for c in mic.chunks():
                got.append(c)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=consume)
    t.start()
    time.sleep(0.6)  # a long prompt, no callbacks at all
    assert errors == [] and got == []
    mic.close()
    t.join(2)
    assert not t.is_alive() and errors == []


def test_slow_first_block_is_not_a_lost_device(sd):
    mic = SoundDeviceMicrophone(stall_timeout=0.2, start_timeout=1.0)
    stream = sd.streams[0]
    threading.Timer(0.5, lambda: stream.push(tone(44100, 0.1))).start()
    assert next(mic.chunks()).rate == 16000
    mic.close()


def test_device_by_index_and_name(sd):
    assert SoundDeviceMicrophone(device=2).device_name == "USB Headset"
    assert SoundDeviceMicrophone(device="2").device_name == "USB Headset"
    assert SoundDeviceMicrophone(device="built-in").device_name == "Built-in Mic"
    assert SoundDeviceMicrophone(device="Built-in Mic").rate == 44100
    with pytest.raises(AudioError, match="No audio input device matches 'Bluetooth'.*debrief devices"):
        SoundDeviceMicrophone(device="Bluetooth")
    with pytest.raises(AudioError, match="no audio input device number 0.*debrief devices"):
        SoundDeviceMicrophone(device=0)  # an output, not an input


def test_no_input_device(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", fake_sounddevice(inputs=()))
    with pytest.raises(AudioError) as e:
        SoundDeviceMicrophone()
    assert str(e.value) == "No microphone found; use `debrief start --text` or try `debrief demo`."
    assert devices.default_input_available() is False


def test_device_that_will_not_open(sd):
    sd.channel_ok = ()
    with pytest.raises(AudioError, match="could not be opened"):
        SoundDeviceMicrophone()


@pytest.fixture
def no_portaudio(monkeypatch):
    class NoPortAudio:
        def find_spec(self, name, path=None, target=None):
            if name == "sounddevice":
                raise OSError("PortAudio library not found")

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])


def test_portaudio_missing(no_portaudio):
    with pytest.raises(AudioError) as e:
        SoundDeviceMicrophone()
    assert "sudo apt-get install libportaudio2" in str(e.value)
    with pytest.raises(AudioError, match="libportaudio2"):
        devices.list_devices()
    assert devices.default_input_available() is False


def test_list_devices(sd):
    found = devices.list_devices()
    assert [d["name"] for d in found["inputs"]] == ["Built-in Mic", "USB Headset"]
    assert [d["name"] for d in found["outputs"]] == ["HDMI out"]
    mic = found["inputs"][0]
    assert mic == {"index": 1, "name": "Built-in Mic", "channels": 1, "default_rate": 44100.0,
                   "hostapi": "ALSA", "default": True}
    assert found["default_input"] == 1 and found["default_output"] == 0
    assert devices.default_input_available() is True


def test_list_devices_with_none(monkeypatch):
    sd = fake_sounddevice(inputs=())
    sd.query_devices = lambda device=None, kind=None: []
    sd.default = types.SimpleNamespace(device=[-1, -1])
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    assert devices.list_devices() == {"inputs": [], "outputs": [], "default_input": None, "default_output": None}
