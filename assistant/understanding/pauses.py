"""Has a spoken answer ended? What the words so far say about a pause.

`answer_state(text, rated)` reads the transcript at a pause:
- "unfinished": the last word leaves the thought open (a conjunction, a
  filler, an article, "i", "was" ...) or the answer is only a rating so far;
- "closed": a rated answer that ends on its rating after a clause ("... we
  had a laugh about that. i'd say a four"): the rating given last, as a
  verdict, closes the answer; but not after a short clause ("so i think
  this went well, honestly, i'd give it a four."): that is the rating said
  first, and what happened is still to come (it is "finished");
- "finished": a rated answer with a rating and a complete clause, or an
  unrated one (the improvement, the win) with a complete clause;
- "unrated": a rated answer with a clause but no number yet: the rating is
  still to come ("... took me ages. | two."). A verdict word is no number
  here: "okay, that was better. | i talked about the trial ..." goes on;
- "telling": a long answer with its rating, a story being told, finished or
  not: people stop to think between its sentences;
- "open": anything else (very few words).
The listener (speech_in/listen.py) waits least after "closed", then after
"finished", and also less after "telling" once the person has shown they
talk in one go.
The word lists are data in prompts/pauses.toml, validated on load.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from assistant.errors import PromptsError
from assistant.prompts import load_toml, reject_unknown, require, string_list
from assistant.understanding.extract import extract, rating_rules
from assistant.understanding.text import clean, phrase_tuples

UNFINISHED, OPEN, FINISHED, TELLING = "unfinished", "open", "finished", "telling"
UNRATED, CLOSED = "unrated", "closed"


@dataclass(frozen=True)
class PauseRules:
    clause_words: int
    story_words: int
    closing_words: int
    unfinished_last: tuple[tuple[str, ...], ...]
    rating_words: frozenset[str]
    rating_sounds: frozenset[str]
    leading_sounds: frozenset[str]
    closing_hedges: frozenset[str]
    carries_on: tuple[tuple[str, ...], ...] = ()
    carries_on_after: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=1)
def pause_rules() -> PauseRules:
    path, data = load_toml("pauses.toml")
    keys = {
        "clause_words",
        "story_words",
        "closing_words",
        "unfinished_last",
        "rating_words",
        "rating_sounds",
        "leading_sounds",
        "closing_hedges",
        "carries_on",
        "carries_on_after",
    }
    reject_unknown(path, data, keys)
    clause_words = require(path, data, "clause_words", int)
    if isinstance(clause_words, bool) or not 1 <= clause_words <= 10:
        raise PromptsError(f"{path}: 'clause_words' must be a whole number from 1 to 10.")
    story_words = require(path, data, "story_words", int)
    if isinstance(story_words, bool) or not clause_words < story_words <= 200:
        raise PromptsError(f"{path}: 'story_words' must be a whole number above clause_words, up to 200.")
    closing_words = require(path, data, "closing_words", int)
    if isinstance(closing_words, bool) or not clause_words < closing_words <= story_words:
        raise PromptsError(f"{path}: 'closing_words' must be a whole number above clause_words, up to story_words.")
    return PauseRules(
        clause_words=clause_words,
        story_words=story_words,
        closing_words=closing_words,
        unfinished_last=phrase_tuples(string_list(path, data, "unfinished_last")),
        rating_words=frozenset(w for p in phrase_tuples(string_list(path, data, "rating_words")) for w in p),
        rating_sounds=frozenset(w for p in phrase_tuples(string_list(path, data, "rating_sounds")) for w in p),
        leading_sounds=frozenset(w for p in phrase_tuples(string_list(path, data, "leading_sounds")) for w in p),
        closing_hedges=frozenset(w for p in phrase_tuples(string_list(path, data, "closing_hedges")) for w in p),
        carries_on=phrase_tuples(string_list(path, data, "carries_on")),
        carries_on_after=frozenset(w for p in phrase_tuples(string_list(path, data, "carries_on_after")) for w in p),
    )


def carries_on(text: str) -> bool:
    """Does an answer start as the rest of the last one ("and the hiring
    manager unmuted ...", "um, but then ...")? (`carries_on` in
    prompts/pauses.toml.)"""
    rules = pause_rules()
    words = [w for w in clean(text or "").split() if w != ","]
    i = 0
    while i < len(words) and words[i] in rules.carries_on_after:
        i += 1
    return any(tuple(words[i : i + len(p)]) == p for p in rules.carries_on)


def _sounds_like_a_rating_first(words: list[str], rules: PauseRules) -> bool:
    """ "to the bus was late" (for "two, the bus ..."): a number's sound first."""
    i = 0
    while i < len(words) - 1 and words[i] in rules.leading_sounds:
        i += 1
    return i < len(words) and words[i] in rules.rating_sounds


