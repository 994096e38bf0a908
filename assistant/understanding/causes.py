"""Cause tags: which of the known reasons an answer names, and in what light.

Patterns come from the [causes.*] tables of prompts/rules.toml; each is a
regular-expression fragment matched on whole words. `except` spans are blanked
out first ("they were running late" is not the speaker being late), and so are
`absent` spans ("i wasn't nervous", "i kept my answers short"), except in an
improvement, where "not rambling so much" names the problem to fix. A pattern
may use a shared word list from [cause_words] as `{name}` ("{neg}"). `problem`
patterns name the cause as a problem whatever the words around it ("they
wanted five years and i have three").

A cause is tagged when its topic came up, in either direction. Its polarity
comes from the clause it is named in ([polarity]): a clause is in a bad light
when it holds a bad word ("tough", "forgot") or a negation that does not cancel
one ("didn't prepare" is bad, "wasn't awkward" is not); a clause after "but"
with no word of its own takes the light opposite to the one before ("the case
study was tough but i walked through it"). A cause is positive when every
clause that names it is not in a bad light and it is not one of the problem
causes (late, nerves, rambling), whose mere presence is the problem. In a win
("the thing i nailed"), a problem cause named only in a good light is left out
("keeping my answers short" names no rambling); in an improvement nothing is
positive.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import PromptsError
from assistant.prompts import reject_unknown, require, string_list
from assistant.understanding.text import phrase_tuples

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

POLARITY_KEYS = {"problem_causes", "bad", "good", "negations", "contrasts"}
_MACRO = re.compile(r"\{([a-z_]+)\}")
_NAME = re.compile(r"^[a-z_]+$")
_BACK_REFERENCES = frozenset({"it", "it's", "it was", "that", "that's", "this"})
NEGATION_REACH = 5  # a negation cancels a bad word up to this many words after it ("didn't run out of questions")
GOOD_NEGATION_REACH = 3  # and turns a good word bad up to this many ("wasn't really ready")


_Index = dict[str, tuple[tuple[str, ...], ...]]


def _index(phrases: tuple[tuple[str, ...], ...]) -> _Index:
    """Phrases by their first word, longest first (a look-up per word, not a scan)."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for ph in phrases:
        out.setdefault(ph[0], []).append(ph)
    return {w: tuple(sorted(v, key=len, reverse=True)) for w, v in out.items()}


@dataclass(frozen=True)
class Polarity:
    problem_causes: frozenset[str] = frozenset()
    bad: _Index = field(default_factory=dict)
    good: _Index = field(default_factory=dict)
    negations: _Index = field(default_factory=dict)
    contrasts: _Index = field(default_factory=dict)


@dataclass(frozen=True)
class CauseRules:
    patterns: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None], ...]
    polarity: Polarity = Polarity()
    absent: tuple[re.Pattern[str] | None, ...] = ()  # per cause, in CAUSES order
    problem: tuple[re.Pattern[str] | None, ...] = ()  # per cause: named as a problem whatever the clause


def _expand(path: Path, key: str, frag: str, words: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in words:
            raise PromptsError(f"{path}: '{key}' uses {{{name}}}, which is not a list in [cause_words]: {frag!r}.")
        return words[name]

    return _MACRO.sub(sub, frag)


def _compile(path: Path, key: str, fragments: list[str], words: dict[str, str]) -> re.Pattern[str] | None:
    if not fragments:
        return None
    expanded = [_expand(path, f"{key} item {n + 1}", frag, words) for n, frag in enumerate(fragments)]
    body = "|".join(f"(?:{f})" for f in expanded)
    try:  # one compile for the lot; item by item only to name a bad one
        return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])")
    except re.error:
        for n, frag in enumerate(expanded):
            try:
                re.compile(frag)
            except re.error as e:
                raise PromptsError(f"{path}: '{key}' item {n + 1} is not a valid pattern ({e}): {frag!r}.") from None
        raise PromptsError(f"{path}: '{key}' does not make a valid pattern; check its brackets.") from None


def _cause_words(path: Path, data: dict[str, Any]) -> dict[str, str]:
    table = require(path, data, "cause_words", dict)
    words: dict[str, str] = {}
    for name in table:
        if not _NAME.match(name):
            raise PromptsError(f"{path}: 'cause_words.{name}' must be named in lower-case letters and _.")
        items = string_list(path, data, f"cause_words.{name}")
        alts = sorted({i.strip() for i in items}, key=len, reverse=True)
        words[name] = "(?:" + "|".join(alts) + ")"
        try:
            re.compile(words[name])
        except re.error as e:
            raise PromptsError(f"{path}: 'cause_words.{name}' is not a list of valid patterns ({e}).") from None
    return words


