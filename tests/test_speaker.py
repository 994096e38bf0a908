"""TtsSpeaker with the real pyttsx3 + espeak-ng, rendering in its worker process.

Playback goes to a fake sounddevice (or none), so these run on machines with no
sound card; the live path through PulseAudio is in test_live_mic.py.
"""

import sys
import time
import types
import wave

import numpy as np
import pytest

from assistant.speech_out import tts_process
from assistant.errors import EngineError
from assistant.speech_out.speaker import MAX_PIECE, NO_ESPEAK, PrintSpeaker, TtsSpeaker, list_voices, split_text


def wav_info(path):
    with wave.open(str(path), "rb") as w:
        rate = w.getframerate()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return rate, pcm


def rms(x):
    return float(np.sqrt(np.mean(x.astype(float) ** 2))) if len(x) else 0.0


class FakeOutputStream:
    def __init__(self, sd, samplerate, channels, dtype, device):
        if samplerate not in sd.rates:
            raise sd.PortAudioError("Invalid sample rate")
        self.sd, self.samplerate, self.device = sd, samplerate, device
        self.active = False
        self.latency = 0.01
        sd.streams.append(self)

    def start(self):
        self.active = True

    def write(self, data):
        assert self.active
        if len(self.sd.written) >= self.sd.fail_after:
            raise self.sd.PortAudioError("Unanticipated host error")
        self.sd.written.append((self.samplerate, np.asarray(data).reshape(-1).copy()))

    def stop(self):
        self.sd.events.append("stop")
        self.active = False

    def close(self):
        self.active = False


def fake_sounddevice(outputs=1, rates=(22050, 48000)):
    sd = types.ModuleType("sounddevice")
    sd.PortAudioError = type("PortAudioError", (Exception,), {})
    sd.rates = rates
    sd.fail_after = 10**9
    sd.streams, sd.written, sd.events = [], [], []
    devices = [
        {"name": f"Speaker {i}", "index": i, "hostapi": 0, "max_input_channels": 0,
         "max_output_channels": 2, "default_samplerate": 48000.0}
        for i in range(outputs)
    ]
    sd.default = types.SimpleNamespace(device=[-1, 0 if outputs else -1])

    def query_devices(device=None, kind=None):
        if kind is not None:
            if not devices:
                raise sd.PortAudioError("Error querying device -1")
            return devices[0]
        return list(devices)

    sd.query_devices = query_devices
    sd.query_hostapis = lambda i=None: {"name": "ALSA"}
    sd.OutputStream = lambda **kw: FakeOutputStream(sd, **kw)
    return sd


@pytest.fixture
def no_device(monkeypatch):
    sd = fake_sounddevice(outputs=0)
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    return sd


@pytest.fixture
def fake_device(monkeypatch):
    sd = fake_sounddevice(outputs=1)
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    return sd


def test_split_text_caps_pieces():
    text = ("This is a sentence about the interview. " * 600) + ("word " * 900)
    pieces = split_text(text)
    assert all(0 < len(p) <= MAX_PIECE for p in pieces)
    assert " ".join(pieces).split() == text.split()
    assert pieces[0] == "This is a sentence about the interview."  # the first word comes quickly
    assert split_text("   ") == []
    assert split_text("x" * 2500) == ["x" * 1000, "x" * 1000, "x" * 500]


def test_print_speaker(capsys):
    PrintSpeaker().say("How did it go?")
    out, err = capsys.readouterr()
    assert out == "" and err == "How did it go?\n"


def test_speak_to_has_both_prompts_and_stdout_stays_clean(tmp_path, capfd):
    out = tmp_path / "said.wav"
    with TtsSpeaker(speak_to=out, play=False) as s:
        s.say("How did the interview go, in a word or two?")
        first = s.last_timing.audio_seconds
        s.say("What went well?")
        second = s.last_timing.audio_seconds
        assert not s.last_timing.fallback
    rate, pcm = wav_info(out)
    assert rate == 16000
    seconds = len(pcm) / rate
    assert 1.0 < first < 6.0 and 0.5 < second < 4.0
    assert abs(seconds - (first + second)) < 0.2  # both prompts, not only the last
    cut = int(first * rate)
    assert rms(pcm[:cut]) > 300 and rms(pcm[cut:]) > 300
    captured = capfd.readouterr()
    assert captured.out == ""  # no "Audio saved to FILE" chatter
    assert "How did the interview go" not in captured.err  # spoken, not printed


