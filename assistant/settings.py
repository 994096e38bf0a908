"""Where the data lives and the settings a person can change.

This is the one module below the command line that reads the environment:
`environment()` turns it into a frozen Environment, which is passed down.
The data dir is `$DEBRIEF_HOME` or the platform's user data dir. Settings come
from `$DEBRIEF_HOME/config.toml`; command-line options override them.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import DebriefError, StorageError

DB_NAME = "debrief.db"


@dataclass(frozen=True)
class Environment:
    """What the environment says, read once at the edge and passed down."""

    home: Path  # $DEBRIEF_HOME, or the platform's user data dir
    prompts: Path | None = None  # $DEBRIEF_PROMPTS: another prompts folder
    model: str | None = None  # $DEBRIEF_MODEL: a Vosk model folder
    vosk_model_path: str | None = None  # $VOSK_MODEL_PATH: Vosk's own cache
    tts_fault: str | None = None  # $DEBRIEF_TTS_FAULT: a test hook for the TTS worker


def environment(environ: Mapping[str, str] | None = None) -> Environment:
    env = os.environ if environ is None else environ
    home = env.get("DEBRIEF_HOME")
    if home:
        home_path = Path(home).expanduser()
    else:
        from platformdirs import user_data_dir

        home_path = Path(user_data_dir("debrief", appauthor=False))
    return Environment(
        home=home_path,
        prompts=Path(env["DEBRIEF_PROMPTS"]) if env.get("DEBRIEF_PROMPTS") else None,
        model=env.get("DEBRIEF_MODEL") or None,
        vosk_model_path=env.get("VOSK_MODEL_PATH") or None,
        tts_fault=env.get("DEBRIEF_TTS_FAULT") or None,
    )


def data_dir() -> Path:
    return environment().home


def ensure_data_dir(path: Path | None = None) -> Path:
    """Create the data dir (mode 0700) and check it is writable, or say how to fix it."""
    path = path or data_dir()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise StorageError(
            f"Cannot create the data folder {path} ({e.strerror}); set DEBRIEF_HOME to a folder you can write to."
        ) from None
    probe = path / ".write-check"
    try:
        with open(probe, "wb") as f:
            f.write(b"x" * 4096)
            f.flush()
            os.fsync(f.fileno())
        probe.unlink()
    except OSError as e:
        try:
            probe.unlink()
        except OSError:
            pass
        reason = "the disk is full" if e.errno == 28 else (e.strerror or str(e)).lower()
        raise StorageError(
            f"Cannot write to the data folder {path} ({reason}); "
            "free some space or set DEBRIEF_HOME to a folder you can write to."
        ) from None
    return path


@dataclass(frozen=True)
class Settings:
    engine: str | None = None  # "vosk" | "pocketsphinx" | None (auto)
    model: str | None = None
    input_device: str | None = None
    output_device: str | None = None
    voice: str | None = None
    rate: int | None = None
    silence: float = 0.8  # seconds of quiet that end a finished answer
    max_pause: float = 2.5  # seconds of quiet allowed after an unfinished clause
    no_answer_timeout: float = 8.0
    max_answer: float = 90.0
    vad: str = "silero"  # "silero" | "energy": what tells speech from noise
    noise_suppression: int = 0  # 0 (off) to 4: webrtc noise suppression on the way in
    auto_gain: int = 0  # 0 (off) to 31: webrtc automatic gain, target dBFS below full scale

    def override(self, **options: Any) -> Settings:
        """Command-line options win over the config file; None means 'not given'."""
        given = {k: v for k, v in options.items() if v is not None}
        return dataclasses.replace(self, **given)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
INT_RANGES = {"noise_suppression": (0, 4), "auto_gain": (0, 31)}


def load_settings(home: Path | None = None) -> Settings:
    path = (home or data_dir()) / "config.toml"
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise DebriefError(f"{path} is not valid TOML ({e}); fix or delete it.") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        key_ = key.replace("-", "_")
        if key_ not in _FIELDS:
            raise DebriefError(f"{path}: unknown setting '{key}'; known: {', '.join(sorted(_FIELDS))}.")
        if key_ in ("silence", "max_pause", "no_answer_timeout", "max_answer"):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise DebriefError(f"{path}: '{key}' must be a positive number of seconds.")
            value = float(value)
        elif key_ == "rate":
            if not isinstance(value, int) or isinstance(value, bool) or not 50 <= value <= 500:
                raise DebriefError(f"{path}: 'rate' must be words per minute, 50 to 500.")
        elif key_ in INT_RANGES:
            low, high = INT_RANGES[key_]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise DebriefError(f"{path}: '{key}' must be a whole number from {low} to {high}.")
        elif key_ in ("input_device", "output_device") and isinstance(value, int):
            value = str(value)
        elif not isinstance(value, str):
            raise DebriefError(f"{path}: '{key}' must be a string.")
        if key_ == "engine" and value not in ("vosk", "pocketsphinx"):
            raise DebriefError(f'{path}: \'engine\' must be "vosk" or "pocketsphinx".')
        if key_ == "vad" and value not in ("silero", "energy"):
            raise DebriefError(f'{path}: \'vad\' must be "silero" or "energy".')
        values[key_] = value
    return Settings(**values)
