"""Understanding one debrief answer: rating, cause tags, improvement and win.

Answers come from a speech recogniser (lower case, no punctuation, fillers,
homophones, numbers as words) or are typed. All vocabularies live in
prompts/rules.toml, read once (cached) and validated on load; everything here
is a pure function of the answer text.

    extract(text, stage) -> Extraction(rating, improve, nailed, causes, positive)
    downhill(ratings)    -> the stage where it went downhill
    is_non_answer(text)  -> True for "nothing really", "i don't know", "everything"
    second_person(phrase) -> the lesson said back: "i rambled" -> "you rambled"
    command_word(text)   -> "repeat" | "skip" | "back" | "help" | "stop" | None
    yes_no(text)         -> True | False | None
    reply_vocabulary(kind) -> phrases a speech grammar should allow
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import PromptsError
from assistant.prompts import load_toml, reject_unknown, require, string_list
from assistant.understanding.causes import CAUSES, CauseRules, cause_polarity, compile_causes, restore_apostrophes
from assistant.understanding.rating import RatingRules, compile_rating, phrase_regex, to_digits
from assistant.understanding.rating import rating_and_source as _rating
from assistant.understanding.text import clean, contains_phrase, phrase_tuples

__all__ = [
    "CAUSES",
    "Extraction",
    "extract",
    "downhill",
    "is_non_answer",
    "second_person",
    "command_word",
    "more_said_first",
    "names_its_lesson",
    "yes_no",
    "reply_grammar",
    "reply_vocabulary",
    "rating_rules",
    "clear_cache",
]

COMMANDS = ("repeat", "skip", "back", "help", "stop", "wait", "more")

TOP_KEYS = {"text", "phrases", "rating", "causes", "cause_words", "polarity", "commands", "yesno", "second_person"}


@dataclass(frozen=True)
class Extraction:
    rating: float | None = None
    improve: str | None = None
    nailed: str | None = None
    causes: tuple[str, ...] = ()
    # The subset of `causes` the answer names only in a good or neutral light
    # ("we clicked", "i asked good questions"); never late, nerves or rambling.
    positive: tuple[str, ...] = ()
    # The rating is a number said ("a four", "seven out of ten"), not a verdict
    # word ("terrible", "fine").
    rating_said: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The four fields the `extract` command has always shown (`positive` is read as a field)."""
        return {"rating": self.rating, "improve": self.improve, "nailed": self.nailed, "causes": list(self.causes)}


@dataclass(frozen=True)
class _Rules:
    fillers: tuple[tuple[str, ...], ...]
    lead_ins: tuple[tuple[str, ...], ...]
    trailers: tuple[tuple[str, ...], ...]
    non_answers: frozenset[str]
    soft_words: tuple[tuple[str, ...], ...]
    non_answer_heads: tuple[tuple[str, ...], ...]
    non_answer_reasons: tuple[tuple[str, ...], ...]
    denials: re.Pattern[str]
    improve_re: re.Pattern[str]
    nailed_re: re.Pattern[str]
    breaks: frozenset[tuple[str, ...]]
    dangling: frozenset[str]
    cut_words: frozenset[str]
    open_words: frozenset[str]
    cut_endings: tuple[tuple[str, ...], ...]
    vague: frozenset[str]
    hedges: tuple[tuple[str, ...], ...]
    contrasts: tuple[tuple[str, ...], ...]
    max_words: int
    rating: RatingRules
    causes: CauseRules
    commands: dict[str, str]
    command_phrases: dict[str, tuple[str, ...]]
    more_first: tuple[tuple[str, ...], ...]
    polite: tuple[tuple[str, ...], ...]
    yes: tuple[tuple[str, ...], ...]
    no: tuple[tuple[str, ...], ...]
    second_person: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]


def _marker_re(items: list[str]) -> re.Pattern[str]:
    pat = phrase_regex([clean(s) for s in items])
    assert pat is not None
    return pat


def _denials_re(path: Path, patterns: list[str]) -> re.Pattern[str]:
    for p in patterns:
        try:
            re.compile(p)
        except re.error as e:
            raise PromptsError(f"{path}: 'text.denials' pattern '{p}' is not a valid pattern ({e}).") from None
    return re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + r")(?![\w'])")