def _polarity(path: Path, data: dict[str, Any]) -> Polarity:
    table = require(path, data, "polarity", dict)
    reject_unknown(path, table, POLARITY_KEYS, "polarity")
    problems = string_list(path, data, "polarity.problem_causes")
    for c in problems:
        if c not in CAUSES:
            raise PromptsError(f"{path}: 'polarity.problem_causes' lists '{c}', which is not a cause.")

    def phrases(key: str) -> _Index:
        return _index(phrase_tuples(string_list(path, data, f"polarity.{key}")))

    return Polarity(
        problem_causes=frozenset(problems),
        bad=phrases("bad"),
        good=phrases("good"),
        negations=phrases("negations"),
        contrasts=phrases("contrasts"),
    )


def compile_causes(path: Path, data: dict[str, Any]) -> CauseRules:
    table = require(path, data, "causes", dict)
    reject_unknown(path, table, set(CAUSES), "causes")
    words = _cause_words(path, data)
    compiled = []
    absent: list[re.Pattern[str] | None] = []
    problem: list[re.Pattern[str] | None] = []
    for cause in CAUSES:
        entry = require(path, data, f"causes.{cause}", dict)
        reject_unknown(path, entry, {"patterns", "problem", "except", "absent"}, f"causes.{cause}")
        pats = string_list(path, data, f"causes.{cause}.patterns")
        lists = {}
        for key in ("problem", "except", "absent"):
            items = require(path, data, f"causes.{cause}.{key}", list)
            if not all(isinstance(s, str) and s.strip() for s in items):
                raise PromptsError(f"{path}: 'causes.{cause}.{key}' must be a list of non-empty strings.")
            lists[key] = items
        pat = _compile(path, f"causes.{cause}.patterns", pats, words)
        assert pat is not None
        compiled.append((cause, pat, _compile(path, f"causes.{cause}.except", lists["except"], words)))
        absent.append(_compile(path, f"causes.{cause}.absent", lists["absent"], words))
        problem.append(_compile(path, f"causes.{cause}.problem", lists["problem"], words))
    return CauseRules(tuple(compiled), _polarity(path, data), tuple(absent), tuple(problem))


# Recognisers often drop the apostrophe: "couldnt", "didnt", "im", "theyre", "thats".
_BARE_NT = re.compile(r"(?<![\w'])(could|did|was|had|would|is|were|have|has|does|do|should|are|must|need)nt(?![\w'])")
_BARE_FIX = {
    "cant": "can't",
    "wont": "won't",
    "im": "i'm",
    "ive": "i've",
    "theyre": "they're",
    "youre": "you're",
    "thats": "that's",
    "whats": "what's",
    "theres": "there's",
    "theyve": "they've",
    "weve": "we've",
    "youve": "you've",
    "theyd": "they'd",
    "youd": "you'd",
    "shes": "she's",
    "whos": "who's",
    "theyll": "they'll",
    "youll": "you'll",
    "id": "i'd",
}
# "id" is "i'd" unless it is an identity card ("my id", "photo id").
_BARE_OTHER = re.compile(
    r"(?<![\w'])(?<!my )(?<!your )(?<!the )(?<!photo )(?<!an )(?<!staff )(" + "|".join(_BARE_FIX) + r")(?![\w'])"
)


def restore_apostrophes(text: str) -> str:
    text = _BARE_NT.sub(lambda m: m.group(1) + "n't", text)
    return _BARE_OTHER.sub(lambda m: _BARE_FIX[m.group(1)], text)


def _blank(m: re.Match[str]) -> str:
    return "_" * len(m.group(0))  # same length, so offsets still point at the same words


def _match_at(tokens: list[str], i: int, index: _Index) -> int:
    for opt in index.get(tokens[i], ()):
        if len(opt) == 1 or tuple(tokens[i : i + len(opt)]) == opt:
            return len(opt)
    return 0


