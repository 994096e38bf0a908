"""Reading a 1-5 rating out of a spoken or typed answer.

Pure functions over a compiled `RatingRules` (built once from prompts/rules.toml
by assistant.extract). Numbers are read with text2num (`alpha2digit`); the
vocabularies decide which numbers are ratings and which are counts or times.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from text_to_num import alpha2digit

from assistant.errors import PromptsError
from assistant.prompts import reject_unknown, require, string_list
from assistant.understanding.text import phrase_tuples

_NUM = re.compile(r"^\d+(?:\.\d+)?$")
_FRACTION = re.compile(r"^(\d+(?:\.\d+)?)/(\d+)$")
_RANGE = re.compile(r"^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$")

RATING_KEYS = {
    "nobody_after_no_one",
    "openers",
    "closing_cues",
    "topic_heads",
    "end_cues",
    "amount_before_zero",
    "count_questions",
    "particles",
    "cues",
    "clause_start",
    "units",
    "block_before",
    "plural_exceptions",
    "not_rating_phrases",
    "range_connectors",
    "half_words",
    "scale_words",
    "grammar_numbers",
    "hedges",
    "negations",
    "negated_values",
    "homophones",
    "homophones_strict",
    "homophones_before_scale",
    "words",
    "start_words",
    "pronoun_one_after",
    "not_units",
    "after_cues",
    "corrections",
    "corrections_before_number",
    "start_sounds",
    "labels",
    "soft_labels",
    "reason_starts",
    "count_verbs",
}


def phrase_regex(phrases: list[str] | set[str]) -> re.Pattern[str] | None:
    """Whole-word alternation of phrases, longest first (None when empty)."""
    items = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    if not items:
        return None
    body = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in items)
    return re.compile(rf"(?<![\w']){'(?:' + body + ')'}(?![\w'])")


@dataclass(frozen=True)
class RatingRules:
    cues: frozenset[str]
    clause_start: frozenset[str]
    strict_followers: frozenset[str]
    units: frozenset[str]
    block_before: frozenset[str]
    plural_exceptions: frozenset[str]
    not_rating: re.Pattern[str] | None
    connectors: tuple[tuple[str, ...], ...]
    halves: tuple[tuple[str, ...], ...]
    scales: tuple[tuple[str, ...], ...]
    grammar_numbers: tuple[str, ...]
    hedges: tuple[tuple[str, ...], ...]
    homophones: dict[str, float]
    homophones_before_scale: dict[str, float]
    strict: frozenset[str]
    words: dict[str, float]
    words_re: re.Pattern[str]
    negated_values: tuple[float, ...]
    start_words: frozenset[str] = frozenset()
    pronoun_one_after: frozenset[str] = frozenset()
    not_units: tuple[tuple[str, ...], ...] = ()
    after_cues: tuple[tuple[str, ...], ...] = ()
    corrections: tuple[tuple[str, ...], ...] = ()
    corrections_before_number: tuple[tuple[str, ...], ...] = ()
    start_sounds: frozenset[str] = frozenset()
    labels: frozenset[str] = frozenset()
    soft_labels: frozenset[str] = frozenset()
    reason_starts: frozenset[str] = frozenset()  # "because": a reason after a range makes it a verdict
    count_verbs: frozenset[str] = frozenset()  # "had", "saw": a range after them counts
    openers: tuple[tuple[str, ...], ...] = ()  # "okay so ...": a story opens, no verdict
    amount_before_zero: frozenset[str] = frozenset()  # "almost zero": an amount
    particles: frozenset[str] = frozenset()  # "going in": blocks no number that ends the answer
    count_questions: tuple[tuple[str, ...], ...] = ()  # "how many ... it's four": a count
    closing_cues: tuple[tuple[str, ...], ...] = ()  # "... so, three and a half.": the verdict that closes an answer
    no_one: re.Pattern[str] | None = None  # "two no one actually": a correction to 1, not "no one"
    topic_heads: tuple[tuple[str, ...], ...] = ()  # "this one, five.": the part named, then its rating
    end_cues: tuple[tuple[str, ...], ...] = ()  # "... four, like.": closes a rating only as the last word


def compile_rating(path: Path, data: dict[str, Any]) -> RatingRules:
    table = require(path, data, "rating", dict)
    reject_unknown(path, table, RATING_KEYS, "rating")

    def lst(key: str, min_items: int = 1) -> list[str]:
        return [s.strip().lower() for s in string_list(path, data, f"rating.{key}", min_items=min_items)]

    def number_table(key: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for word, value in require(path, data, f"rating.{key}", dict).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 5:
                raise PromptsError(f"{path}: 'rating.{key}.{word}' must be a number from 1 to 5.")
            out[word.lower()] = float(value)
        return out

    homophones = number_table("homophones")
    before_scale = number_table("homophones_before_scale")
    strict_table = require(path, data, "rating.homophones_strict", dict)
    reject_unknown(path, strict_table, {"words"}, "rating.homophones_strict")
    strict = frozenset(w.lower() for w in string_list(path, data, "rating.homophones_strict.words"))
    for w in strict - set(homophones):
        raise PromptsError(f"{path}: 'rating.homophones_strict.words' lists '{w}', which is not in rating.homophones.")

    words_table = require(path, data, "rating.words", dict)
    words: dict[str, float] = {}
    for phrase, value in words_table.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 5:
            raise PromptsError(f"{path}: 'rating.words.{phrase}' must be a number from 1 to 5.")
        words[" ".join(phrase.lower().split())] = float(value)
    if not words:
        raise PromptsError(f"{path}: 'rating.words' must list at least one rating word.")
    negations = lst("negations")
    neg_alt = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in sorted(negations, key=len, reverse=True))
    word_alt = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    words_re = re.compile(
        rf"(?<![\w'])(?:(?P<neg>{neg_alt})\s+(?:(?:really|that|very|too|so|a|the|all|exactly)\s+)?)?"
        rf"(?P<word>{word_alt})(?![\w'])"
    )
    negated = require(path, data, "rating.negated_values", list)
    if len(negated) != 5 or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 1 <= v <= 5 for v in negated
    ):
        raise PromptsError(f"{path}: 'rating.negated_values' must be 5 numbers from 1 to 5.")

    start_words = frozenset(" ".join(w.split()) for w in lst("start_words"))
    for w in start_words - set(words):
        raise PromptsError(f"{path}: 'rating.start_words' lists '{w}', which is not in rating.words.")
    clause_start = frozenset(lst("clause_start"))
    not_rating = phrase_regex(lst("not_rating_phrases"))

    def as_read(key: str) -> tuple[tuple[str, ...], ...]:
        """Phrases matched in an answer's tokens, in the same form: "for that one"
        is read with "that one" masked, "out of five" with the five as a digit."""
        return phrase_tuples([" ".join(_tokens(" ".join(t), not_rating)) for t in phrase_tuples(lst(key))])

    determiners = {
        "the",
        "this",
        "that",
        "my",
        "our",
        "their",
        "his",
        "her",
        "for",
        "to",
        "out",
        "at",
        "got",
        "good",
        "bad",
        "smooth",
        "easy",
        "felt",
        "went",
        "was",
        "just",
        "if",
        "even",
        "still",
        "now",
    }
    return RatingRules(
        cues=frozenset(lst("cues")),
        clause_start=clause_start,
        strict_followers=frozenset(clause_start - determiners),
        units=frozenset(lst("units")),
        block_before=frozenset(lst("block_before")),
        plural_exceptions=frozenset(lst("plural_exceptions")),
        not_rating=not_rating,
        connectors=phrase_tuples(lst("range_connectors")),
        halves=phrase_tuples(lst("half_words")),
        scales=phrase_tuples(lst("scale_words")),
        grammar_numbers=tuple(lst("grammar_numbers")),
        hedges=phrase_tuples(lst("hedges")),
        homophones=homophones,
        homophones_before_scale=before_scale,
        strict=strict,
        words=words,
        words_re=words_re,
        negated_values=tuple(float(v) for v in negated),
        start_words=start_words,
        pronoun_one_after=frozenset(lst("pronoun_one_after")),
        not_units=as_read("not_units"),
        after_cues=as_read("after_cues"),
        corrections=phrase_tuples(lst("corrections")),
        corrections_before_number=phrase_tuples(lst("corrections_before_number")),
        start_sounds=frozenset(lst("start_sounds")),
        labels=frozenset(" ".join(w.split()) for w in lst("labels")),
        soft_labels=frozenset(" ".join(w.split()) for w in lst("soft_labels")),
        reason_starts=frozenset(lst("reason_starts")),
        count_verbs=frozenset(lst("count_verbs")),
        openers=phrase_tuples(lst("openers")),
        amount_before_zero=frozenset(lst("amount_before_zero")),
        particles=frozenset(lst("particles")),
        count_questions=phrase_tuples(lst("count_questions")),
        closing_cues=phrase_tuples(lst("closing_cues")),
        topic_heads=phrase_tuples(lst("topic_heads")),
        end_cues=as_read("end_cues"),
        no_one=_no_one_pattern(
            lst("grammar_numbers"),
            set(homophones),
            lst("corrections_before_number"),
            lst("corrections"),
            lst("after_cues"),
            lst("half_words"),
            lst("nobody_after_no_one"),
        ),
    )


def _no_one_pattern(
    numbers: list[str],
    homophones: set[str],
    nos: list[str],
    corrections: list[str],
    trailers: list[str],
    halves: list[str] | None = None,
    nobody: list[str] | None = None,
) -> re.Pattern[str]:
    """ "two no one actually", "three nope one", "two no one honestly", "a two or
    no one and a half": a number corrected to one (or one and a half), which the
    not-a-rating phrase "no one" would otherwise hide. Only where the "one" ends
    the clause, alone or with a trailer ("honestly", "i think") or a half, or a
    correction word follows ("three no one was rude" stays "no one"). With a
    correction word before the "no" ("a two actually no one road works ...",
    heard for "a two, actually no, a one. roadworks ..."), any word may follow
    but one that makes it nobody (`nobody`: "two, actually no one was there")."""

    def alt(items: list[str]) -> str:
        return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(items, key=len, reverse=True))

    nums = alt([w for w in numbers[1:6]] + sorted(homophones)) + r"|[1-5](?:\.5)?"
    fixed = rf"|(?(fix)\s+(?!(?:{alt(nobody)})(?![\w']))[\w']|(?!))" if nobody else ""
    return re.compile(
        rf"(?<![\w'])(?P<num>{nums})(?:(?:\s*,)?\s+(?P<fix>{alt(corrections)}))?(?:\s*,)?\s+(?:or\s+)?(?P<no>{alt(nos)})\s+one"
        rf"(?=\s*(?:$|,|(?:{alt(corrections)})(?![\w'])|(?:{alt(trailers)})\s*(?:$|,)"
        + (rf"|(?:{alt(halves)})(?![\w'])" if halves else "")
        + ")"
        + fixed
        + ")"
    )


# ---------------------------------------------------------------- numbers


_A_SCALE_NEXT = re.compile(r"\s+(five|ten|5|10)(?![\w'])")
_OUT_OF_A_SCALE_NEXT = re.compile(r"\s+out\s+of\s+(five|ten|5|10)(?![\w'])")
_ONE = ("one", "1")


def _before_a_scale(m: re.Match[str]) -> bool:
    """A masked phrase ending in "of" before a scale: "so, one of five for that" is
    "one out of five" as a recogniser hears it, not "one of them" (a count after
    the scale, "one of five candidates", is still no rating). Or ending in "one"
    before "out of five": "so that was one on one out of five", heard for "...
    was a one. a one out of five"."""
    last = m.group(0).split()[-1]
    if last in _ONE:
        return _OUT_OF_A_SCALE_NEXT.match(m.string, m.end()) is not None
    return last == "of" and _A_SCALE_NEXT.match(m.string, m.end()) is not None