def _a_stray_one_last(words: list[str], rules: PauseRules) -> bool:
    """Does a long answer's only rating come from a bare "one" last, after a
    word that is no rating word ("... they put me on sauce for ninety cover
    one")? "One" is the word a recogniser most often writes for a word it
    did not catch, so that is no verdict to end the answer on; "... so one",
    "... a one", "... i'd say one" are."""
    return (
        len(words) >= rules.closing_words
        and words[-1] == "one"
        and words[-2] not in rules.rating_words
        and extract(" ".join(words[:-1]), "stage").rating is None
    )


def _ends_open(words: list[str], rules: PauseRules) -> bool:
    if len(words) >= 2 and words[-1] in rules.closing_hedges:
        if words[-2] == "half" or words[-2] in rating_rules().grammar_numbers:
            return False  # "two, maybe", "three and a half, maybe": a hedge on a rating closes it
    return any(len(words) >= len(p) and tuple(words[-len(p) :]) == p for p in rules.unfinished_last)


def _ends_on_its_rating(words: list[str], rules: PauseRules, rating: float) -> bool:
    """The words after the last clause are the answer's rating ("... i'd say a
    four", "... four out of five", "... two, maybe", "... for and a half"): its
    rating words and numbers read as the same rating the whole answer gives (so "the first
    one" or "year three" after an earlier "two" is no verdict). Not after
    fewer than `closing_words` words ("so i think this went well, honestly,
    i'd give it a four. | i talked through ..."): that is a rating said
    first, and what happened is still to come."""
    numbers = rating_rules().grammar_numbers
    i = len(words)
    while i > 0 and (words[i - 1] in rules.rating_words or words[i - 1] in numbers):
        i -= 1
    tail = words[i:]

    def said(part: list[str]) -> bool:
        return any(w in numbers for w in part) or ("half" in part and any(w in rules.rating_sounds for w in part))

    said_at = next((k for k in range(i, len(words)) if words[k] in numbers), len(words))
    if said_at < rules.closing_words:
        return False
    # from the longest tail to the shortest: "seemed to like the three and a half" is
    # read from "like", not as "to" (a two) said first
    return any(said(tail[k:]) and extract(" ".join(tail[k:]), "stage").rating == rating for k in range(len(tail)))


def answer_state(text: str, rated: bool) -> str:
    """ "unfinished", "unrated", "telling", "open", "finished" or "closed" (see
    the module docs)."""
    rules = pause_rules()
    words = [w for w in clean(text).split() if w != ","]
    if not words or _ends_open(words, rules):
        return UNFINISHED
    found = extract(" ".join(words), "stage") if rated else None
    # a number said, not a verdict word: "okay, that was better. | i talked about ..." has its rating to come
    rating = found.rating if found is not None and found.rating_said else None
    if rating == 1 and _a_stray_one_last(words, rules):
        rating = None  # "... for a ninety cover lunch, |" heard as "... for ninety cover one"
    has_rating = rated and (rating is not None or _sounds_like_a_rating_first(words, rules))
    # a letter alone ("five b c five": road noise heard as letters) is no word of a clause
    content = [w for w in words if len(w) > 1 or w in ("a", "i")]
    if rated:
        content = [w for w in content if w not in rules.rating_words and not w.replace(".", "").isdigit()]
    if has_rating and not content:
        return UNFINISHED  # only a rating so far: "what happened" is still to come
    if rated and not has_rating and content:
        return UNRATED  # however few its words: "okay, that was better. | i talked about ..."
    if len(content) < rules.clause_words:
        return OPEN
    if rating is not None and _ends_on_its_rating(words, rules, rating):
        return CLOSED
    if len(words) >= rules.story_words:
        return TELLING
    return FINISHED