def _build(path: Path, data: dict[str, Any]) -> _Rules:
    reject_unknown(path, data, TOP_KEYS)
    text = require(path, data, "text", dict)
    reject_unknown(
        path,
        text,
        {"fillers", "lead_ins", "trailers", "non_answers", "soft_words", "non_answer_reasons", "denials"},
        "text",
    )
    phrases = require(path, data, "phrases", dict)
    reject_unknown(
        path,
        phrases,
        {
            "improve_markers",
            "nailed_markers",
            "clause_breaks",
            "dangling",
            "cut_words",
            "open_words",
            "cut_endings",
            "vague",
            "hedges",
            "max_words",
        },
        "phrases",
    )
    max_words = require(path, data, "phrases.max_words", int)
    if isinstance(max_words, bool) or not 3 <= max_words <= 40:
        raise PromptsError(f"{path}: 'phrases.max_words' must be a whole number from 3 to 40.")
    cmds = require(path, data, "commands", dict)
    reject_unknown(path, cmds, set(COMMANDS) | {"polite", "more_first"}, "commands")
    yn = require(path, data, "yesno", dict)
    reject_unknown(path, yn, {"yes", "no"}, "yesno")

    def lst(key: str) -> list[str]:
        return string_list(path, data, key)

    polite = phrase_tuples(lst("commands.polite"))
    fillers = phrase_tuples(lst("text.fillers"))
    commands: dict[str, str] = {}
    command_phrases: dict[str, tuple[str, ...]] = {}
    for name in COMMANDS:
        items = [" ".join(clean(p).replace(",", " ").split()) for p in lst(f"commands.{name}")]
        command_phrases[name] = tuple(items)
        for phrase in items:
            key = _command_key(phrase, polite, fillers)
            if not key:
                raise PromptsError(
                    f"{path}: 'commands.{name}' phrase '{phrase}' is only polite words; use a real command."
                )
            if commands.get(key, name) != name:
                raise PromptsError(f"{path}: 'commands.{name}' phrase '{phrase}' is also a '{commands[key]}' command.")
            commands[key] = name
    non_answers = [" ".join(clean(s).replace(",", " ").split()) for s in lst("text.non_answers")]
    return _Rules(
        fillers=fillers,
        lead_ins=phrase_tuples(lst("text.lead_ins")),
        trailers=phrase_tuples(lst("text.trailers")),
        non_answers=frozenset(non_answers),
        soft_words=phrase_tuples(lst("text.soft_words")),
        non_answer_heads=phrase_tuples(non_answers),
        non_answer_reasons=phrase_tuples(lst("text.non_answer_reasons")),
        denials=_denials_re(path, lst("text.denials")),
        improve_re=_marker_re(lst("phrases.improve_markers")),
        nailed_re=_marker_re(lst("phrases.nailed_markers")),
        breaks=frozenset(tuple(s.split()) for s in lst("phrases.clause_breaks")),
        dangling=frozenset(lst("phrases.dangling")),
        cut_words=frozenset(lst("phrases.cut_words")),
        open_words=frozenset(lst("phrases.open_words")),
        cut_endings=phrase_tuples(lst("phrases.cut_endings")),
        vague=frozenset(" ".join(v) for v in phrase_tuples(lst("phrases.vague"))),
        hedges=phrase_tuples(lst("phrases.hedges")),
        contrasts=phrase_tuples(lst("polarity.contrasts")),
        max_words=max_words,
        rating=compile_rating(path, data),
        causes=compile_causes(path, data),
        commands=commands,
        command_phrases=command_phrases,
        more_first=phrase_tuples(lst("commands.more_first")),
        polite=polite,
        yes=phrase_tuples(lst("yesno.yes")),
        no=phrase_tuples(lst("yesno.no")),
        second_person=_second_person_table(path, data),
    )


