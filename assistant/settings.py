"""Where the data lives and the settings a person can change.

This is the one module below the command line that reads the environment:
`environment()` turns it into a frozen Environment, which is passed down.
The data dir is `$DEBRIEF_HOME` or the platform's user data dir. Settings come
from `$DEBRIEF_HOME/config.toml`; command-line options override them.
"""

from __future__ import annotations

import dataclasses
import math
import os
import stat
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
        # absolute, so the data folder does not depend on the folder a command is run from
        home_path = Path(os.path.abspath(Path(home).expanduser()))
    else:
        from platformdirs import user_data_dir

        home_path = Path(user_data_dir("debrief", appauthor=False)).absolute()
    return Environment(
        home=home_path,
        prompts=Path(env["DEBRIEF_PROMPTS"]) if env.get("DEBRIEF_PROMPTS") else None,
        model=env.get("DEBRIEF_MODEL") or None,
        vosk_model_path=env.get("VOSK_MODEL_PATH") or None,
        tts_fault=env.get("DEBRIEF_TTS_FAULT") or None,
    )


def data_dir() -> Path:
    return environment().home


MIN_FREE_BYTES = 64 * 1024  # less than this free and the first answer could not be written


def ensure_data_dir(path: Path | None = None) -> Path:
    """Create the data dir (mode 0700), make it private if others can get in,
    and check that it can take an answer, or say how to fix it. Nothing is
    written to check: other debriefs may be using the folder at the same
    moment; opening the database for writing is the real check."""
    path = path or data_dir()
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as e:
        raise StorageError(
            f"Cannot create the data folder {path} ({e.strerror}); set DEBRIEF_HOME to a folder you can write to."
        ) from None
    if not path.is_dir():
        raise StorageError(f"The data folder {path} is not a folder; set DEBRIEF_HOME to a folder you can write to.")
    make_private(path)
    reason = None
    if not os.access(path, os.W_OK | os.X_OK):
        reason = "permission denied" if not _read_only_fs(path) else "read-only file system"
    elif free_bytes(path) < MIN_FREE_BYTES:
        reason = "the disk is full"
    if reason:
        raise StorageError(
            f"Cannot write to the data folder {path} ({reason}); "
            "free some space or set DEBRIEF_HOME to a folder you can write to."
        )
    return path