def to_digits(clean: str, rules: RatingRules, keep_phrases: bool = False) -> list[str]:
    """Tokens of a cleaned answer with number words as digits; non-rating phrases masked
    (or, with keep_phrases, left as they were said: "no one smiled", "one question")."""
    return _tokens(clean, rules.not_rating, keep_phrases)


def _tokens(clean: str, not_rating: re.Pattern[str] | None, keep_phrases: bool = False) -> list[str]:
    kept: list[str] = []
    if not_rating is not None:
        if keep_phrases:

            def hold(m: re.Match[str]) -> str:
                if _before_a_scale(m):
                    return m.group(0)
                kept.append(m.group(0))
                return f" xkept{len(kept) - 1}x "

            clean = not_rating.sub(hold, clean)
        else:
            clean = not_rating.sub(lambda m: m.group(0) if _before_a_scale(m) else " xnotrating ", clean)
    try:
        clean = alpha2digit(clean, "en", threshold=0)
    except Exception:  # pragma: no cover - text2num is robust, but never let it crash us
        pass
    if kept:
        clean = re.sub(r"xkept(\d+)x", lambda m: kept[int(m.group(1))], clean)
    return clean.split()


def _match_at(tokens: list[str], i: int, options: tuple[tuple[str, ...], ...]) -> int:
    """Length of the longest option that starts at tokens[i] (0 when none)."""
    for opt in options:
        if tuple(tokens[i : i + len(opt)]) == opt:
            return len(opt)
    return 0


