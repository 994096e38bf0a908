"""Files debrief writes for a person (backups, exports, `--speak-to`
recordings): checked first, written beside the target, moved into place.

`check_target` refuses what must never be written over: the live database
and its `-wal`, `-shm` and `-journal` files (however the path is spelt,
hard links included), symbolic links, and anything that is not a regular
file (a device, a folder, a pipe). `replacing` writes a private (0600)
temporary file in the target's folder and `os.replace`s it over the target
only when it is complete, so a write that fails or is killed leaves the old
file whole. Temporary files left by a killed process are swept away the next
time the same target is written.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.errors import DebriefError
from assistant.settings import DB_NAME

DB_COMPANIONS = ("", "-wal", "-shm", "-journal")


def database_files(home: Path) -> list[Path]:
    """The live database and the files SQLite keeps beside it."""
    return [home / f"{DB_NAME}{suffix}" for suffix in DB_COMPANIONS]


def _same(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # a hard link, or another spelling of the same file
    except OSError:
        return False


def check_target(path: Path, *, protected: Iterable[Path] = ()) -> bool:
    """Raise a DebriefError (one sentence, with the fix) when `path` must not
    be written over; otherwise return whether it exists."""
    path = Path(path)
    for live in protected:
        if _same(path, live):
            raise DebriefError(
                f"{path} is debrief's own database (or a file SQLite keeps beside it); "
                "writing over it would lose your debriefs, so give another file name."
            )
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as e:
        raise DebriefError(f"Cannot use {path} ({e.strerror}); give another file name.") from None
    if stat.S_ISLNK(info.st_mode):
        raise DebriefError(f"{path} is a symbolic link; give the path of a regular file (or a new one) instead.")
    if not stat.S_ISREG(info.st_mode):
        raise DebriefError(f"{path} is not a regular file (a folder, device or pipe); give a file name instead.")
    return True


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\..+\.tmp(-journal|-wal|-shm)?$")


def pid_alive(pid: int) -> bool:
    """Is a process with this id running (perhaps as another user)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_leftovers(path: Path) -> None:
    """Remove temporary files a killed process left beside `path`."""
    try:
        names = os.listdir(path.parent or ".")
    except OSError:
        return
    for name in names:
        m = _TEMP.match(name)
        if m and m.group("name") == path.name and not pid_alive(int(m.group("pid"))):
            with contextlib.suppress(OSError):
                os.unlink(path.parent / name)


class Replacement:
    """A new, empty, private (0600) temporary file beside `path`: `commit()`
    syncs it and moves it over `path`; `discard()` removes it and leaves
    `path` as it was. For writers that live longer than a `with` block
    (the `--speak-to` recording); others use `replacing`."""

    def __init__(self, path: Path, *, protected: Iterable[Path] = ()):
        self.path = Path(path)
        self.protected = list(protected)
        check_target(self.path, protected=self.protected)
        sweep_leftovers(self.path)
        try:
            fd, name = tempfile.mkstemp(prefix=_temp_prefix(self.path), suffix=".tmp", dir=self.path.parent)
        except OSError as e:
            raise DebriefError(f"Cannot create {self.path} ({e.strerror}); pick a folder you can write to.") from None
        os.close(fd)
        self.temp = Path(name)
        self.done = False

    def commit(self) -> None:
        if self.done:
            return
        with open(self.temp, "rb+") as f:
            os.fsync(f.fileno())
        check_target(self.path, protected=self.protected)  # nothing has turned it into something else meanwhile
        os.replace(self.temp, self.path)
        self.done = True
        _sync_folder(self.path.parent)

    def discard(self) -> None:
        self.done = True
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.temp}{suffix}")


@contextlib.contextmanager
def replacing(path: Path, *, protected: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield the path of a new, empty, private temporary file beside `path`;
    when the block ends without an error it is synced and moved over `path`,
    otherwise it is removed and `path` is left as it was."""
    replacement = Replacement(path, protected=protected)
    try:
        yield replacement.temp
        replacement.commit()
    except BaseException:
        replacement.discard()
        raise


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every file system can)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(path: Path, chunks: Iterable[str], *, protected: Iterable[Path] = ()) -> None:
    """Write text (given in pieces, so it can be streamed) to `path` through
    `replacing`; an OSError becomes one sentence."""
    try:
        with replacing(path, protected=protected) as temp, open(temp, "w", encoding="utf-8") as f:
            for chunk in chunks:
                f.write(chunk)
    except OSError as e:
        reason = "the disk is full" if e.errno == 28 else (e.strerror or str(e))
        raise DebriefError(f"Cannot write {path} ({reason}); pick a file you can write to.") from None


def write_bytes(path: Path, data: bytes, *, protected: Iterable[Path] = ()) -> None:
    """Write `data` to `path` through `replacing`; an OSError becomes one sentence."""
    try:
        with replacing(path, protected=protected) as temp, open(temp, "wb") as f:
            f.write(data)
    except OSError as e:
        reason = "the disk is full" if e.errno == 28 else (e.strerror or str(e))
        raise DebriefError(f"Cannot write {path} ({reason}); pick a file you can write to.") from None