def _second_person_table(path: Path, data: dict[str, Any]) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    table = require(path, data, "second_person", dict)
    pairs = []
    for said, back in table.items():
        if not isinstance(back, str) or not back.strip() or not said.strip():
            raise PromptsError(f"{path}: 'second_person.{said}' must be a non-empty phrase to say back.")
        pairs.append((tuple(said.lower().split()), tuple(back.lower().split())))
    if not pairs:
        raise PromptsError(f"{path}: 'second_person' must map at least one word.")
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@functools.lru_cache(maxsize=1)
def _rules() -> _Rules:
    path, data = load_toml("rules.toml")
    return _build(path, data)


def is_number_word(word: str) -> bool:
    """A rating number as a word or digits, or a word often heard for one ("for", "too")."""
    rules = _rules().rating
    w = word.lower().split("(")[0]
    return w in rules.grammar_numbers or w in rules.homophones or w.replace(".", "").isdigit()


def rating_rules() -> RatingRules:
    """The compiled rating rules (for the number pass, which reads ratings the
    same way the transcript is read)."""
    return _rules().rating


def clear_cache() -> None:
    """Forget the loaded rules (tests, or after editing prompts/rules.toml)."""
    _rules.cache_clear()


# ---------------------------------------------------------------- text


def _strip_edges(tokens: list[str], front: tuple[tuple[str, ...], ...], back: tuple[tuple[str, ...], ...]) -> list[str]:
    changed = True
    while changed and tokens:
        changed = False
        while tokens and tokens[0] == ",":
            tokens, changed = tokens[1:], True
        while tokens and tokens[-1] == ",":
            tokens, changed = tokens[:-1], True
        for opt in front:
            if tuple(tokens[: len(opt)]) == opt:
                tokens, changed = tokens[len(opt) :], True
                break
        for opt in back:
            if len(tokens) >= len(opt) and tuple(tokens[-len(opt) :]) == opt:
                if opt == ("well",) and len(tokens) > 1 and tokens[-2] in _DONE_WELL:
                    continue  # "it went down well": the "well" says how it went
                tokens, changed = tokens[: -len(opt)], True
                break
    return tokens


# Words after which a last "well" is how something went, not a filler.
_DONE_WELL = frozenset(
    "down went go goes going did done do does worked work works played landed really very so pretty quite "
    "as fairly reasonably".split()
)


_REGRET_HAVE = frozenset({"have", "'ve"})
# Past participles that do not end in -ed/-en: "i should have brought", not "i should have two stories".
_PARTICIPLES = frozenset(
    """
been done gone had made brought thought said asked read left got let put set cut shut hit run come become
known shown grown thrown drawn flown worn torn sworn sat stood understood met kept slept felt dealt meant
built spent sent lent bent lost paid laid told sold held found bound taught caught bought sought fought
learnt spelt burnt dreamt leapt heard led fed won spun struck stuck hung rung sung swum begun drunk shrunk
took
""".split()
)


def _is_participle(word: str) -> bool:
    if word in _PARTICIPLES:
        return True
    return len(word) > 4 and (word.endswith("ed") or word.endswith("en") or word.endswith("wn"))


def _strip_lead_ins(tokens: list[str], rules: _Rules) -> list[str]:
    """Fillers and lead-ins off the front; "i should have" keeps its "have" when it means
    possession ("have two stories ready") rather than regret ("have prepared")."""
    front = rules.fillers + rules.lead_ins
    changed = True
    while changed and tokens:
        changed = False
        while tokens and tokens[0] == ",":
            tokens, changed = tokens[1:], True
        for opt in front:
            if tuple(tokens[: len(opt)]) == opt:
                rest = tokens[len(opt) :]
                if len(opt) > 1 and opt[-1] in _REGRET_HAVE and rest and rest[0] != "," and not _is_participle(rest[0]):
                    rest = ["have"] + rest
                    if tuple(rest) == tuple(tokens):
                        break
                tokens, changed = rest, True
                break
    return tokens


_RELATIVE = frozenset({"where", "when", "which", "who", "whom", "whose", "how", "what", "that", "why"})
_FRONTED = frozenset({"what", "which", "who", "whom", "that", "where", "i", "they", "we", "you", "he", "she"})