def _prev_len(tokens: list[str], i: int, vocab: frozenset[str]) -> int:
    """Length of the longest phrase of `vocab` (up to 3 words) that ends just before tokens[i]."""
    for n in (3, 2, 1):
        if i - n >= 0 and " ".join(tokens[i - n : i]) in vocab:
            return n
    return 0


def _prev_in(tokens: list[str], i: int, vocab: frozenset[str]) -> bool:
    return _prev_len(tokens, i, vocab) > 0


def _blocked(tokens: list[str], i: int, rules: RatingRules, start: int = 0, j: int = 0, halved: bool = False) -> bool:
    """A word before the number makes it a count or a time ("at 2", "the 3 of us"),
    unless a longer rating cue ends there ("go with 3", "stick with 4"), or it is
    the sound a recogniser made of a filler before a rating said first ("ugh, a
    two" heard as "i'm the two") and no "of" follows (after a half, no "of" and
    a group: "oh, four and a half! found a park" heard as "all four and a half
    of the park")."""
    if i == start and start > 0 and tokens[start - 1] in rules.start_sounds:
        return j < len(tokens) and tokens[j] == "of" and (not halved or _a_group(tokens, j + 1, rules))
    if _answers_a_count_question(tokens, i, rules):
        return True
    block = _prev_len(tokens, i, rules.block_before)
    if not block:
        return False
    if block == 1 and j > i and tokens[i - 1] in rules.particles and all(t == "," for t in tokens[j:]):
        return False  # "... before going in two or three": the answer's last words, after a verb's "in"
    if any(i >= len(o) and tuple(tokens[i - len(o) : i]) == o for o in rules.corrections_before_number):
        return False  # "two no three": a correction, not "no one"
    return block >= _prev_len(tokens, i, rules.cues)


COUNT_QUESTION_REACH = 8  # words from "how many" to the number that answers it


def _answers_a_count_question(tokens: list[str], i: int, rules: RatingRules) -> bool:
    """Does the number answer a question of amount asked just before it ("i
    asked how many people report into the role, it's four")? Then it is a
    count, however it is said; not when a number after the question already
    answered it ("how long it is. six weeks. five, vinaka.")."""
    before = [t for t in tokens[max(0, i - 2 * COUNT_QUESTION_REACH) : i] if t != ","][-COUNT_QUESTION_REACH:]
    asked = [k for k in range(len(before)) if _match_at(before, k, rules.count_questions)]
    return bool(asked) and not any(_number(t) is not None for t in before[asked[-1] :])


