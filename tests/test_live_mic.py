"""The real microphone path: PortAudio -> ALSA pulse plugin -> a PulseAudio virtual mic.

A private PulseAudio (its own PULSE_RUNTIME_PATH, so a desktop's own sound
server is left alone) is started by scripts/virtual_mic.sh; answers are played
into its null sink with paplay and come out of the default input.

Needs (Debian/Ubuntu): pulseaudio pulseaudio-utils libasound2-plugins
libportaudio2 flite (and espeak-ng for the speaker test).
"""

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import DeviceLostError

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "virtual_mic.sh"
NEEDED = {
    "pulseaudio": "pulseaudio",
    "pactl": "pulseaudio-utils",
    "paplay": "pulseaudio-utils",
    "flite": "flite",
}


def _reinit_portaudio():
    """PortAudio (and ALSA's pulse hook) see devices as they were at start-up: look again."""
    import sounddevice as sd

    sd._terminate()
    sd._initialize()


@pytest.fixture
def virtual_mic(tmp_path, monkeypatch):
    missing = sorted({pkg for tool, pkg in NEEDED.items() if shutil.which(tool) is None})
    assert not missing, f"install with: sudo apt-get install {' '.join(missing)}"
    runtime = Path(f"/tmp/debrief-pulse-{os.getpid()}")
    runtime.mkdir(exist_ok=True)
    monkeypatch.setenv("PULSE_RUNTIME_PATH", str(runtime))
    monkeypatch.delenv("PULSE_SERVER", raising=False)
    subprocess.run([str(SCRIPT)], check=True, timeout=30, capture_output=True)
    _reinit_portaudio()
    answer = tmp_path / "answer.wav"
    subprocess.run(["flite", "-voice", "slt", "-t", "four it went well", "-o", str(answer)], check=True, timeout=30)
    yield answer
    subprocess.run([str(SCRIPT), "stop"], timeout=30)
    deadline = time.monotonic() + 5
    while (runtime / "pid").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    shutil.rmtree(runtime, ignore_errors=True)
    monkeypatch.undo()
    _reinit_portaudio()


def play(path, env=None):
    subprocess.run(["paplay", "--device=vmic_sink", str(path)], check=True, timeout=30)


def level(chunk) -> float:
    a = np.frombuffer(chunk.audio, dtype="<i2").astype(float)
    return float(np.sqrt(np.mean(a * a))) if len(a) else 0.0


class Recorder:
    """Reads mic.chunks() on a thread; keeps (time, level, chunk) and any error."""

    def __init__(self, mic):
        self.mic = mic
        self.got = []
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            for c in self.mic.chunks():
                self.got.append((time.monotonic(), level(c), c))
        except Exception as e:  # noqa: BLE001
            self.error = e

    def wait_first(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not self.got and self.error is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self.got, f"no audio from the virtual mic ({self.error!r})"

    def since(self, t):
        return [(ts, lv, c) for ts, lv, c in self.got if ts >= t]


def test_virtual_mic_hears_answers_and_nothing_while_paused(virtual_mic):
    from assistant.audio.devices import default_input_available, list_devices
    from assistant.audio.mic import SoundDeviceMicrophone

    assert default_input_available()
    assert any(d["default"] for d in list_devices()["inputs"])
    mic = SoundDeviceMicrophone(stall_timeout=3.0)
    rec = Recorder(mic)
    try:
        rec.wait_first()
        assert all(c.rate == 16000 and c.channels == 1 and c.width == 2 for _, _, c in rec.got)

        t0 = time.monotonic()
        play(virtual_mic)
        time.sleep(0.8)
        heard = rec.since(t0)
        loud = [lv for _, lv, _ in heard if lv > 300]
        assert max(lv for _, lv, _ in heard) > 1500, "the answer was not heard"
        assert 0.6 <= len(loud) * 0.1 <= 2.5  # ~1.3 s of speech in 0.1 s blocks

        mic.pause()
        n = len(rec.got)
        play(virtual_mic)  # the assistant talking: must not be heard
        time.sleep(0.8)
        assert len(rec.got) == n
        assert rec.error is None  # a long pause is not a lost device
        mic.resume()
        t1 = time.monotonic()
        time.sleep(0.8)
        after = rec.since(t1)
        assert after, "no audio after resume"
        assert max(lv for _, lv, _ in after) < 100  # near silence
        assert rec.error is None
    finally:
        mic.close()
    rec.thread.join(3)
    assert not rec.thread.is_alive()


def test_killing_pulseaudio_is_a_lost_device_not_a_hang(virtual_mic):
    from assistant.audio.mic import SoundDeviceMicrophone

    mic = SoundDeviceMicrophone(stall_timeout=1.5)
    rec = Recorder(mic)
    try:
        rec.wait_first()
        player = subprocess.Popen(["paplay", "--device=vmic_sink", str(virtual_mic)])
        time.sleep(0.5)  # mid-answer
        killed = time.monotonic()
        subprocess.run([str(SCRIPT), "stop"], timeout=30)  # the headset is unplugged
        rec.thread.join(timeout=1.5 + 5)
        assert not rec.thread.is_alive(), "chunks() hung after the device went away"
        assert isinstance(rec.error, DeviceLostError)
        assert "your answers so far are saved" in str(rec.error)
        assert time.monotonic() - killed < 1.5 + 5
        player.wait(timeout=10)
    finally:
        start = time.monotonic()
        mic.close()
        assert time.monotonic() - start < 3


def test_spoken_prompt_reaches_the_virtual_mic(virtual_mic, tmp_path):
    """TtsSpeaker plays through sounddevice into the default sink (the virtual mic)."""
    from assistant.audio.mic import SoundDeviceMicrophone
    from assistant.speech_out.speaker import TtsSpeaker

    mic = SoundDeviceMicrophone(stall_timeout=5.0)
    rec = Recorder(mic)
    try:
        rec.wait_first()
        with TtsSpeaker(speak_to=tmp_path / "said.wav") as s:
            t0 = time.monotonic()
            s.say("How did the interview go?")
            timing = s.last_timing
            assert timing.played and not timing.fallback
            assert time.monotonic() - t0 >= timing.audio_seconds  # say() returned after playing
            time.sleep(0.8)
        heard = [lv for _, lv, _ in rec.since(t0)]
        assert max(heard) > 1000, "the prompt was not played"
        # the record of when it played is in order (how soon is bench_voice.py's
        # business, not a test's: on a busy machine espeak takes longer)
        assert timing.start <= timing.first_rendered <= timing.first_sample <= timing.end
    finally:
        mic.close()