def test_long_text_is_split_and_spoken(tmp_path, capfd):
    sentence = "The panel asked about my last project and I explained the trade-offs. "
    text = (sentence * (20_000 // len(sentence) + 1))[:20_000]
    said = []
    with TtsSpeaker(play=False, on_fallback=said.append) as s:
        s.say(text)
        t = s.last_timing
        assert said == [] and not t.fallback
        assert t.pieces >= 20
        assert t.audio_seconds > 600  # twenty thousand characters is a long speech
        s.say("Still here?")
        assert s.last_timing.audio_seconds > 0.3
    assert capfd.readouterr().out == ""


def test_hard_to_split_text_never_reaches_the_engine_whole(capfd):
    said = []
    with TtsSpeaker(play=False, on_fallback=said.append) as s:
        s.say("x" * 20_000)  # no spaces, no sentences: cut hard at the cap
        assert said == [] and s.last_timing.pieces == 20
    assert capfd.readouterr().out == ""


@pytest.mark.parametrize("fault", ["hang", "crash", "segv", "error"])
def test_broken_worker_prints_prompt_and_next_prompt_works(fault, capfd):
    with TtsSpeaker(play=False, timeout=1.0) as s:
        s.say("Warm up.")
        s.fault = fault
        start = time.monotonic()
        s.say("How did the interview go?")
        elapsed = time.monotonic() - start
        assert elapsed < 1.0 + 3.0  # the 1 s timeout, not a hang (generous: shared machines are slow)
        assert s.last_timing.fallback
        err = capfd.readouterr().err
        assert "How did the interview go?" in err
        s.say("What went well?")  # a fresh worker
        assert not s.last_timing.fallback and s.last_timing.audio_seconds > 0.3
        assert "What went well?" not in capfd.readouterr().err
        assert not s.print_mode


def test_repeated_failures_stay_in_print_mode(capfd):
    with TtsSpeaker(play=False, timeout=2.0, max_failures=2, fault="crash") as s:
        for q in ("One?", "Two?", "Three?"):
            s.say(q)
        assert s.print_mode
    err = capfd.readouterr().err
    assert "One?" in err and "Two?" in err and "Three?" in err
    assert err.count("prompts will be printed from now on") == 1


def test_prepare_makes_the_next_prompt_start_at_once():
    with TtsSpeaker(play=False) as s:
        s.say("Warm up.")
        s.prepare("What would you do differently next time?")
        time.sleep(0.3)
        s.say("What would you do differently next time?")
        t = s.last_timing
        assert t.prepared and t.to_first_sample < 0.05
        s.prepare("A prompt that is never said.")
        s.say("Something else.")  # a stale prepare() is dropped
        assert not s.last_timing.fallback and 0.3 < s.last_timing.audio_seconds < 3


def test_voice_and_rate():
    with TtsSpeaker(voice="english (america)", rate=250, play=False) as fast:
        fast.say("How did the interview go today?")
        quick = fast.last_timing.audio_seconds
    with TtsSpeaker(voice="gmw/en-us", rate=120, play=False) as slow:
        slow.say("How did the interview go today?")
        slowly = slow.last_timing.audio_seconds
    assert slowly > quick * 1.5


def test_unknown_voice_is_an_engine_error():
    with pytest.raises(EngineError, match="no text-to-speech voice 'no-such-voice-xyz'.*debrief doctor"):
        TtsSpeaker(voice="no-such-voice-xyz", play=False)


def test_missing_espeak_is_one_clear_sentence(monkeypatch):
    monkeypatch.setattr(tts_process, "espeak_available", lambda: False)
    with pytest.raises(EngineError) as e:
        TtsSpeaker(play=False)
    assert str(e.value) == NO_ESPEAK == (
        "Text-to-speech needs espeak-ng: sudo apt-get install espeak-ng (or use --no-speak)."
    )


def test_list_voices():
    voices = list_voices()
    ids = {v["id"] for v in voices}
    assert "gmw/en" in ids and len(voices) > 10
    assert all(v["name"] for v in voices)


def test_no_output_device_is_not_an_error(no_device, tmp_path, capfd):
    out = tmp_path / "said.wav"
    with TtsSpeaker(speak_to=out) as s:
        s.say("First question?")
        s.say("Second question?")
        assert not s.last_timing.played and not s.last_timing.fallback
    err = capfd.readouterr().err
    assert err.count("No speaker found") == 1
    assert "First question?" not in err
    rate, pcm = wav_info(out)
    assert len(pcm) / rate > 1.0


def test_portaudio_missing_is_not_an_error(monkeypatch, capfd):
    class NoPortAudio:
        def find_spec(self, name, path=None, target=None):
            if name == "sounddevice":
                raise OSError("PortAudio library not found")

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    with TtsSpeaker() as s:
        s.say("Hello?")
        assert not s.last_timing.fallback
    assert "libportaudio2" in capfd.readouterr().err


def test_plays_on_the_device_and_blocks_until_played(fake_device):
    with TtsSpeaker() as s:
        s.say("How did the interview go? Tell me in a sentence or two.")
        t = s.last_timing
    assert t.played and t.pieces == 2
    assert fake_device.events == ["stop"]  # say() waited for the stream to drain
    rate, data = fake_device.written[0]
    assert rate == 22050
    total = sum(len(d) for _, d in fake_device.written) / 22050
    assert abs(total - t.audio_seconds) < 0.01
    assert t.to_first_sample is not None and t.to_first_sample < 1.0


def test_output_device_by_name_and_rate_fallback(monkeypatch):
    sd = fake_sounddevice(outputs=3, rates=(48000,))
    monkeypatch.setitem(sys.modules, "sounddevice", sd)
    with TtsSpeaker(output_device="speaker 2") as s:
        s.say("Hello there.")
        seconds = s.last_timing.audio_seconds
    assert sd.streams[0].device == 2 and sd.streams[0].samplerate == 48000
    total = sum(len(d) for _, d in sd.written) / 48000
    assert abs(total - seconds) < 0.01


def test_first_word_within_a_second_of_start(fake_device):
    start = time.monotonic()
    with TtsSpeaker() as s:
        s.say("How did it go?")
        assert s.last_timing.first_sample - start < 1.0


def test_close_leaves_no_worker():
    s = TtsSpeaker(play=False)
    s.say("Hi.")
    proc = s._worker.proc
    s.close()
    assert proc.poll() is not None


def test_speaker_lost_mid_prompt_prints_the_rest(fake_device, capfd):
    fake_device.fail_after = 1
    said = []
    with TtsSpeaker(on_fallback=said.append) as s:
        s.say("First sentence. Second sentence is here.")
        assert s.last_timing.fallback
        s.say("Next prompt.")  # playback is off now: rendered, not played, no exception
        assert not s.last_timing.played
    assert said == ["Second sentence is here."]
    assert capfd.readouterr().err.count("Playing audio failed") == 1
