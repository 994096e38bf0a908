"""The question script and spoken phrases, loaded from prompts/*.toml.

Both files are validated on load: unknown keys are rejected, every list of
variants must be non-empty strings, and every `$placeholder` must be one the
key allows. Errors name the file and the key.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import PromptsError
from assistant.prompts import load_toml, prompts_dir, reject_unknown, require, string_list
from assistant.understanding.causes import CAUSES

STAGE_KINDS = ("stage", "improve", "nailed")

# Tables with one plain phrase per cause.
PER_CAUSE = ("advice", "cause_names", "lessons", "why")

# Each phrase key and the placeholders it may use.
TOP_PHRASES: dict[str, set[str]] = {
    "greeting": set(),
    "greeting_company": {"company"},
    "help": set(),
    "reprompt": set(),
    "number_followup": {"label"},
    "no_answer": set(),
    "skip_ack": set(),
    "back_ack": set(),
    "back_at_start": set(),
    "more_ack": set(),
    "more_done": set(),
    "carried_on": set(),
    "take_time": set(),
    "stop_ack": set(),
    "closing": set(),
    "rating_confirm": {"rating"},
    "lesson_nudge": set(),
    "ask_why": {"label"},
    "resume_offer": set(),
    "crumple_offer": set(),
    "crumple_done": set(),
}
SUMMARY_PHRASES: dict[str, set[str]] = {
    "opener": set(),
    "well": {"nailed"},
    "well_from_stage": {"label", "rating"},
    "well_missing": set(),
    "good_interview": set(),
    "improve": {"improve"},
    "improve_cause": {"cause"},
    "keep_improving": {"improve"},
    "keep_improving_cause": {"cause"},
    "improve_unheard": set(),
    "fix": {"fix"},
    "fix_from": {"fix", "label"},
    "turn_why": {"label", "why"},
    "turn_fit": {"label", "why"},
    "turn_unclear": {"label"},
    "no_turn": set(),
    "laugh": set(),
    "kind": set(),
    "keep_moving": set(),
    "coach": {"label"},
    "coach_cause": {"cause"},
    "progress": {"label", "before", "after"},
}


@dataclass(frozen=True)
class Stage:
    id: str
    kind: str
    rated: bool
    label: str
    question: str
    short: str


@dataclass(frozen=True)
class Script:
    stages: tuple[Stage, ...]

    def ids(self) -> list[str]:
        return [s.id for s in self.stages]

    def get(self, stage_id: str) -> Stage:
        for s in self.stages:
            if s.id == stage_id:
                return s
        raise KeyError(stage_id)


@dataclass(frozen=True)
class Phrases:
    top: dict[str, tuple[str, ...]]
    summary: dict[str, tuple[str, ...]]
    advice: dict[str, str]
    cause_names: dict[str, str]
    lessons: dict[str, str]  # a cause as the thing to work on, said to the person ("your examples")
    why: dict[str, str]  # a cause as the reason it turned ("the technical questions threw you")

    def pick(self, key: str, rng: random.Random, **values: Any) -> str:
        table = self.summary if key.startswith("summary.") else self.top
        variants = table[key.removeprefix("summary.")]
        return string.Template(rng.choice(variants)).substitute(values)


def _placeholders(text: str) -> set[str]:
    found = set()
    for m in string.Template.pattern.finditer(text):
        if m.group("invalid") is not None:
            raise ValueError("a lone $ (write $$ for a dollar sign)")
        name = m.group("named") or m.group("braced")
        if name:
            found.add(name)
    return found


def _variants(path: Path, data: dict, key: str, allowed: set[str]) -> tuple[str, ...]:
    items = string_list(path, data, key)
    for text in items:
        try:
            names = _placeholders(text)
        except ValueError as e:
            raise PromptsError(f"{path}: '{key}' has {e}.") from None
        unknown = sorted(names - allowed)
        if unknown:
            ok = ", ".join("$" + a for a in sorted(allowed)) or "none"
            raise PromptsError(f"{path}: '{key}' uses an unknown placeholder ${unknown[0]}; allowed: {ok}.")
    return tuple(items)


def load_script(folder: Path | None = None) -> Script:
    path, data = load_toml("script.toml", folder)
    reject_unknown(path, data, {"stage"})
    raw = require(path, data, "stage", list)
    stages = []
    fields = {"id", "kind", "rated", "label", "question", "short"}
    for i, entry in enumerate(raw):
        where = f"stage[{i}]"
        if not isinstance(entry, dict):
            raise PromptsError(f"{path}: '{where}' must be a table.")
        reject_unknown(path, entry, fields, where)
        values = {}
        for f in sorted(fields):
            if f not in entry:
                raise PromptsError(f"{path}: the key '{where}.{f}' is missing; add it.")
            values[f] = entry[f]
        if not isinstance(values["rated"], bool):
            raise PromptsError(f"{path}: '{where}.rated' must be true or false.")
        for f in fields - {"rated"}:
            if not isinstance(values[f], str) or not values[f].strip():
                raise PromptsError(f"{path}: '{where}.{f}' must be a non-empty string.")
        if values["kind"] not in STAGE_KINDS:
            raise PromptsError(f"{path}: '{where}.kind' must be one of {', '.join(STAGE_KINDS)}.")
        stages.append(Stage(**values))
    ids = [s.id for s in stages]
    if len(set(ids)) != len(ids):
        raise PromptsError(f"{path}: stage ids must be unique.")
    for kind in ("improve", "nailed"):
        if [s.kind for s in stages].count(kind) != 1:
            raise PromptsError(f"{path}: the script needs exactly one stage of kind '{kind}'.")
    if not any(s.rated for s in stages):
        raise PromptsError(f"{path}: the script needs at least one rated stage.")
    return Script(tuple(stages))


def load_phrases(folder: Path | None = None) -> Phrases:
    path, data = load_toml("phrases.toml", folder)
    tables = {"summary", *PER_CAUSE}
    reject_unknown(path, data, set(TOP_PHRASES) | tables)
    top = {k: _variants(path, data, k, allowed) for k, allowed in TOP_PHRASES.items()}
    summary_table = require(path, data, "summary", dict)
    reject_unknown(path, summary_table, set(SUMMARY_PHRASES), "summary")
    summary = {k: _variants(path, data, f"summary.{k}", allowed) for k, allowed in SUMMARY_PHRASES.items()}
    per_cause = {}
    for table in PER_CAUSE:
        entries = require(path, data, table, dict)
        reject_unknown(path, entries, set(CAUSES), table)
        for cause in CAUSES:
            text = require(path, data, f"{table}.{cause}", str)
            if not text.strip() or "$" in text:
                raise PromptsError(f"{path}: '{table}.{cause}' must be plain, non-empty text.")
        per_cause[table] = dict(entries)
    return Phrases(top, summary, **per_cause)


@lru_cache(maxsize=4)
def _load(folder: Path) -> tuple[Script, Phrases]:
    return load_script(folder), load_phrases(folder)


def load_all() -> tuple[Script, Phrases]:
    """The script and phrases from the prompts folder (cached per folder)."""
    return _load(prompts_dir())