def _start_index(tokens: list[str], rules: RatingRules, fillers: tuple[tuple[str, ...], ...]) -> int:
    i = 0
    while i < len(tokens):
        if tokens[i] == ",":
            i += 1
            continue
        n = _match_at(tokens, i, fillers) or _match_at(tokens, i, rules.hedges)
        if not n and tokens[i] in rules.start_sounds:
            j = i
            while j < len(tokens) and j - i < 3 and tokens[j] in rules.start_sounds:
                j += 1
            if _numberish(tokens, j, rules):
                n = j - i  # "i'm the two, there was ..." is "ugh, a two, there was ..." heard by a recogniser
        if not n:
            break
        i += n
    return i


def _numberish(tokens: list[str], i: int, rules: RatingRules) -> bool:
    """A number, or a word a recogniser writes for one, at tokens[i] (after an optional "a")."""
    if i < len(tokens) and tokens[i] == "a":
        i += 1
    return i < len(tokens) and (_number(tokens[i]) is not None or tokens[i] in rules.homophones)


def _at_start(tokens: list[str], i: int, start: int) -> bool:
    return i == start or (i == start + 1 and tokens[start] == "a")


def _follower_ok(tokens: list[str], j: int, vocab: frozenset[str]) -> bool:
    return j >= len(tokens) or tokens[j] == "," or tokens[j] in vocab


def _scale_follows(tokens: list[str], j: int, rules: RatingRules) -> bool:
    """ "out of five" / "out of 10" starts at tokens[j]."""
    n = _match_at(tokens, j, rules.scales)
    if not n or j + n >= len(tokens):
        return False
    s = _number(tokens[j + n])
    return s is not None and s[1] is None and s[2] is None and s[0] in (5, 10)


def resolve_homophones(tokens: list[str], rules: RatingRules, start: int) -> list[str]:
    out = list(tokens)
    for i, tok in enumerate(tokens):
        value = rules.homophones.get(tok)
        if value is None:
            value = rules.homophones_before_scale.get(tok)  # "far out of five"
            if value is None or not _scale_follows(tokens, i + 1, rules):
                continue
        prev = tokens[i - 1] if i else ""
        if _scale_follows(tokens, i + 1, rules):
            ok = True  # "for out of five", "free out of 5": a misheard number in rating position
        elif tok in rules.homophones and _match_at(tokens, i + 1, rules.halves):
            ok = True  # "for and a half": only a number takes a half
        elif _no_then_a_number(tokens, i + 1):
            ok = True  # "four, no, three" heard as "for no three": a number corrected
        elif tok in rules.homophones and _or_the_next_number(tokens, i + 1, value):
            ok = True  # "two or three" heard as "to or three": a range of two numbers side by side
        elif prev == "a":
            ok = _follower_ok(tokens, i + 1, rules.clause_start)
        elif prev == "no" and _a_number_before_no(tokens, i - 1):
            ok = True  # "three, um, no, two. the tram ..." heard as "three um no to the train": a correction
        elif _at_start(tokens, i, start) or _prev_in(tokens, i, rules.cues) or prev == ",":
            vocab = rules.strict_followers if tok in rules.strict else rules.clause_start
            ok = _follower_ok(tokens, i + 1, vocab)
            if ok and prev == "," and not _at_start(tokens, i, start):
                ok = i + 1 >= len(tokens) or tokens[i + 1] == ","
        else:
            ok = False
        if ok:
            out[i] = f"{value:g}"
    return out


def _ends_on_an_end_cue(tokens: list[str], at: int, rules: RatingRules) -> bool:
    n = _match_at(tokens, at, rules.end_cues)
    return n > 0 and all(t == "," for t in tokens[at + n :])


def _or_the_next_number(tokens: list[str], at: int, value: float) -> bool:
    """ "or" and the number one above `value` start at tokens[at] ("to or three")."""
    if tuple(tokens[at : at + 1]) != ("or",) or at + 1 >= len(tokens):
        return False
    n = _number(tokens[at + 1])
    return n is not None and n[1] is None and n[2] is None and n[0] == value + 1


def _no_then_a_number(tokens: list[str], no: int) -> bool:
    """Is a "no" at `no` followed by a number said in its place ("for no
    three" for "four, no, three")? Not "no one" (nobody: "i spoke to no one")."""
    if no + 1 >= len(tokens) or tokens[no] != "no" or tokens[no + 1] in ("one", "1"):
        return False
    return _number(tokens[no + 1]) is not None


def _a_number_before_no(tokens: list[str], no: int) -> bool:
    """Is the "no" at `no` said right after a number (fillers and a "maybe"
    may come between: "three, um, no")?"""
    m = no - 1
    while m >= 0 and tokens[m] in _BEFORE_A_NO:
        m -= 1
    return m >= 0 and _number(tokens[m]) is not None


def _number(tok: str) -> tuple[float, float | None, float | None] | None:
    """(value, scale, range_high) of a numeric token."""
    if _NUM.match(tok):
        return float(tok), None, None
    m = _FRACTION.match(tok)
    if m:
        return float(m.group(1)), float(m.group(2)), None
    m = _RANGE.match(tok)
    if m:
        return float(m.group(1)), None, float(m.group(2))
    return None


# Units that are prepositions ("three on the panel") make no count after a
# number with its scale: "four out of five on that one" is a rating.
_SCALED_LINKS = frozenset({"on", "in"})
# After a number with a half, "of" makes a count only before a group ("two and a
# half of them", "of the questions").
_OF_A_GROUP = frozenset({"them", "us", "you"})
_OF_THE = frozenset({"those", "these", "the", "our", "their"})  # a group when what follows is one


