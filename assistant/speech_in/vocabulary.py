"""What a speech recogniser writes for the words the rules listen for.

The data is prompts/speech.toml, validated on load: the usual mishearings of
each rating number (the number pass), the short words heard for a spoken "a"
before a number, the words of the out-of-grammar loop for short replies
with those that sound like a listed reply, the set phrases that start with
a number's homophone ("to be honest"), where the pass reads no number, and
the words a number said first is written as that cannot begin a count, and
whole transcripts that are a short command misheard ("and on": "hang on").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import PromptsError
from assistant.prompts import load_toml, reject_unknown, require, string_list

NUMBERS = ("one", "two", "three", "four", "five")


@dataclass(frozen=True)
class SpeechWords:
    number_heard_as: dict[str, frozenset[str]]  # "four": {"four", "for", "far", ...}
    a_heard_as: frozenset[str]
    garbage_words: tuple[str, ...]
    reply_heard_as: dict[str, frozenset[str]]  # "four": {"for", "fore"}
    homophone_phrases: tuple[tuple[str, ...], ...] = ()  # ("to", "be"), ("too", "many"), ...
    said_first_as: frozenset[str] = frozenset()  # "for", "to", "too"
    not_a_number: frozenset[str] = frozenset()  # "time": no spotted number is put over it
    command_heard_as: dict[str, str] = field(default_factory=dict)  # "and on": "hang on"


def _words(items: list[str]) -> list[str]:
    return [" ".join(s.lower().split()) for s in items]


def load_listening_words() -> None:
    """Load the word lists a spoken answer is listened with
    (prompts/pauses.toml, prompts/speech.toml), so that a broken one is
    reported before the first question: a PromptsError names file and key."""
    from assistant.understanding.pauses import pause_rules

    pause_rules()
    speech_words()


@functools.lru_cache(maxsize=1)
def speech_words() -> SpeechWords:
    path, data = load_toml("speech.toml")
    keys = {
        "a_heard_as",
        "command_heard_as",
        "garbage_words",
        "homophone_phrases",
        "not_a_number",
        "number_heard_as",
        "reply_heard_as",
        "said_first_as",
    }
    reject_unknown(path, data, keys)
    numbers = require(path, data, "number_heard_as", dict)
    reject_unknown(path, numbers, set(NUMBERS), "number_heard_as")
    heard = {n: frozenset(_words(string_list(path, data, f"number_heard_as.{n}"))) for n in NUMBERS}
    for n, words in heard.items():
        if n not in words:
            raise PromptsError(f"{path}: 'number_heard_as.{n}' must list '{n}' itself.")
    replies = require(path, data, "reply_heard_as", dict)
    reply = {
        word.lower(): frozenset(_words(string_list(path, data, f"reply_heard_as.{word}", min_items=0)))
        for word in replies
    }
    return SpeechWords(
        number_heard_as=heard,
        a_heard_as=frozenset(_words(string_list(path, data, "a_heard_as"))),
        garbage_words=tuple(_words(string_list(path, data, "garbage_words"))),
        reply_heard_as=reply,
        homophone_phrases=tuple(
            tuple(p.split()) for p in _words(string_list(path, data, "homophone_phrases", min_items=0))
        ),
        said_first_as=frozenset(_words(string_list(path, data, "said_first_as", min_items=0))),
        not_a_number=frozenset(_words(string_list(path, data, "not_a_number", min_items=0))),
        command_heard_as=_command_heard_as(path, data),
    )


def _command_heard_as(path: Path, data: dict[str, Any]) -> dict[str, str]:
    table = data.get("command_heard_as", {})
    if not isinstance(table, dict):
        raise PromptsError(f'{path}: \'command_heard_as\' must be a table of "heard" = "said".')
    out: dict[str, str] = {}
    for heard, said in table.items():
        if not isinstance(said, str) or not said.strip() or not heard.strip():
            raise PromptsError(f"{path}: 'command_heard_as.{heard}' must be the words said, in quotes.")
        out[" ".join(heard.lower().split())] = " ".join(said.split())
    return out


def command_heard(text: str) -> str:
    """The command said when the whole transcript is a known mishearing of one
    ("and on" for "hang on"); else the transcript as it is."""
    return speech_words().command_heard_as.get(" ".join(text.lower().split()), text)
