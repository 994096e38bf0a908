"""Cause tags: which of the known reasons an answer names.

Patterns come from the [causes.*] tables of prompts/rules.toml; each is a
regular-expression fragment matched on whole words. `except` spans are blanked
out first (e.g. "they were running late" is not the speaker being late).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import PromptsError
from assistant.prompts import reject_unknown, require, string_list

CAUSES = (
    "late",
    "nerves",
    "examples",
    "preparation",
    "chemistry",
    "fit",
    "rambling",
    "technical",
    "salary",
    "questions",
)


@dataclass(frozen=True)
class CauseRules:
    patterns: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...]


def _compile(path: Path, key: str, fragments: list[str]) -> re.Pattern[str] | None:
    if not fragments:
        return None
    for n, frag in enumerate(fragments):
        try:
            re.compile(frag)
        except re.error as e:
            raise PromptsError(f"{path}: '{key}' item {n + 1} is not a valid pattern ({e}): {frag!r}.") from None
    body = "|".join(f"(?:{f})" for f in fragments)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])")


def compile_causes(path: Path, data: dict[str, Any]) -> CauseRules:
    table = require(path, data, "causes", dict)
    reject_unknown(path, table, set(CAUSES), "causes")
    compiled = []
    for cause in CAUSES:
        entry = require(path, data, f"causes.{cause}", dict)
        reject_unknown(path, entry, {"patterns", "except"}, f"causes.{cause}")
        pats = string_list(path, data, f"causes.{cause}.patterns")
        excs = require(path, data, f"causes.{cause}.except", list)
        if not all(isinstance(s, str) and s.strip() for s in excs):
            raise PromptsError(f"{path}: 'causes.{cause}.except' must be a list of non-empty strings.")
        pat = _compile(path, f"causes.{cause}.patterns", pats)
        assert pat is not None
        compiled.append((cause, pat, _compile(path, f"causes.{cause}.except", excs)))
    return CauseRules(tuple(compiled))


# Recognisers often drop the apostrophe: "couldnt", "didnt", "im".
_BARE_NT = re.compile(r"(?<![\w'])(could|did|was|had|would|is|were|have|has|does|do|should|are|must|need)nt(?![\w'])")
_BARE_OTHER = re.compile(r"(?<![\w'])(cant|wont|im|ive)(?![\w'])")
_BARE_FIX = {"cant": "can't", "wont": "won't", "im": "i'm", "ive": "i've"}


def restore_apostrophes(text: str) -> str:
    text = _BARE_NT.sub(lambda m: m.group(1) + "n't", text)
    return _BARE_OTHER.sub(lambda m: _BARE_FIX[m.group(1)], text)


def find_causes(text: str, rules: CauseRules) -> tuple[str, ...]:
    """Cause tags named in `text` (cleaned, numbers as digits), in CAUSES order."""
    text = restore_apostrophes(" ".join(text.replace(",", " ").split()))
    found = []
    for cause, pat, exc in rules.patterns:
        t = exc.sub(" _ ", text) if exc is not None else text
        if pat.search(t):
            found.append(cause)
    return tuple(found)