def _stranded(tokens: list[str], rules: _Rules) -> bool:
    """A preposition may end a phrase when its object came first: "what salary to
    ask for", "the bit i was proud of" (a wh-word or a clause before it)."""
    return len(tokens) >= 2 and tokens[-1] not in ("me", "us", "them") and any(t in _FRONTED for t in tokens)


def _cut_off(tokens: list[str], rules: _Rules) -> list[str] | None:
    """A lesson that ends mid-phrase ("the bit where they asked me") loses its
    open end; None when what is left says nothing on its own ("the bit")."""
    cut = list(tokens)
    changed = True
    while cut and changed:
        changed = False
        while cut and (cut[-1] == "," or cut[-1] in rules.cut_words):
            cut.pop()
            changed = True
            while cut and cut[-1] in rules.open_words:  # "talk more about my" -> "talk more"
                cut.pop()
        for end in rules.cut_endings:
            if len(cut) >= len(end) and tuple(cut[-len(end) :]) == end:
                del cut[-len(end) :]
                changed = True
                break
        if cut and cut[-1] in rules.open_words and not _stranded(cut[:-1], rules):
            cut.pop()  # "practise answering questions about", "asked me about"
            changed = True
    if len(cut) == len(tokens):
        return cut
    # a relative clause that was cut off says nothing sure: "the bit where i talked (about the)"
    wh = next((k for k in range(1, len(cut)) if cut[k] in _RELATIVE), None)
    if wh is not None:
        cut = cut[:wh]
    if not cut or " ".join(t for t in cut if t != ",") in rules.vague or len([t for t in cut if t != ","]) < 2:
        # what ends at the first pause may still stand whole: "finding that fuel pump quick. they
        # ain't expect that" (the open end is in what follows)
        if "," in tokens[1:]:
            first = tokens[: tokens.index(",", 1)]
            kept = _cut_off(first, rules)
            return kept if kept is not None and len(kept) == len(first) else None
        return None
    return cut


# A hedge after these belongs to what follows it: "and maybe don't sit in reception",
# "what i think they wanted".
_HEDGE_JOINED = frozenset({"and", "or", "but", "so", "if", "then"}) | _RELATIVE


def _before_hedge(tokens: list[str], rules: _Rules) -> list[str]:
    """A lesson ends where the person hedges it: "the reading programme i think i could
    tell they liked it", "the snow week story maybe aye that went down well". A hedge
    needs two words before it to end anything ("maybe talk less" is the lesson)."""
    words = 0
    for i, tok in enumerate(tokens):
        if tok == ",":
            continue
        if words >= 2 and any(tuple(tokens[i : i + len(h)]) == h for h in rules.hedges):
            prev = next(t for t in reversed(tokens[:i]) if t != ",")
            if prev not in _HEDGE_JOINED:
                return tokens[:i]
        words += 1
    return tokens


_JOINING = frozenset({"and", "but", "or", "then", ","})


def _tidy_phrase(tokens: list[str], rules: _Rules) -> str | None:
    tokens = _skip_non_answer(tokens, rules)
    tokens = _strip_lead_ins(tokens, rules)
    while tokens and tokens[0] in _JOINING:  # "and the chat was good": the answer goes on from the question
        tokens = _strip_lead_ins(tokens[1:], rules)
    tokens = _before_hedge(tokens, rules)
    tokens = _strip_edges(tokens, (), rules.trailers + rules.fillers)
    words = 0
    cut: list[str] = []
    for tok in tokens:
        if tok != ",":
            words += 1
            if words > rules.max_words:
                break
        cut.append(tok)
    shortened = len(cut) < len(tokens)
    while cut and (cut[-1] == "," or (shortened and cut[-1] in rules.dangling)):
        cut.pop()
    cut = _strip_edges(cut, (), rules.trailers + rules.fillers)
    if not shortened:
        kept = _cut_off(cut, rules)
        if kept is None:
            return None
        cut = _strip_edges(kept, (), rules.trailers + rules.fillers)
    phrase = " ".join(cut).replace(" ,", ",")
    if not phrase or phrase in rules.non_answers or phrase in ("it", "that", "this"):
        return None
    return phrase


_CONTRAST = (
    ("but",),
    ("except",),
    ("maybe",),
    ("apart", "from"),
    ("other", "than"),
    ("although",),
    ("though",),
    ("unless",),
    ("if", "anything"),
    ("possibly",),
    ("perhaps",),
    ("probably",),
)


