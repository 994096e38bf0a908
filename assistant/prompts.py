"""Finding and reading the TOML data files in prompts/.

The folder is `assistant/prompts` inside an installed wheel (force-included at
build time) and the top-level `prompts/` in a checkout or editable install.
`$DEBRIEF_PROMPTS` points at another folder (for tests and custom scripts).
Every error names the file and, where there is one, the key.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from assistant.errors import PromptsError
from assistant.settings import environment

_HERE = Path(__file__).resolve().parent


def prompts_dir() -> Path:
    override = environment().prompts
    if override is not None:
        return override
    for candidate in (_HERE / "prompts", _HERE.parent / "prompts"):
        if (candidate / "script.toml").is_file():
            return candidate
    raise PromptsError(
        "The prompts folder was not found next to the package; reinstall debrief "
        "or set DEBRIEF_PROMPTS to a folder with script.toml."
    )


def load_toml(name: str, folder: Path | None = None) -> tuple[Path, dict[str, Any]]:
    """Read prompts/NAME and return (path, data); a bad file is a PromptsError."""
    path = (folder or prompts_dir()) / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptsError(f"{path} is missing; restore it from the debrief package.") from None
    except (OSError, UnicodeDecodeError) as e:
        raise PromptsError(f"{path} cannot be read ({e}); fix or restore the file.") from None
    try:
        return path, tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PromptsError(f"{path} is not valid TOML ({e}); fix the file or restore it.") from None
    except RecursionError:
        raise PromptsError(f"{path} is not valid TOML (nested too deeply); fix the file or restore it.") from None


def require(path: Path, data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    """data[key], checked to be of `kind`; a dotted key is walked table by table."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise PromptsError(f"{path}: the key '{key}' is missing; add it or restore the file.")
        node = node[part]
    if not isinstance(node, kind):
        want = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise PromptsError(f"{path}: '{key}' must be a {want}, not {type(node).__name__}.")
    return node


def string_list(path: Path, data: dict[str, Any], key: str, *, min_items: int = 1) -> list[str]:
    items = require(path, data, key, list)
    if len(items) < min_items or not all(isinstance(s, str) and s.strip() for s in items):
        raise PromptsError(f"{path}: '{key}' must be a list of at least {min_items} non-empty strings.")
    return items


def reject_unknown(path: Path, table: dict[str, Any], allowed: set[str], where: str = "") -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        prefix = f"{where}." if where else ""
        near = difflib.get_close_matches(unknown[0], allowed, n=1)
        if near:  # "closings": say the one key meant, not all of them
            raise PromptsError(f"{path}: unknown key '{prefix}{unknown[0]}'; rename it to '{prefix}{near[0]}'.")
        raise PromptsError(f"{path}: unknown key '{prefix}{unknown[0]}'; allowed here: {', '.join(sorted(allowed))}.")
