"""Answer text as the rules read it: cleaned, and word lists as tuples.

Answers come from a speech recogniser (lower case, no punctuation) or are
typed; `clean` brings both to one form.
"""

from __future__ import annotations

import re

_QUOTES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": ",", "`": "'"}
)
_KEEP_NUM_PUNCT = re.compile(r"(?<=\d)\s*([./-])\s*(?=\d)")
_PAUSE = re.compile(r"[.,;:!?\u2026]+")
_OTHER = re.compile(r"[^a-z0-9'/.\-, ]+")
_DASH = re.compile(r"(?<![\d])-|-(?![\d])")
_SLASH = re.compile(r"(?<!\d)/|/(?!\d)")
_RESTORE = re.compile(r"(?<=\d)z[psd]z(?=\d)")
_QUOTE_EDGE = re.compile(r"(?<![a-z])'|'(?![a-z])")


def clean(text: str) -> str:
    """Lower case, one space between words, pauses as ' , ', numbers like 3.5, 4/5, 3-4 kept."""
    t = str(text).translate(_QUOTES).lower().replace("%", " percent ").replace("&", " and ")
    t = _KEEP_NUM_PUNCT.sub(lambda m: {".": "zpz", "/": "zsz", "-": "zdz"}[m.group(1)], t)
    t = _PAUSE.sub(" , ", t)
    t = _DASH.sub(" ", t)
    t = _SLASH.sub(" ", t)
    t = _OTHER.sub(" ", t)
    t = _RESTORE.sub(lambda m: {"zpz": ".", "zsz": "/", "zdz": "-"}[m.group(0)], t)
    t = _QUOTE_EDGE.sub(" ", t)
    words = t.split()
    out: list[str] = []
    for w in words:  # collapse repeated pauses and pauses at the edges
        if w == "," and (not out or out[-1] == ","):
            continue
        out.append(w)
    while out and out[-1] == ",":
        out.pop()
    return " ".join(out)


def contains_phrase(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    """Does any of the phrases stand, word for word, anywhere in `words`?"""
    return any(tuple(words[k : k + len(p)]) == p for p in phrases for k in range(len(words) - len(p) + 1))


def phrase_tuples(items: list[str]) -> tuple[tuple[str, ...], ...]:
    """Phrases from a word list, cleaned, as word tuples, longest first."""
    found = {tuple(clean(s).replace(",", " ").split()) for s in items}
    return tuple(sorted((t for t in found if t), key=len, reverse=True))