def _skip_non_answer(tokens: list[str], rules: _Rules) -> list[str]:
    """ "nothing really, i'd do it the same way" says nothing; "nothing, but maybe talk
    less" and "no, i should have prepared more" say something: what follows the
    contrast or the lead-in."""
    words = _strip_edges(list(tokens), rules.fillers, ())
    echo = next((len(h) for h in rules.lead_ins if _starts_any(words, (h,)) and words[len(h) : len(h) + 1] == [","]), 0)
    if echo and _starts_any(words[echo + 1 :], rules.non_answer_heads):
        words = words[echo + 1 :]  # the question said back first: "nailed? nothing. seriously, ..."
    denied = _denied_part(words, rules)
    if denied:
        rest = _strip_edges(words[denied:], rules.fillers, ())
        for opt in _CONTRAST:
            if tuple(rest[: len(opt)]) == opt:
                return rest[len(opt) :]  # "i didn't do anything well, but the flood story landed"
    for head in rules.non_answer_heads:
        if tuple(words[: len(head)]) != head:
            continue
        rest = words[len(head) :]
        while rest and rest[0] == ",":
            rest = rest[1:]
        rest = _strip_edges(rest, rules.fillers, ())
        for opt in _CONTRAST:
            if tuple(rest[: len(opt)]) == opt:
                return rest[len(opt) :]
        if rest and _starts_any(rest, rules.lead_ins):
            return rest
        if head and len(head) < len(words) and words[len(head)] == ",":
            said = _drop_soft(words[len(head) :], rules)  # before fillers go: "i don't know" is one
            if not said or any(tuple(said[: len(r)]) == r for r in rules.non_answer_reasons + rules.non_answer_heads):
                return []  # "nothing really, i'd do it the same way", "nothing, hmm, i don't know, ..."
            return rest  # a hedge, then the answer: "dunno, the snow week story maybe"
        break
    return tokens


def _clause(tokens: list[str], rules: _Rules) -> list[str]:
    """Tokens up to the first pause or clause break."""
    for i, tok in enumerate(tokens):
        if tok == ",":
            return tokens[:i]
        for brk in rules.breaks:
            if i and tuple(tokens[i : i + len(brk)]) == brk:
                return tokens[:i]
    return tokens


# After a win's marker these say the win came before it ("... which i was proud of, but ...").
_BUT = frozenset({"but", "though", "although", "however"})


def _find_marked(text: str, pattern: re.Pattern[str], rules: _Rules) -> str | None:
    for m in pattern.finditer(text):
        rest = text[m.end() :].split()
        said = m.group(0).split()
        if said and said[-1] in _REGRET_HAVE and rest and rest[0] == "to":
            continue  # "i'd have to relocate" is an obligation, not a lesson
        if rest and rest[0] in _BUT:
            continue  # "the handover system which i was proud of, but i went on too long": it came before
        if said and said[-1] in _REGRET_HAVE and rest and rest[0] != "," and not _is_participle(rest[0]):
            rest = ["have"] + rest
        phrase = _tidy_phrase(_clause(rest, rules), rules)
        if phrase and not phrase.startswith(("it ", "it,")):
            return phrase
    return None


def _win_then_but(text: str, rules: _Rules) -> bool:
    """Is a win's marker followed by a contrast ("... which i was proud of, but ...")?"""
    for m in rules.nailed_re.finditer(text):
        rest = text[m.end() :].replace(",", " ").split()
        if rest and rest[0] in _BUT:
            return True
    return False


def _drop_soft(tokens: list[str], rules: _Rules) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        n = next((len(o) for o in rules.soft_words if tuple(tokens[i : i + len(o)]) == o), 0)
        if n:
            i += n
            continue
        if tokens[i] != ",":
            out.append(tokens[i])
        i += 1
    return out


def _has_contrast(words: list[str]) -> bool:
    return contains_phrase(words, _CONTRAST)


