"""Writing a file that may replace another: beside it, then moved into place.

`write_file` writes to a temporary file in the target's folder, flushes it to
disk and renames it over the target, so a crash or a kill leaves either the
old file or the new one, never half of one. New files are private (0600).
It refuses to replace anything without `force`, and never writes through to
something that is not a regular file (a device, a folder).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from assistant.errors import DebriefError


def write_file(path: str | Path, data: bytes, *, force: bool = False) -> None:
    target = Path(path)
    if target.is_dir():
        raise DebriefError(f"{target} is a folder; give a file name.")
    if target.exists() or target.is_symlink():
        if not target.is_file() or target.is_symlink():
            raise DebriefError(f"{target} is not a regular file; choose another file name.")
        if not force:
            raise DebriefError(f"{target} already exists; choose another file or add --force to replace it.")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise DebriefError(f"Cannot write in {folder} ({e.strerror}); pick a folder you can write to.") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise DebriefError(f"Cannot write {target} ({e.strerror}); pick a file you can write to.") from None