def _a_group(tokens: list[str], j: int, rules: RatingRules) -> bool:
    """True when tokens[j:] name a group after "of": "them", or "the" and a
    plural ("of the questions"), not "of the park"."""
    if j >= len(tokens):
        return False
    if tokens[j] in _OF_A_GROUP:
        return True
    return tokens[j] in _OF_THE and j + 1 < len(tokens) and _countable(tokens, j + 1, rules)


def _countable(tokens: list[str], j: int, rules: RatingRules, scaled: bool = False, halved: bool = False) -> bool:
    """True when tokens[j] makes the number before it a count ("two questions");
    `scaled`: the number came with its scale or a half ("four out of five",
    "three and a half"), so "on" and "in" after it do not make it a count
    ("three and a half on the day" is a rating; "three on the panel" a count);
    `halved`: with a half, "of" is no count either unless a group follows
    ("three and a half of that" is "... for that bit" heard by a recogniser;
    "two and a half of them" a count)."""
    if j >= len(tokens):
        return False
    if _match_at(tokens, j, rules.not_units):
        return False  # "four on time", "three at best", "two in the end"
    word = tokens[j]
    if scaled and word in _SCALED_LINKS:
        return False
    if halved and word == "of" and not _a_group(tokens, j + 1, rules):
        return False  # "three and a half of that", "four and a half of the park": a recogniser's words after a rating
    if word in rules.units:
        return True
    if word.endswith("ous"):
        return _countable(tokens, j + 1, rules)  # an adjective: "three nervous candidates", not "three serious type"
    return (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith("ss")
        and word not in rules.plural_exceptions
        and word not in rules.clause_start
    )


_SAYING = frozenset(
    {
        "say",
        "said",
        "think",
        "guess",
        "suppose",
        "reckon",
        "give",
        "gave",
        "rate",
        "rated",
        "go",
        "put",
        "call",
        "imagine",
        "mean",
        "believe",
        "would",
        "feel",
        "felt",
    }
)


# The words before "<adjective> one" that make the "one" a pronoun ("a good one").
_ONE_AFTER = frozenset({"a", "an", "the", "that", "this", "another", "every", "each"})


def _pronoun_one(
    tokens: list[str],
    i: int,
    j: int,
    value: float,
    high: float | None,
    scale: float | None,
    start: int,
    rules: RatingRules,
) -> bool:
    """ "one" as a pronoun ("every question was one i'd practised"), not a rating of 1."""
    if value != 1 or high is not None or scale is not None or _at_start(tokens, i, start):
        return False
    if j < len(tokens) and any(i >= n and tokens[i - n] == "the" and "," not in tokens[i - n : i] for n in (2, 3)):
        return True  # "the child protection one, what would you do": a pronoun after its noun (not "... clause. one.")
    before = tokens[i - 1] if i else ""
    if i >= 2 and tokens[i - 2] in _ONE_AFTER and before not in (",", "a", "an") and _number(before) is None:
        return True  # "it was a tricky one", "the blue one": a pronoun after its adjective (not "a one")
    if j >= len(tokens) or tokens[j] not in rules.pronoun_one_after:
        return False
    return j + 1 < len(tokens) and tokens[j + 1] not in _SAYING and tokens[j + 1] != ","


def _read_value(tokens: list[str], i: int, rules: RatingRules) -> tuple[float, int] | None:
    """A plain value (with 'and a half') at tokens[i]; returns (value, next index)."""
    if i < len(tokens) and tokens[i] == "a":
        i += 1
    num = _number(tokens[i]) if i < len(tokens) else None
    if num is None or num[1] is not None or num[2] is not None:
        return None
    value, j = num[0], i + 1
    n = _match_at(tokens, j, rules.halves)
    if n:
        value, j = value + 0.5, j + n
    return value, j


def _after_correction(tokens: list[str], i: int, rules: RatingRules) -> bool:
    """A correction ends just before the number (allowing "a"): "no wait three", "actually a two"."""
    k = i - 1 if i and tokens[i - 1] == "a" else i
    return any(
        k >= len(o) and tuple(tokens[k - len(o) : k]) == o for o in rules.corrections + rules.corrections_before_number
    )


def _labelled(tokens: list[str], i: int, rules: RatingRules) -> bool:
    """A label ("rating", "score") comes just before the number, maybe across a pause or "a";
    or one ending in "a" ("give it a") comes right before it (not "give it to")."""
    if _prev_in(tokens, i, rules.labels):
        return True
    k = i
    while k and tokens[k - 1] in (",", "a", "is", "was", "of"):
        k -= 1
    return k < i and _prev_in(tokens, k, rules.labels)


def _after_cue(tokens: list[str], j: int, rules: RatingRules) -> bool:
    """A rating trailer ends the clause after the number: "... three i suppose", "four overall";
    an end cue ends the answer: "... four, like.", "... five again"."""
    if _ends_on_an_end_cue(tokens, j, rules):
        return True
    n = _match_at(tokens, j, rules.after_cues)
    if not n:
        return False
    k = j + n
    return k >= len(tokens) or tokens[k] == "," or tokens[k] in rules.clause_start


def _a_reason_after(tokens: list[str], i: int, j: int, rules: RatingRules) -> bool:
    """A reason starts right after the number ("... two or three 'cause i ain't love that"),
    and no verb of having or seeing comes before it ("we had two or three because ...")."""
    return j < len(tokens) and tokens[j] in rules.reason_starts and not (i and tokens[i - 1] in rules.count_verbs)