def _denial(words: list[str], rules: _Rules) -> bool:
    """ "i don't think i nailed anything", "don't reckon i nailed much of anything
    today": the thing asked for denied, and no "but" after it to name one."""
    k = _denied_part(words, rules)
    return k > 0 and not _has_contrast(words[k:])


def _denied_part(tokens: list[str], rules: _Rules) -> int:
    """How many tokens a denial at the start takes ("i didn't do anything well"), 0 if none."""
    for k in range(len(tokens), 0, -1):
        if rules.denials.fullmatch(" ".join(t for t in tokens[:k] if t != ",")):
            return k
    return 0


def _non_answer(c: str, rules: _Rules) -> bool:
    tokens = restore_apostrophes(c).split()
    words = _drop_soft(tokens, rules)
    if not words:
        return False
    if " ".join(words) in rules.non_answers or _denial(words, rules):
        return True
    # a non-answer and its reason: "nothing it went as well as it could"
    for head in rules.non_answer_heads:
        if tuple(words[: len(head)]) != head:
            continue
        rest = words[len(head) :]
        if _denial(rest, rules):
            return True  # "i don't know, don't reckon i nailed much of anything"
        if not any(tuple(rest[: len(r)]) == r for r in rules.non_answer_reasons):
            return False
        said = " ".join(rest)
        if _non_answer(said, rules):
            return True  # "no idea, i'd have to think about it", "i don't know, maybe nothing, it
            # all went pretty smooth": a second non-answer, with or without its reason
        if rules.improve_re.search(said) or rules.nailed_re.search(said):
            return False  # "no, i should have prepared more" is a lesson
        return not _has_contrast(rest)
    return False


def _other_side(c: str, nailed: str, rules: _Rules) -> str | None:
    """In a mixed answer the other side of the win is the lesson: "four i nailed
    the story about the migration but i rambled on the second question"."""
    tokens = c.split()
    clauses: list[list[str]] = [[]]
    i = 0
    while i < len(tokens):
        n = next((len(o) for o in rules.contrasts if tuple(tokens[i : i + len(o)]) == o), 0)
        if tokens[i] == "," or n:
            clauses.append([])
            i += n or 1
            continue
        clauses[-1].append(tokens[i])
        i += 1
    win = nailed.split()[:3]
    for k, clause in enumerate(clauses):
        if not clause or (win and any(clause[j : j + len(win)] == win for j in range(len(clause)))):
            continue
        if k == 0:
            clause = _after_rating(clause, rules)
        said = " ".join(clause)
        digits = " ".join(to_digits(said, rules.rating, keep_phrases=True))
        causes, positive = cause_polarity(digits, rules.causes)
        if set(causes) - set(positive):
            return _tidy_phrase(clause, rules)
    return None


def _after_rating(tokens: list[str], rules: _Rules) -> list[str]:
    """The words after a rating said first ("four i rambled" -> "i rambled")."""
    r = rules.rating
    digits = to_digits(" ".join(tokens), r)
    if len(digits) != len(tokens):
        return tokens
    i = 0
    while i < len(tokens) and (tokens[i] == "a" or digits[i] != tokens[i] or digits[i][:1].isdigit()):
        i += 1
        if i < len(tokens) and tuple(tokens[i : i + 3]) in r.halves:
            i += 3
    return tokens[i:] if i else tokens


# ---------------------------------------------------------------- public API


def extract(text: str, kind: str | None = None) -> Extraction:
    """Rating, improvement, win and cause tags of one answer (see module docs).
    `kind` is the stage's kind in the script: "improve" and "nailed" answers
    are one lesson each and carry no rating; any other is a part of the
    interview."""
    rules = _rules()
    c = clean(text or "")
    if not c:
        return Extraction()
    if kind in ("improve", "nailed") and _non_answer(c, rules):
        return Extraction()  # "nothing really", "can't think of anything": no lesson, nothing named
    digits = " ".join(to_digits(c, rules.rating, keep_phrases=True))
    causes, positive = cause_polarity(digits, rules.causes, kind)
    if kind == "improve":
        return Extraction(None, _tidy_phrase(restore_apostrophes(c).split(), rules), None, causes, positive)
    if kind == "nailed":
        return Extraction(None, None, _tidy_phrase(restore_apostrophes(c).split(), rules), causes, positive)
    value, said_number = _rating(c, rules.rating, rules.fillers)
    said = restore_apostrophes(c)  # "next time id bring" reads as "next time i'd bring"
    improve = _find_marked(said, rules.improve_re, rules)
    nailed = _find_marked(said, rules.nailed_re, rules)
    if improve is None and set(causes) - set(positive) and (nailed is not None or _win_then_but(said, rules)):
        # a win named, by its words or before its marker ("the handover system which i was
        # proud of, but i went on too long"): the other side of it is the lesson
        improve = _other_side(said, nailed or "", rules)
    return Extraction(value, improve, nailed, causes, positive, rating_said=said_number)


