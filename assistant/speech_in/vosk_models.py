"""Where Vosk models live, and fetching the default English one.

Lookup order (find_vosk_model):
  1. an explicit --model PATH
  2. $DEBRIEF_MODEL
  3. $DEBRIEF_HOME/models/ : any model dir in it, preferring DEFAULT_MODEL
  4. Vosk's own cache dirs: $VOSK_MODEL_PATH, /usr/share/vosk,
     ~/AppData/Local/vosk, ~/.cache/vosk (vosk.MODEL_DIRS), English first.
An explicit path or $DEBRIEF_MODEL is returned even when it is not a valid
model, so the recogniser can say clearly what is wrong with it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from pathlib import Path

from assistant.errors import ModelError
from assistant.settings import Environment

DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
DEFAULT_URL = f"https://alphacephei.com/vosk/models/{DEFAULT_MODEL}.zip"

# The same list vosk.MODEL_DIRS holds, without importing vosk (it is slow).
VOSK_CACHE_DIRS = (
    "$VOSK_MODEL_PATH",
    "/usr/share/vosk",
    "~/AppData/Local/vosk",
    "~/.cache/vosk",
)


def models_dir(home: Path) -> Path:
    return Path(home) / "models"


# Files every Vosk model dir has; plus one of the two graph layouts.
VOSK_REQUIRED = ("am/final.mdl", "conf/mfcc.conf")
VOSK_GRAPHS = (("graph/HCLG.fst",), ("graph/HCLr.fst", "graph/Gr.fst"))


def no_model(path) -> ModelError:
    return ModelError(f"No Vosk model at {path}; run `debrief download-model` or pass --engine pocketsphinx.")


def missing_files(p: Path) -> list[str]:
    """The files a whole Vosk model has and `p` lacks ([] for a whole model)."""
    missing = [f for f in VOSK_REQUIRED if not _nonempty(p / f)]
    if not any(all(_nonempty(p / f) for f in layout) for layout in VOSK_GRAPHS):
        missing.append("graph/HCLG.fst (or graph/HCLr.fst and graph/Gr.fst)")
    return missing


def claims_to_be_model(p: Path) -> bool:
    """A folder with the acoustic model in it: a Vosk model, whole or not (a
    broken one is reported by check_vosk_model_dir rather than skipped)."""
    return VOSK_REQUIRED[0] not in missing_files(p)


def check_vosk_model_dir(path: str | Path) -> Path:
    """Raise ModelError (one sentence) unless `path` looks like a whole Vosk model."""
    p = Path(path)
    try:
        empty = not p.is_dir() or not any(p.iterdir())
    except OSError:
        empty = True
    if empty:
        raise no_model(p)
    missing = missing_files(p)
    if missing:
        raise ModelError(
            f"The Vosk model at {p} is incomplete (missing {', '.join(missing)}); "
            "run `debrief download-model` again or pass --engine pocketsphinx."
        )
    return p


def _nonempty(f: Path) -> bool:
    try:
        return f.is_file() and f.stat().st_size > 0
    except OSError:
        return False


def _pick(parent: Path) -> Path | None:
    """A model dir inside `parent`: DEFAULT_MODEL first, then English, then any."""
    try:
        if not parent.is_dir():
            return None
        if claims_to_be_model(parent):
            return parent
        found = sorted(d for d in parent.iterdir() if d.is_dir() and claims_to_be_model(d))
    except OSError:
        return None
    for d in found:
        if d.name == DEFAULT_MODEL:
            return d
    for d in found:
        if "-en" in d.name:
            return d
    return found[0] if found else None


def vosk_cache_dirs(env: Environment) -> list[Path]:
    out = []
    for entry in VOSK_CACHE_DIRS:
        if entry == "$VOSK_MODEL_PATH":
            if env.vosk_model_path:
                out.append(Path(env.vosk_model_path))
        else:
            out.append(Path(os.path.expanduser(entry)))
    return out


def find_vosk_model(explicit: str | None, env: Environment) -> Path | None:
    if explicit:
        return Path(explicit).expanduser()
    if env.model:
        return Path(env.model).expanduser()
    found = _pick(models_dir(env.home))
    if found is not None:
        return found
    for d in vosk_cache_dirs(env):
        found = _pick(d)
        if found is not None:
            return found
    return None


Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def download_model(
    home: Path,
    url: str = DEFAULT_URL,
    progress: Progress | None = None,
    *,
    name: str | None = None,
    expected_size: int | None = None,
    timeout: float = 30.0,
) -> Path:
    """Fetch a zipped Vosk model into $DEBRIEF_HOME/models/NAME and return its path.

    The size is checked against Content-Length (and `expected_size` if given;
    the published zip's exact size is not pinned here). Atomic: the zip is
    downloaded and unpacked in a temp dir next to the target, checked (zip
    CRCs, the model's expected files), then renamed into
    place; on any failure nothing is left behind.
    """
    name = name or Path(url.rsplit("/", 1)[-1]).stem
    dest_root = models_dir(home)
    target = dest_root / name
    try:
        dest_root.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ModelError(f"Cannot create {dest_root}: {e.strerror or e}.") from None
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=dest_root))
    try:
        zpath = tmp / "model.zip"
        _fetch(url, zpath, progress, expected_size, timeout)
        unpacked = _unzip(zpath, tmp / "unpacked", url)
        zpath.unlink()
        try:
            check_vosk_model_dir(unpacked)
        except ModelError:
            raise ModelError(f"The download from {url} is not a Vosk model (expected files are missing).") from None
        if target.exists():
            shutil.rmtree(target)
        os.replace(unpacked, target)
        return target
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fetch(url: str, out: Path, progress, expected_size, timeout) -> None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(out, "wb") as f:
            total = resp.headers.get("Content-Length")
            total = int(total) if total and total.isdigit() else None
            done = 0
            if progress:
                progress(0, total)
            while True:
                block = resp.read(1 << 16)
                if not block:
                    break
                f.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
    except urllib.error.HTTPError as e:
        raise ModelError(f"Downloading {url} failed: the server answered {e.code} {e.reason}.") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
        raise ModelError(
            f"Cannot download {url} ({reason}); check the connection, or fetch the zip "
            "by hand and unzip it into the models folder (see models/README.md)."
        ) from None
    if total is not None and done != total:
        raise ModelError(f"The download from {url} stopped early ({done} of {total} bytes); try again.")
    if expected_size is not None and done != expected_size:
        raise ModelError(f"The download from {url} has {done} bytes, not the expected {expected_size}; try again.")


def _unzip(zpath: Path, out: Path, url: str) -> Path:
    """Unpack and return the model dir (the zip's single top folder, or `out`)."""
    try:
        with zipfile.ZipFile(zpath) as z:
            bad = z.testzip()
            if bad is not None:
                raise ModelError(f"The download from {url} is corrupt ({bad} fails its check); try again.")
            root = out.resolve()
            for info in z.infolist():
                dest = (out / info.filename).resolve()
                if root != dest and root not in dest.parents:
                    raise ModelError(f"The download from {url} holds unsafe paths; it was not installed.")
            z.extractall(out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
        raise ModelError(f"The download from {url} is not a valid zip file; try again.") from None
    entries = [p for p in out.iterdir() if not p.name.startswith("__MACOSX")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return out