def _in_a_code(tokens: list[str], i: int) -> bool:
    """Is tokens[i] in a run of three or more single digits, one of them no
    rating ("a 8 3 5"; not "five, five, five" heard as "5 5 5 3")?"""

    def digit(k: int) -> bool:
        return 0 <= k < len(tokens) and len(tokens[k]) == 1 and tokens[k].isdigit()

    if not digit(i):
        return False
    lo, hi = i, i
    while digit(lo - 1):
        lo -= 1
    while digit(hi + 1):
        hi += 1
    return hi - lo >= 2 and any(not 1 <= int(tokens[k]) <= 5 for k in range(lo, hi + 1))


def _candidates(tokens: list[str], rules: RatingRules, start: int) -> list[tuple[int, int, float, int]]:
    """(strength, index, value, end index) of each number said as a rating."""
    found: list[tuple[int, int, float, int]] = []
    i = 0
    while i < len(tokens):
        num = _number(tokens[i])
        if num is None:
            i += 1
            continue
        value, scale, high = num
        j = i + 1
        halved = False
        ranged = False  # "two or three": a range said with its connector
        if high is None and scale is None:
            n = _match_at(tokens, j, rules.halves)
            if n:
                value, j, halved = value + 0.5, j + n, True
            n = _match_at(tokens, j, rules.connectors)
            if not n and j < len(tokens) and _number(tokens[j]) is not None:
                n = 0
                second = _read_value(tokens, j, rules)
                if second is not None and second[0] == value + 0.5 and second[0] <= 5:
                    value, j, halved = second[0], second[1], True  # "four four and a half": the number refined
                elif second is not None and value < second[0] <= min(5, value + 1):
                    high, j = second  # "two three", not "one five": a range said bare spans a point
            elif n and not (tokens[j] == "and" and "between" not in tokens[max(0, i - 2) : i]):
                second = _read_value(tokens, j + n, rules)
                if second is not None and tokens[j] == "to" and second[0] < value:
                    i = second[1]  # "ten to nine", "five to four": a time, not a range
                    continue
                if second is not None and second[0] <= 5 and abs(second[0] - value) == 0.5:
                    # half a point apart is no range (its middle is no rating) but the
                    # number refined: "three maybe two and a half" is a 2.5
                    value, j, halved = second[0], second[1], True  # a rating by its shape, as a range is
                elif second is not None and second[0] <= 10 and abs(second[0] - value) <= 3:
                    high, j = second
                    ranged = True
        if scale is None:
            n = _match_at(tokens, j, rules.scales)
            if n and j + n < len(tokens):
                s = _number(tokens[j + n])
                if s is not None and s[1] is None and s[2] is None and s[0] in (5, 10, 100, 20):
                    scale, j = s[0], j + n + 1
        if high is not None:
            if value > 10 or high > 10:
                i = j
                continue
            value = (value + high) / 2
        nxt = i + 1
        strength = 0
        if _pronoun_one(tokens, i, j, value, high, scale, start, rules):
            strength = -1
        elif _in_a_code(tokens, i):
            strength = -1  # a road or a code read out digit by digit: "the a eight three five"
        elif _countable(tokens, j, rules, scaled=scale is not None or halved, halved=halved) or (
            scale is None
            # "... she seemed to like the three and a half", "... showed them the rota and all four and a half easy"
            and not (halved and (_follower_ok(tokens, j, rules.clause_start) or _after_cue(tokens, j, rules)))
            and _blocked(tokens, i, rules, start, j, halved)
        ):
            strength = -1  # a count or a time; but "for four out of five" is a rating by its shape
        elif scale is not None:
            strength = 4 if scale > 0 else -1
            value = value * 5 / scale if scale else value
        elif value > 10:
            strength = -1
        else:
            if _labelled(tokens, i, rules):
                strength = 5  # "rating... 2": the number named as the rating
            elif _at_start(tokens, i, start):
                strength = 3
            elif _prev_in(tokens, i, rules.soft_labels):
                strength = 2  # "so i'd say a three oh boy ...": named the rating, whatever follows
            elif _prev_in(tokens, i, rules.cues) and (
                _follower_ok(tokens, j, rules.clause_start) or _match_at(tokens, j, rules.not_units)
            ):
                strength = 2
            elif _after_cue(tokens, j, rules):
                strength = 2
            elif (
                (found or (i >= 2 and _number(tokens[i - 2]) is not None))
                and _after_correction(tokens, i, rules)
                and _follower_ok(tokens, j, rules.clause_start)
            ):
                strength = 2  # "two no wait three they were nice", "i got the three no two and a half"
            elif halved and _after_correction(tokens, i, rules):
                strength = 2  # "... four. or, no, three and a half, because ...": only a rating takes a half
            elif halved and all(t == "," for t in tokens[j:]):
                strength = 2  # a half said last: only a rating takes a half, and it is the last word on the stage
            elif (i and tokens[i - 1] == ",") or j >= len(tokens) or tokens[j] == ",":
                strength = 1
            elif i and tokens[i - 1] in rules.words and _follower_ok(tokens, j, rules.clause_start):
                strength = 1  # "it was fine three but ..." -- the number after a verdict word
            elif halved:
                strength = 1  # "less and less one and a half fun being kind": only a rating takes a half
            elif ranged and _a_reason_after(tokens, i, j, rules):
                strength = 1  # "some sundays two or three cause i ain't love that": a verdict, then its reason
            if value > 5:
                strength = strength if strength >= 2 else -1
                value = value / 2
            if value == 0 and not (_follower_ok(tokens, j, rules.clause_start) or (i and tokens[i - 1] == "a")):
                strength = -1
            elif value == 0 and _prev_in(tokens, i, rules.amount_before_zero):
                strength = -1  # "the failures down from two percent to almost zero.": an amount, not a rating
        if strength > 0:
            found.append((strength, i, value, j))
            nxt = j
        elif high is not None:
            nxt = j  # a range that counts or times ("at two or three") is no rating at either end
        i = max(nxt, i + 1)
    return found