def _read_only_fs(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def free_bytes(path: Path) -> int:
    try:
        st = os.statvfs(path)
    except OSError:
        return MIN_FREE_BYTES  # cannot tell: let the database say
    return st.f_bavail * st.f_frsize


def folder_exposure(path: Path) -> int | None:
    """The folder's mode when others (group or world) may read, enter or
    write it; None when it is private (or missing)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None
    return mode if mode & 0o077 else None


def make_private(path: Path) -> None:
    """A data folder others can get into is made private (0700) when it is
    ours, and said so; when it is not ours, a warning says how to fix it."""
    mode = folder_exposure(path)
    if mode is None:
        return
    from assistant.console import note

    try:
        if os.stat(path).st_uid != os.geteuid():
            raise PermissionError
        os.chmod(path, stat.S_IMODE(mode) & 0o700)
    except OSError:
        note(
            f"Warning: others can open the data folder {path} (mode {mode:04o}); "
            f"make it private with `chmod 700 {path}`."
        )
        return
    note(f"Made the data folder {path} private (mode 0700; it was {mode:04o}), so only you can open it.")


# The ranges the command line accepts (cli/common.py uses these too), so a
# config.toml value is held to the same limits as the option it stands for.
SILENCE_RANGE = (0.2, 10)  # seconds of silence that end an answer
RATE_RANGE = (50, 500)  # words per minute
SECONDS_RANGES = {
    "silence": SILENCE_RANGE,
    "max_pause": (0.2, 10.0),  # seconds of quiet allowed after an unfinished clause
    "no_answer_timeout": (1.0, 120.0),  # seconds to wait for an answer to begin
    "max_answer": (5.0, 3600.0),  # seconds one answer may last
}
CONFIG_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class Settings:
    engine: str | None = None  # "vosk" | "pocketsphinx" | None (auto)
    model: str | None = None
    input_device: str | None = None
    output_device: str | None = None
    voice: str | None = None
    rate: int | None = None
    silence: float = 0.8  # seconds of quiet that end a finished answer
    max_pause: float = 3.0  # seconds of quiet allowed after an unfinished clause
    no_answer_timeout: float = 8.0
    max_answer: float = 90.0
    vad: str = "silero"  # "silero" | "energy": what tells speech from noise
    # "auto": webrtc noise suppression (level 2) cleans what the recogniser
    # hears when the background is loud; 0: off; 1 to 4: always, that hard.
    # The voice detector hears the cleaned audio whenever it is not off.
    noise_suppression: int | str = "auto"
    auto_gain: int = 0  # 0 (off) to 31: webrtc automatic gain, target dBFS below full scale

    def override(self, **options: Any) -> Settings:
        """Command-line options win over the config file; None means 'not given'."""
        given = {k: v for k, v in options.items() if v is not None}
        return dataclasses.replace(self, **given)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
INT_RANGES = {"noise_suppression": (0, 4), "auto_gain": (0, 31)}
AUTO_NOISE_LEVEL = 2  # the level "auto" cleans with


def noise_level(settings: Settings) -> tuple[int, bool]:
    """(webrtc level, only when noisy) for the noise_suppression setting."""
    if settings.noise_suppression == "auto":
        return AUTO_NOISE_LEVEL, True
    return int(settings.noise_suppression), False


def read_config(path: Path) -> str | None:
    """The text of config.toml, or None when there is none. Only a regular
    file of a sensible size is read: a symbolic link (it could point anywhere,
    even at /dev/zero), a pipe or a device is refused in one sentence."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as e:
        if os.path.islink(path):
            raise DebriefError(
                f"{path} is a symbolic link; debrief reads only a regular config.toml, so copy the file there instead."
            ) from None
        raise DebriefError(f"{path} cannot be read ({e.strerror}); fix its permissions or delete it.") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise DebriefError(f"{path} is not a regular file; replace it with a plain text config.toml.")
        data = f.read(CONFIG_MAX_BYTES + 1)
    if len(data) > CONFIG_MAX_BYTES:
        raise DebriefError(f"{path} is larger than {CONFIG_MAX_BYTES // 1024} KB; a config.toml is a few lines.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DebriefError(f"{path} is not UTF-8 text; save it as UTF-8.") from None


def _seconds(path: Path, key: str, key_: str, value: Any) -> float:
    low, high = SECONDS_RANGES[key_]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise DebriefError(f"{path}: '{key}' must be a positive number of seconds, from {low:g} to {high:g}.")
    return float(value)


def _device(path: Path, key: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise DebriefError(f"{path}: '{key}' must be a device index (0 or more) or part of a device name, in quotes.")


def load_settings(home: Path | None = None) -> Settings:
    path = (home or data_dir()) / "config.toml"
    text = read_config(path)
    if text is None:
        return Settings()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise DebriefError(f"{path} is not valid TOML ({e}); fix or delete it.") from None
    except RecursionError:
        raise DebriefError(f"{path} is not valid TOML (nested too deeply); fix or delete it.") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        key_ = key.replace("-", "_")
        if key_ not in _FIELDS:
            raise DebriefError(f"{path}: unknown setting '{key}'; known: {', '.join(sorted(_FIELDS))}.")
        if key_ in SECONDS_RANGES:
            value = _seconds(path, key, key_, value)
        elif key_ == "rate":
            low, high = RATE_RANGE
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise DebriefError(f"{path}: 'rate' must be words per minute, {low} to {high}.")
        elif key_ == "noise_suppression" and value == "auto":
            pass
        elif key_ in INT_RANGES:
            low, high = INT_RANGES[key_]
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                also = ' or "auto"' if key_ == "noise_suppression" else ""
                raise DebriefError(f"{path}: '{key}' must be a whole number from {low} to {high}{also}.")
        elif key_ in ("input_device", "output_device"):
            value = _device(path, key, value)
        elif not isinstance(value, str) or not value.strip():
            raise DebriefError(f"{path}: '{key}' must be a non-empty string, in quotes.")
        if key_ == "engine" and value not in ("vosk", "pocketsphinx"):
            raise DebriefError(f'{path}: \'engine\' must be "vosk" or "pocketsphinx".')
        if key_ == "vad" and value not in ("silero", "energy"):
            raise DebriefError(f'{path}: \'vad\' must be "silero" or "energy".')
        values[key_] = value
    return Settings(**values)