def downhill(ratings: list[tuple[str, float | None]]) -> str | None:
    """The stage where it turned: the largest real drop (at least one point, from
    the previous rated stage) to a stage rated 3 or less, the earliest on a tie;
    with no such drop, the lowest stage if it is 2 or less (the earliest); else
    None, so a good interview (4, 5, 4.5, 4, 5) has no turning point."""
    rated = [(stage, float(r)) for stage, r in ratings if r is not None]
    best, best_drop = None, 0.0
    for (_, before), (stage, now) in zip(rated, rated[1:], strict=False):
        drop = before - now
        if drop >= 1 and now <= 3 and drop > best_drop:
            best, best_drop = stage, drop
    if best is not None:
        return best
    if not rated:
        return None
    low = min(r for _, r in rated)
    if low <= 2:
        return next(stage for stage, r in rated if r == low)
    return None


def is_non_answer(text: str) -> bool:
    """True when an improve/nailed answer names no lesson: "nothing really",
    "i don't know", "can't think of anything", "everything", "nothing it went as
    well as it could". "nothing really, but maybe talk less" names one."""
    rules = _rules()
    c = clean(text or "")
    return bool(c) and _non_answer(c, rules)


def second_person(phrase: str) -> str:
    """A lesson said back to the person: "practise my technical answers" ->
    "practise your technical answers", "i was" -> "you were", "me" -> "you",
    "mine" -> "yours" ("we" and "our" stay). The word table is [second_person]
    in prompts/rules.toml."""
    rules = _rules()
    words = (phrase or "").split()
    out: list[str] = []
    i = 0
    while i < len(words):
        core = [w.rstrip(",.;:!?").lower() for w in words[i : i + 3]]
        for said, back in rules.second_person:
            n = len(said)
            if tuple(core[:n]) == said and all(w.rstrip(",.;:!?") for w in words[i : i + n]):
                tail = words[i + n - 1][len(words[i + n - 1].rstrip(",.;:!?")) :]
                out.extend(back[:-1])
                out.append(back[-1] + tail)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def _command_key(text: str, polite: tuple[tuple[str, ...], ...], fillers: tuple[tuple[str, ...], ...]) -> str:
    tokens = [t for t in text.split() if t != ","]
    return " ".join(_strip_edges(tokens, polite + fillers, polite + fillers))


def command_word(text: str) -> str | None:
    """A command when the whole answer is only a command, else None."""
    rules = _rules()
    c = clean(text or "")
    if not c or len(c.split()) > 10:
        return None
    key = _command_key(c, rules.polite, rules.fillers)
    return rules.commands.get(key) if key else None


def more_said_first(text: str) -> str | None:
    """The words after a "more" phrase an answer starts with ("sorry, i
    wasn't finished, so then they asked ..." -> "so then they asked ..."):
    the person was cut off and carries on their last answer. "" when nothing
    follows; None when the answer does not start so."""
    rules = _rules()
    words = (text or "").split()
    tokens = [t for t in clean(" ".join(words)).split() if t != ","]
    edges = rules.polite + rules.fillers
    interjections = tuple(tuple(p.split()) for p in rules.command_phrases["wait"])
    i, found = 0, False
    while i < len(tokens):
        n = next((len(p) for p in rules.more_first if tuple(tokens[i : i + len(p)]) == p), 0)
        if n:
            found = True
        elif not found:  # before the phrase: "sorry", "um", "hang on"; after it the answer's own words
            n = next((len(p) for p in edges + interjections if tuple(tokens[i : i + len(p)]) == p), 0)
        if not n:
            break
        i += n
    if not found:
        return None
    # the same words of the original text (its case and punctuation), past the first i tokens
    k, seen = 0, 0
    while k < len(words) and seen < i:
        seen += len([t for t in clean(words[k]).split() if t != ","])
        k += 1
    return " ".join(words[k:]).lstrip(",.;:!?- ").strip()