def round_half(value: float) -> float:
    value = min(5.0, max(1.0, value))
    return math.floor(value * 2 + 0.5) / 2


_CORRECTION_REACH = 5  # words between a correction ("actually", "more like") and the number it brings
_FILLED = frozenset({",", "um", "uh", "hmm", "well"})  # a pause, filled or not
_BEFORE_A_NO = _FILLED | {"maybe"}  # may come between a number and the "no" that corrects it


def _corrected(tokens: list[str], found: list[tuple[int, int, float, int]], rules: RatingRules) -> int | None:
    """Index in `found` of the last rating said as a correction of an earlier one:
    "a three no actually more like a two", "a four maybe a three actually no i'll
    stick with four". The last number wins a self-correction."""
    last = None
    for k in range(1, len(found)):
        i, prev_end = found[k][1], found[k - 1][3]
        lo = max(prev_end, i - _CORRECTION_REACH)
        said = any(_match_at(tokens, m, rules.corrections) for m in range(lo, i))
        if not said:
            # "two no three", "a four, no, a three": a bare "no" right before the number
            m = i - 1
            while m > prev_end and tokens[m] in (",", "a"):
                m -= 1
            said = any(
                m - len(opt) + 1 >= prev_end and tuple(tokens[m - len(opt) + 1 : m + 1]) == opt
                for opt in rules.corrections_before_number
            )
        if not said:
            # "two. no, probably a one and a half", "one, maybe. no, let's be kind, one and a half":
            # a bare "no" right after the earlier number (and a hedge)
            m = prev_end
            while m < i and tokens[m] in _BEFORE_A_NO:
                m += 1
            words_between = sum(1 for t in tokens[m:i] if t != ",")
            said = words_between <= _CORRECTION_REACH and _match_at(tokens, m, rules.corrections_before_number) > 0
        if not said:
            # "hmm, four. four and a half": the number said again with a half refines it
            # ("three, or three and a half" is a range)
            said = found[k][2] == found[k - 1][2] + 0.5 and all(t in _FILLED for t in tokens[prev_end:i])
        if not said:
            # "four and a half, maybe five. four and a half.": a number said earlier
            # (alone or as one end of a range) and again to end the answer, after
            # another one, is where the person settled
            said = (
                all(t == "," for t in tokens[found[k][3] :])
                and found[k - 1][2] != found[k][2]
                and any(found[k][2] in _values(tokens, c, rules) for c in found[:k])
            )
        if said:
            last = k
    return last


def _values(tokens: list[str], c: tuple[int, int, float, int], rules: RatingRules) -> set[float]:
    """The values rating `c` says: its own, and each number of a range ("four and
    a half maybe five" says 4.5 and 5)."""
    return {c[2]} | {v[0] for i in range(c[1], c[3]) if (v := _read_value(tokens, i, rules))}


def number_rating(tokens: list[str], rules: RatingRules, fillers: tuple[tuple[str, ...], ...]) -> float | None:
    start = _start_index(tokens, rules, fillers)
    heard = tokens
    tokens = resolve_homophones(tokens, rules, start)
    found = _candidates(tokens, rules, start)
    if not found:
        return None
    k = _corrected(tokens, found, rules)
    if k is not None:
        # a verdict given after the correction settles it again: "three. no, four, ... so call it three and a half"
        k = max([m for m in range(k + 1, len(found)) if found[m][0] >= 2], default=k)
    best = found[k] if k is not None else max(found, key=lambda c: (c[0], -c[1]))
    if k is None and best[0] == 3 and _closes(tokens, found[-1], rules) and heard[found[-1][1]] not in rules.homophones:
        # "four. i shared the case of ... i lost them a bit. so, three point five." (a
        # number said, not a word that sounds like one: "... i'd give it to" is no 2)
        best = found[-1]
    elif (
        k is None
        and best[0] == found[-1][0]
        and (best[0] == 2 or best[0] == 1 and best[2] == 1 and not _at_start(tokens, best[1], start))
        and _ends_answer(tokens, found[-1], rules)
    ):
        # as strong, and the answer's last word: "... walked up a one for ... i'd say three";
        # at the weakest, over a bare "one" inside a sentence, a pronoun: "i've built one, but ... one and a half."
        best = found[-1]
    return round_half(best[2])


def _ends_answer(tokens: list[str], c: tuple[int, int, float, int], rules: RatingRules) -> bool:
    """Is rating `c` the answer's last word, but for a trailer ("... four ish",
    "... a three i think")?"""
    rest = tuple(t for t in tokens[c[3] :] if t != ",")
    return not rest or rest in rules.after_cues or rest in rules.end_cues