class _Answer:
    """The words of one answer, where each starts, and its clauses' light."""

    def __init__(self, text: str, pol: Polarity):
        tokens = restore_apostrophes(" ".join(text.split())).split()
        self.words: list[str] = []
        pauses: set[int] = set()
        for tok in tokens:
            if tok == ",":
                pauses.add(len(self.words))
            else:
                self.words.append(tok)
        self.flat = " ".join(self.words)
        self.offsets: list[int] = []
        pos = 0
        for w in self.words:
            self.offsets.append(pos)
            pos += len(w) + 1
        self._pol = pol
        self._pauses = pauses
        self._clause_of: list[int] | None = None
        self._light: list[int] = []
        self._follow: list[int] = []

    def word_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.offsets, offset) - 1)

    def crosses_a_pause(self, m: re.Match[str]) -> bool:
        """Does span `m` of the flat text run over a pause ("because no bus, then traffic")?"""
        first, last = self.word_at(m.start()), self.word_at(m.end() - 1)
        return any(first < p <= last for p in self._pauses)

    def _clauses(self) -> None:
        pol, words = self._pol, self.words
        clause_of: list[int] = []
        starts: list[int] = []
        contrast: list[bool] = []
        i = 0
        while i < len(words):
            n = _match_at(words, i, pol.contrasts)
            if i == 0 or i in self._pauses or n:
                starts.append(i)
                contrast.append(bool(n))
            clause_of.append(len(starts) - 1)
            i += 1
        lights = []
        for k, s in enumerate(starts):
            e = starts[k + 1] if k + 1 < len(starts) else len(words)
            lights.append(self._light_of(words[s:e]))
        for k in range(1, len(lights)):  # "tough but i walked through it": the but-clause is the other side
            if contrast[k] and lights[k] == 0 and lights[k - 1] != 0:
                lights[k] = -lights[k - 1]
        self._clause_of, self._light = clause_of, lights
        # "i walked through the case study but it was tough": a but-clause about "it"
        # speaks of the clause before it too
        self._follow = [1] * len(starts)  # 1: no effect under min()
        for k in range(len(starts) - 1):
            nxt = starts[k + 1]
            n = _match_at(words, nxt, pol.contrasts) if contrast[k + 1] else 0
            if n and nxt + n < len(words) and words[nxt + n] in _BACK_REFERENCES and lights[k + 1] < 0:
                self._follow[k] = -1

    def _light_of(self, words: list[str]) -> int:
        """-1 bad, 1 good, 0 neither."""
        pol = self._pol
        bad = good = False
        negs: list[int] = []  # word index where each unused negation ends
        i = 0
        while i < len(words):
            n = _match_at(words, i, pol.negations)
            if n:
                negs.append(i + n - 1)
                i += n
                continue
            n = _match_at(words, i, pol.bad)
            if n:
                near = [k for k in negs if i - k <= NEGATION_REACH]
                if near:
                    negs.remove(near[-1])
                    good = True  # "wasn't awkward", "no problems", "didn't run out of questions"
                else:
                    bad = True
                i += n
                continue
            n = _match_at(words, i, pol.good)
            if n:
                near = [k for k in negs if i - k <= GOOD_NEGATION_REACH]
                if near:
                    negs.remove(near[-1])
                    bad = True  # "wasn't ready", "didn't go well"
                else:
                    good = True
                i += n
                continue
            i += 1
        if bad or negs:
            return -1
        return 1 if good else 0

    def light(self, word: int, blanked: frozenset[int] = frozenset()) -> int:
        """-1 when the clause holding words[word] (or a but-clause about it) is in a
        bad light, 1 good, 0 neither; `blanked` words (other senses, "the room was
        cold") do not count."""
        if self._clause_of is None:
            self._clauses()
        assert self._clause_of is not None
        k = self._clause_of[word]
        own = self._light[k]
        if blanked:
            span = [w for w in range(len(self.words)) if self._clause_of[w] == k]
            if any(w in blanked for w in span):
                own = self._light_of([self.words[w] for w in span if w not in blanked])
        return min(own, self._follow[k])

    def blanked(self, t: str) -> frozenset[int]:
        """Words of the answer that `t` (the same text with spans blanked) has blanked."""
        if t == self.flat:
            return frozenset()
        return frozenset(n for n, off in enumerate(self.offsets) if t[off : off + 1] == "_" and self.flat[off] != "_")


def cause_polarity(text: str, rules: CauseRules, kind: str | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(causes, positive): the cause tags named in `text` (cleaned, numbers as
    digits), in CAUSES order, and the subset named only in a good or neutral light.
    `kind` is the stage's kind: "improve" (a lesson: absences count, nothing is
    positive), "nailed" (a win) or anything else (a part of the interview)."""
    ans = _Answer(text, rules.polarity)
    found: list[str] = []
    positive: list[str] = []
    for n, (cause, pat, exc) in enumerate(rules.patterns):
        t = exc.sub(_blank, ans.flat) if exc is not None else ans.flat
        absent = rules.absent[n] if n < len(rules.absent) else None
        if absent is not None and kind != "improve":
            # an absence ends at a pause: "because no bus, then traffic" names the traffic
            t = absent.sub(lambda m: m.group(0) if ans.crosses_a_pause(m) else _blank(m), t)
        hits = list(pat.finditer(t))
        named_as_problem = rules.problem[n] if n < len(rules.problem) else None
        as_problem = named_as_problem is not None and named_as_problem.search(t) is not None
        if not hits and not as_problem:
            continue
        gone = ans.blanked(t)
        lights = [min(ans.light(ans.word_at(m.start()), gone), ans.light(ans.word_at(m.end() - 1), gone)) for m in hits]
        if as_problem:
            lights.append(-1)  # "they wanted five years and i have three"
        if cause in rules.polarity.problem_causes:
            if kind == "nailed" and all(x > 0 for x in lights):
                continue  # "keeping my answers short" as a win names no rambling
            found.append(cause)
            continue
        found.append(cause)
        if kind != "improve" and all(x >= 0 for x in lights):
            positive.append(cause)
    return tuple(found), tuple(positive)


def find_causes(text: str, rules: CauseRules, kind: str | None = None) -> tuple[str, ...]:
    """Cause tags named in `text` (cleaned, numbers as digits), in CAUSES order."""
    return cause_polarity(text, rules, kind)[0]