def names_its_lesson(text: str, kind: str | None) -> bool:
    """Does an answer to the improvement ("improve") or win ("nailed")
    question say it as one ("and system design i should draw the big picture
    first")? Such an answer is that question's, however it starts."""
    rules = _rules()
    pattern = {"improve": rules.improve_re, "nailed": rules.nailed_re}.get(kind or "")
    return pattern is not None and pattern.search(restore_apostrophes(clean(text or ""))) is not None


def _starts_any(tokens: list[str], opts: tuple[tuple[str, ...], ...]) -> bool:
    return any(tuple(tokens[: len(o)]) == o for o in opts)


def yes_no(text: str) -> bool | None:
    """True for yes, False for no, None when the answer is neither (or both)."""
    rules = _rules()
    raw = [t for t in clean(text or "").split() if t != ","]
    if not raw:
        return None
    tokens = raw if _starts_any(raw, rules.yes + rules.no) else _strip_edges(raw, rules.fillers, ())
    if not tokens:
        return None

    def starts(opts: tuple[tuple[str, ...], ...], toks: list[str]) -> int:
        for opt in opts:
            if tuple(toks[: len(opt)]) == opt:
                return len(opt)
        return 0

    n_yes, n_no = starts(rules.yes, tokens), starts(rules.no, tokens)
    if n_no >= n_yes and n_no:
        rest, answer, other = tokens[n_no:], False, rules.yes
    elif n_yes:
        rest, answer, other = tokens[n_yes:], True, rules.no
    else:
        return None
    rest = _strip_edges(rest, rules.fillers, ())
    if rest and starts(other, rest) and not starts(rules.yes if answer else rules.no, rest):
        return None
    return answer


# Commands a person may say instead of a short reply ("That's a two, right?" -
# "say that again"). Without them in the reply grammar none of 140 was heard
# (Piper and four flite voices), and "stop the debrief" became "two out of
# five"; with them 138. A lone "end" (stop) was heard for "um, a four".
FOLLOW_UP_COMMANDS = ("repeat", "skip", "stop", "wait")


def reply_grammar(kind: str) -> list[str]:
    """The phrases a speech grammar allows for a short reply of `kind`
    ("number" or "yesno"): the reply's vocabulary and the follow-up commands
    (of one word, only the command's own name: "stop", not "end")."""
    commands = _rules().command_phrases
    said = [p for name in FOLLOW_UP_COMMANDS for p in commands[name] if name != "stop" or p == name or " " in p]
    return list(dict.fromkeys(reply_vocabulary(kind) + said))


def reply_vocabulary(kind: str) -> list[str]:
    """Lower-case phrases a speech grammar should allow for a short reply of `kind`
    ("number", "yesno" or "command"), from the same vocabulary the rules read."""
    rules = _rules()
    if kind == "number":
        r = rules.rating
        nums = r.grammar_numbers
        out: list[str] = []
        for n, word in enumerate(nums):
            if 1 <= n <= 5:
                out += [word, f"a {word}", f"{word} out of five"]
                if n < 5:
                    out += [f"{word} and a half", f"{word} or {nums[n + 1]}"]
            if n <= 10:
                out.append(f"{word} out of ten")
        out += [f"a {h}" for h in sorted(r.homophones)] + sorted(r.homophones)
        out += sorted(r.words)
        return list(dict.fromkeys(out))
    if kind == "yesno":
        return list(dict.fromkeys(" ".join(p) for p in rules.yes + rules.no))
    if kind == "command":
        return list(dict.fromkeys(p for name in COMMANDS for p in rules.command_phrases[name]))
    raise ValueError(f"unknown reply kind {kind!r}; use 'number', 'yesno' or 'command'")