def _closes(tokens: list[str], c: tuple[int, int, float, int], rules: RatingRules) -> bool:
    """Does rating `c` end the answer after a closing cue ("... so, three and
    a half.", "... so yeah, overall a two")? Then it is the person's last word
    on the stage, and it beats a rating said first."""
    if any(t != "," for t in tokens[c[3] :]):
        return False
    k = c[1] - (1 if c[1] and tokens[c[1] - 1] == "a" else 0)
    before = [t for t in tokens[:k] if t != ","]
    return any(len(before) > len(o) and tuple(before[-len(o) :]) == o for o in rules.closing_cues)


def _front(text: str, rules: RatingRules, fillers: tuple[tuple[str, ...], ...]) -> int:
    """Character offset where the answer starts once fillers and hedges are skipped."""
    tokens = text.split()
    i = _start_index(tokens, rules, fillers)
    return len(" ".join(tokens[:i])) + (1 if i else 0)


# The words before a verdict that make it a relative clause about a thing:
# "which is fine", "which was a bit annoying", "a scheme that sounded good".
_RELATIVE_VERDICT = re.compile(
    r"(?:(?<![\w'])which|(?<=[a-z] )(?<!and )(?<!but )(?<!so )(?<!think )(?<!thought )(?<!say )(?<!said )"
    r"(?<!guess )(?<!reckon )(?<!felt )(?<!feel )that(?= (?:sounded|sounds|seemed|seems|looked|looks) ))"
    r" (?:(?:is|was|'s|sounded|sounds|seemed|seems|looked|looks|felt|feels"
    r"|really|very|pretty|quite|so|all|a bit|kind of) ){1,3}$"
)


def _opens_a_story(text: str, at: int, rules: RatingRules, fillers: tuple[tuple[str, ...], ...]) -> bool:
    """An opener ("okay so") starts at character `at`, after nothing but fillers ("oh god, okay. so i got off ...")."""
    before = [w for w in text[:at].split() if w != ","]
    i = 0
    while i < len(before):
        n = _match_at(before, i, fillers)
        if not n:
            return False
        i += n
    return _match_at([w for w in text[at:].split() if w != ","], 0, rules.openers) > 0


def word_rating(clean: str, rules: RatingRules, fillers: tuple[tuple[str, ...], ...] = ()) -> float | None:
    """The first rating word said as a verdict ("it was rough, ..."), not before a noun ("a good story").
    A few verdicts ("a disaster", "gutted") count at the start of an answer whatever follows."""
    text = " ".join(clean.replace(",", " , ").split())
    front = _front(text, rules, fillers) if rules.start_words else -1
    for m in rules.words_re.finditer(text):
        if _RELATIVE_VERDICT.search(text, 0, m.start()):
            continue  # "a scheme that sounded good", "which is fine": a verdict on a thing, not the stage
        if m.start() <= front and _opens_a_story(text, m.start(), rules, fillers):
            continue  # "oh god. okay. so i got off at the wrong stop": a story opens, no verdict
        after = text[m.end() :].split(maxsplit=1)
        word = " ".join(m.group("word").split())
        at_front = m.start() == front and not m.group("neg") and word in rules.start_words
        if after and after[0] != "," and after[0] not in rules.clause_start and not at_front:
            continue
        value = rules.words[word]
        if m.group("neg"):
            value = rules.negated_values[int(round(value)) - 1] if value == int(value) else 6 - value
        return round_half(value)
    return None


def _one_corrected(m: re.Match[str], rules: RatingRules) -> str:
    """ "two no one" as a number corrected to 1. A homophone that is a common
    word ("to", "for") counts only where a rating can start: the start of the
    answer or after a pause ("um, to no one"), not "i talked to no one"."""
    num = m.group("num")
    if num in rules.strict:
        before = m.string[: m.start()].split()
        if before and before[-1] not in _FILLED and not before[-1].endswith((",", ".", ";", ":", "?", "!")):
            return m.group(0)
    if not m.group("fix"):
        return f"{num} {m.group('no')} 1"
    # corrected, then a new clause: "a two actually no one road works ..."
    pause = "" if re.match(r"\s*(?:$|,|and\b)", m.string[m.end() :]) else " ,"
    return f"{num} {m.group('fix')} {m.group('no')} 1{pause}"


def _without_topic(clean: str, rules: RatingRules, fillers: tuple[tuple[str, ...], ...]) -> str:
    """The answer without the part it names first when a number follows: "this
    one, five. i told them ..." (heard without its comma, "this one five i told
    them") rates the part with its number said first."""
    tokens = clean.split()
    i = 0
    while i < len(tokens) and (tokens[i] == "," or (n := _match_at(tokens, i, fillers))):
        i += 1 if tokens[i] == "," else n
    n = _match_at(tokens, i, rules.topic_heads)
    if not n:
        return clean
    k = i + n
    while k < len(tokens) and tokens[k] in (",", "a"):
        k += 1
    if k >= len(tokens) or (tokens[k] not in rules.grammar_numbers and tokens[k] not in rules.homophones):
        return clean
    return " ".join(tokens[:i] + tokens[i + n :])


def rating_and_source(
    clean: str, rules: RatingRules, fillers: tuple[tuple[str, ...], ...]
) -> tuple[float | None, bool]:
    """(the rating, whether it was a number said): a number ("a four", "seven
    out of ten") wins; a verdict word ("terrible", "fine") only fills in."""
    if rules.no_one is not None:
        clean = rules.no_one.sub(lambda m: _one_corrected(m, rules), clean)
    value = number_rating(to_digits(_without_topic(clean, rules, fillers), rules), rules, fillers)
    if value is not None:
        return value, True
    return word_rating(clean, rules, fillers), False
