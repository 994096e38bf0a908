"""A second pass over an answer's audio that listens only for a spoken rating.

The free-speech decoder loses short number words inside sentences ("i would
say a two" comes back as "i would say give"), so a rating said in passing
never reaches the rules. The number pass runs a keyword spotter for rating
phrases ("a two", "four out of five", "three and a half", ...) on a second
decoder, fed the same 16 kHz chunks at the same time as the free one. A
phrase it spots is put in place of the free words it overlaps in time, and
the rules read the rating from that text, so counts and times ("three
people", "at ten") are turned down exactly as in a transcript.

Interface (see make_rating_pass):
    rp = make_rating_pass(recognizer)   # None when the engine needs none
    rp.reset()                          # before an answer
    rp.accept(chunk)                    # every chunk the recogniser gets
    rp.finish() -> float | None
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

from assistant.interfaces import UNK, AudioChunk
from assistant.speech_in.vocabulary import speech_words
from assistant.understanding.extract import extract, rating_rules, reply_vocabulary
from assistant.understanding.text import contains_phrase

SURE_PROB = 0.95  # a spotted rating this clear needs no confirming
# A spotted "one" is taken only this clear (see PocketsphinxRatingPass._min_prob).
# Of the ratings of one that only the pass heard in the speech sets (dev,
# held-out 9-11, four conditions), 4 of 16 were right; of those below 0.87,
# 2 of 10.
ONE_MIN_PROB = 0.87


class RatingPass(Protocol):
    @property
    def text(self) -> str: ...  # the transcript with the spotted phrase in place (for checking)

    @property
    def sure(self) -> bool: ...  # the last rating found was clear (no need to confirm it)

    @property
    def adds(self) -> bool: ...  # the last reading keeps the transcript's numbers and adds the rating after them

    def accept(self, chunk: AudioChunk) -> None: ...
    def peek(self) -> str: ...  # the answer so far as the pass reads it, with its rating in place ("" if none yet)
    def finish(self) -> float | None: ...
    def reset(self) -> None: ...


def rating_phrases() -> list[str]:
    """Spoken rating phrases from the rules' vocabulary: the numbers (with "a",
    "out of five/ten", halves and ranges), without homophones or rating words
    (the free transcript carries those well)."""
    rules_numbers = reply_vocabulary("number")
    r = rating_rules()  # the same compiled rules the transcript uses
    numbers = set(r.grammar_numbers)
    keep = []
    for ph in rules_numbers:
        words = ph.split()
        if not any(w in numbers for w in words):
            continue  # a rating word ("great") or a homophone ("to")
        if any(w not in numbers and w not in {"a", "out", "of", "and", "half", "or", "five", "ten"} for w in words):
            continue
        keep.append(ph)
    return keep


class PocketsphinxRatingPass:
    """Keyword spotting for rating phrases on a second pocketsphinx Decoder,
    run on the same chunks as the free decoder. A phrase the spotter finds is
    put in place of the free words it overlaps in time, and the rules read the
    result: "i would say give the traffic" becomes "i would say a two the
    traffic" (a rating), "there were tree people" becomes "there were three
    people" (a count, no rating)."""

    def __init__(
        self,
        free=None,
        *,
        threshold: float = 1e-20,
        min_prob: float = 0.85,
        min_prob_long: float = 0.82,
        phrases: list[str] | None = None,
        hmm: str | None = None,
    ):
        from pocketsphinx import Decoder

        from assistant.speech_in.recognizer import TOPN

        kw = {"loglevel": "FATAL", "lm": None, "topn": TOPN}
        if hmm:
            kw["hmm"] = hmm
        self._d = Decoder(**kw)
        self.free = free  # the free PocketsphinxRecognizer (for its word times)
        self.min_prob = min_prob
        self.min_prob_long = min_prob_long
        self.phrases = [p for p in (phrases or rating_phrases()) if all(self._known(w) for w in p.split())]
        self.keyphrases = "".join(f"{p} /{threshold:.0e}/\n" for p in self.phrases)
        self._add_kws_file()
        self._d.activate_search("ratingpass")
        self._in_utt = False
        self.text = ""
        self.sure = False
        self.adds = False
        self.candidates: list[tuple[str, int, int, float]] = []
        self.readings: list[Reading] = []  # every reading the last `_best` kept
        self._phone_cache: dict[str, list[tuple[str, ...]]] = {}

    def _add_kws_file(self) -> None:
        import os
        import tempfile

        fd, path = tempfile.mkstemp(suffix=".kws")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(self.keyphrases)
            self._d.add_kws("ratingpass", path)
        finally:
            os.unlink(path)

    def _known(self, w: str) -> bool:
        return self._d.lookup_word(w) is not None

    def _phones(self, w: str) -> list[tuple[str, ...]]:
        """Every pronunciation the dictionary has for `w` ("to": T UW, T IH, T AH)."""
        if w not in self._phone_cache:
            found = []
            for variant in [w] + [f"{w}({i})" for i in range(2, 10)]:
                ph = self._d.lookup_word(variant)
                if ph is None:
                    break
                found.append(tuple(ph.split()))
            self._phone_cache[w] = found
        return self._phone_cache[w]

    def accept(self, chunk: AudioChunk) -> None:
        if not self._in_utt:
            self._d.start_utt()
            self._in_utt = True
        if chunk.audio:
            self._d.process_raw(chunk.audio, False, False)

    def _end(self) -> list[tuple[str, int, int, float]]:
        if not self._in_utt:
            return []
        self._d.end_utt()
        self._in_utt = False
        return self._spotted()

    def _spotted(self) -> list[tuple[str, int, int, float]]:
        """The phrases spotted so far: (phrase, start frame, end frame, probability)."""
        return [(s.word.strip(), s.start_frame, s.end_frame, s.prob) for s in (self._d.seg() or []) if s.word.strip()]

    def free_words(self) -> list[tuple[str, int, int]] | None:
        if self.free is None:
            return None
        try:
            return self.free.word_times()
        except Exception:
            return None

    def peek(self) -> str:
        """The answer so far as finish() would read it if it ended now: the free
        words with the spotted rating in place, or "" when nothing spotted yet
        is a rating. The utterance goes on. Asked at a pause, once the free
        decoder has settled its words there (segment()), so the pause rules
        know a rating the transcript lost is already said ("... so i'd say
        give" read as "... so i'd say a four"). Not a number read first over
        a word unlike it ("so they had me teach ..." read as "two they had me
        ..."), nor one read last over such a word without a rating cue before
        it ("... forty temps in a month, | and ..." heard as "... and a lot",
        read as "... and a one"), nor one split from the head of the last
        word ("... the dean was very formal, | but ..." read as "... very a
        four": the rest of "formal" came after it). The first word and the
        word before the pause are where the spotter finds one most easily, and
        a story read as finished or closed ends at the pause."""
        if not self._in_utt:
            return ""
        best = self._best(self._spotted())
        if best is None:
            return ""
        if not best.sounds_like and said_first(best.text, best.phrase, best.at):
            return ""
        if best.at_end and (best.rest_after or not (best.sounds_like or after_a_cue(best.text.split()[: best.at]))):
            return ""
        return best.text

    def finish(self) -> float | None:
        self.candidates = self._end()
        best = self._best(self.candidates)
        self.text = best.text if best else ""
        # sure: a clear match over words that sound like its number
        self.sure = best is not None and best.sounds_like and best.prob >= SURE_PROB
        self.adds = False
        if best is None:
            self.text, rating = self._from_alternatives()
            return rating  # never sure: it was not the best reading
        heard = " ".join(w.split("(")[0] for w, _, _ in self.free_words() or [] if _is_word(w))
        self.adds = adds_to(heard, best.text)
        later = None if self.adds else self._adding(heard, best)
        if later is not None:
            self.text, self.adds = later.text, True
            self.sure = later.sounds_like and later.prob >= SURE_PROB
            return later.rating
        return best.rating

    def _from_alternatives(self) -> tuple[str, float | None]:
        """Where the spotter found nothing and the transcript says no number,
        one of the free decoder's own next-best readings of a piece may say
        one: "i know i know one" under "i know why no one". The answer with
        the first such reading in place, and its rating (("", None) if none)."""
        try:
            pieces = self.free.alternatives() if self.free is not None else []
        except Exception:
            return "", None
        texts = [text for text, _ in pieces]
        if not texts or extract(" ".join(texts)).rating_said:
            return "", None
        for i, (heard, alternatives) in enumerate(pieces):
            for alternative in alternatives:
                if not a_number_read_anew(heard, alternative):
                    continue
                if i == 0 and a_verdict_first_read_anew(heard, alternative):
                    continue
                text = " ".join(texts[:i] + [alternative] + texts[i + 1 :])
                found = extract(text)
                if found.rating_said:
                    return text, found.rating
        return "", None

    def _best(self, candidates: list[tuple[str, int, int, float]]) -> Reading | None:
        """The spotted phrase the rules read as the answer's rating, put in
        place of the free words under it (None when no spotted phrase is one)."""
        words = self.free_words()
        verdicts = verdict_words()
        never = speech_words().not_a_number
        kept: list[Reading] = []
        for spotted, start, end, prob in candidates:
            here = unfuse(words, spotted, start, end, self._phones) if words is not None else None
            heard = covered(here, spotted, start, end) if here is not None else []
            if spotted == "a one" and heard == ["one"]:
                # the free decoder heard "one" itself, and no "a" before it:
                # "think about that one" is no "that a one" (before another
                # number the "a" stays: "i'd give that part a four probably")
                spotted = "one"
            if prob < self._min_prob(spotted, heard) or sounds_like_another(heard, spotted):
                continue
            if any(w in verdicts or w in never for w in heard):
                continue  # the free decoder heard a verdict word the rules read ("it was fine" is no
                # "it was five") or a word no number is read over ("the whole time")
            if words is not None and a_set_phrase(words, heard, start):
                continue  # "to be honest" is no "two, be honest"
            placed = merge_at(here, spotted, start, end) if here is not None else (spotted, 0)
            if placed is None:
                continue
            text, at = placed  # where the phrase stands: the free words may say it too
            if beside_a_number(text, spotted, at):
                continue
            phrase = spotted
            if not in_rating_place(text, phrase, at):
                read, phrase = a_sound_before(text, phrase, at)
                at -= 1
                if read is None or not in_rating_place(read, phrase, at):
                    continue
                text = read
            rating = rating_from(text)
            if rating is None and said_first(text, phrase, at) and heard[:1] and heard[0] in said_first_as(phrase):
                # "four. roads were clear" heard as "for roads were clear": the free
                # decoder spelt the number as the word it sounds like, so no count
                # ("four roads") was heard; the number said first ends its sentence
                text = with_a_break(text, phrase, at)
                rating = rating_from(text)
            if rating is not None and not sounds_like(heard, phrase) and said_first(text, phrase, at):
                if not a_clause_after(text, phrase, at) and not a_hedge_before(text.split()[:at]):
                    continue  # "i said that ..." read as "five said that ...", "the site manager" as "five manager"
            if rating is not None:
                key = (len(phrase.split()), sounds_like(heard, phrase), prob)
                rest_after = here is not None and (REST, end + 1) in ((w, s) for w, s, _ in here)
                kept.append(Reading(key, rating, text, spotted, start, end, phrase, at, rest_after))
        kept = [c for c in kept if not any(_outheard(c, o) for o in kept)]
        self.readings = kept
        return max(kept, key=lambda c: c.key) if kept else None

    def _adding(self, heard: str, best: Reading) -> Reading | None:
        """When the best reading only says again what the transcript holds
        ("... one and a half" spotted over "one and a half"), the clearest
        other reading that adds a number said after it, as a correction the
        transcript lost ("... one and a half maybe you'll want" read as "...
        one and a half maybe a one"), if one reads a different rating."""
        if best.rating != extract(heard).rating:
            return None
        adding = [
            r
            for r in self.readings
            if r is not best
            and r.rating != best.rating
            and r.start > best.end
            and _close_after_a_number(r.text.split(), r.at)
            and adds_to(heard, r.text)
        ]
        return max(adding, key=lambda r: r.prob) if adding else None

    def _min_prob(self, phrase: str, heard: list[str]) -> float:
        """A phrase of three words or more ("two out of five") over free words
        that start with a usual mishearing of its number ("far out of five",
        "you out of five"; not one word such as "floor") is taken on a weaker
        match. A "one" needs a clearer one (ONE_MIN_PROB): it is the number
        the spotter finds most often in words that are none ("was", "what",
        "want"), and a rating of one is rare."""
        if len(phrase.split()) >= 3 and len(heard) >= 2 and heard[0] not in NUMBER_WORDS and sounds_like(heard, phrase):
            return self.min_prob_long
        if "one" in phrase.split():
            return max(self.min_prob, ONE_MIN_PROB)
        return self.min_prob

    def reset(self) -> None:
        if self._in_utt:
            self._d.end_utt()
            self._in_utt = False
        self.text = ""
        self.adds = False


def _is_word(w: str) -> bool:
    return not w.startswith(("<", "[", "+"))


ORDINALS = frozenset("first second third fourth fifth sixth seventh eighth ninth tenth".split())
CARDINALS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred half".split()
)
NUMBER_WORDS = CARDINALS | ORDINALS


def phrase_at(words: list[str], phrase: list[str]) -> int | None:
    """Where the phrase's words first stand in `words`, or None."""
    n = len(phrase)
    return next((i for i in range(len(words) - n + 1) if words[i : i + n] == phrase), None)


def beside_a_number(text: str, phrase: str, at: int | None = None) -> bool:
    """Is the phrase put in right beside a number word the free decoder heard?
    ("find three" read as "five three": the number heard stands, and the rules
    judge it; "for three months" is no "four"; after "point" it is the end of
    a decimal: "two point five" read as "two point a five" is no five.) An
    ordinal after it does not count: no one says "four third", but "a four.
    got there" was heard as "i forgot third". `at`: where the phrase was put
    in (else where it first stands)."""
    words, pw = text.split(), phrase.split()
    at = phrase_at(words, pw) if at is None else at
    if at is None:
        return False
    n = len(pw)
    after = [w for w in words[at + n : at + n + 1] if w not in ORDINALS]
    return any(w in NUMBER_WORDS or w == "point" for w in words[max(0, at - 1) : at] + after)


MAX_WORDS_ADDED = 2  # an N-best reading adds at most a number and its "a" ("honestly it was a two")


def a_number_read_anew(heard: str, alternative: str) -> bool:
    """Does the other reading change words at or right beside a number
    ("i know why no one" / "i know i know one"), with no number word beside
    another there ("the office is on the fourth floor" / "... the fourth four"
    is no four; "two point five" / "two point a five" no five), and none of
    the words it changes a number heard ("on the fourth forward" / "um a four
    for work it" reads the same "fourth" differently: held-out 15, seen) or
    the start of a set phrase ("for once i was early" / "four once ..."),
    and the stretch that reads the number no longer than the words it
    replaces by more than a number and its "a" (held-out 19, 15 dB: "it was a
    few people" / "it was a a a a a a five few people")? Elsewhere in the
    piece the reading may differ as it likes."""
    import difflib

    a, b = heard.split(), alternative.split()
    near = False
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if any(w in NUMBER_WORDS for w in a[i1:i2]) or starts_a_set_phrase(a[i1:]):
            return False
        window = b[max(0, j1 - 1) : j2 + 1]
        numeric = [w in NUMBER_WORDS or w == "point" for w in window]
        if any(x and y for x, y in zip(numeric, numeric[1:], strict=False)):
            return False
        if any(w in CARDINALS for w in b[j1:j2]) and (j2 - j1) - (i2 - i1) > MAX_WORDS_ADDED:
            return False  # more words than the sound holds: "it was a few" read as "it was a a a a a a five few"
        near = near or any(w in CARDINALS for w in window)
    return near


CORRECTION_REACH = 2  # words at most between a number and one said after it as its correction


def _close_after_a_number(words: list[str], at: int | None) -> bool:
    """Does the phrase at words[at] come right after a number, at most
    CORRECTION_REACH words on, with nothing or a correction between ("one
    and a half maybe [a one]"), not after a clause ("a three i was a bit
    stiff [one]") or other words ("so four and a half the clips [a three]",
    heard for "... so four and a half, we clicked straight away")?"""
    if at is None:
        return False
    last = next((k for k in range(at - 1, -1, -1) if words[k] in CARDINALS), None)
    if last is None or at - last - 1 > CORRECTION_REACH:
        return False
    between = words[last + 1 : at]
    rules = rating_rules()
    return not between or contains_phrase(between, rules.corrections + rules.corrections_before_number)


def adds_to(heard: str, read: str) -> bool:
    """Does the pass's reading keep every number the transcript heard and
    change words only after the first of them, none of them a number or a
    word that joins numbers into a rating ("or", "and a half", "out of")?
    Then the rating it reads was said after (or around) the transcript's
    number, and the rules read the two together: "i'd say three no do not
    have" read as "... three no two and a half" is a 2.5 (a correction the
    transcript lost). A reading that changes a number heard, a word before
    the first one or a joining word does not add: "four or five" read as
    "four out of five" stays 4.5, and "somewhere between a two and a three"
    read as "four between ..." 2.5. ("three per four" read as "three or
    four" does not add either: "per" joins numbers, and the rules read
    "three per four" as 3.5 themselves.) Right after a number and "no" a
    joining word joins nothing heard: "three no to a nap" read as "three no
    two and a half" adds, a 2.5."""
    import difflib

    a, b = heard.split(), read.split()
    first = next((i for i, w in enumerate(a) if w in CARDINALS), None)
    if first is None or a == b:
        return False
    joins = _joining_words()
    for op, i1, i2, _, _ in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if i1 <= first or any(w in NUMBER_WORDS for w in a[i1:i2]):
            return False
        if any(w in joins for w in a[i1:i2]) and not _corrected(a, i1):
            return False
    return True


def _corrected(words: list[str], i: int) -> bool:
    """Do the words before words[i] end in a number and a correction ("three
    no")? What follows is the number said instead, so a joining word there
    joins nothing the transcript heard: "three no to a nap" is pocketsphinx's
    "three, no, two and a half"."""
    before = tuple(words[:i])
    return any(
        len(before) > len(c) and before[-len(c) :] == c and before[-len(c) - 1] in CARDINALS
        for c in rating_rules().corrections_before_number
    )


def _joining_words() -> set[str]:
    """The words of the rules' range connectors, halves and scales ("or",
    "and", "a", "half", "out", "of", ...) and "point"."""
    r = rating_rules()
    words = {"point"}
    for phrase in (*r.connectors, *r.halves, *r.scales):
        words.update(phrase)
    return words


class Reading(NamedTuple):
    """A spotted phrase the rules read a rating from, in the answer's text."""

    key: tuple[int, bool, float]  # (words in the phrase, sounds like the free word, probability): the best wins
    rating: float
    text: str  # the free words with the phrase in place
    spotted: str  # the phrase as spotted (before any "a" was read in)
    start: int  # frames
    end: int
    phrase: str  # the phrase as read in the text ("a four" where an "a" was read in)
    at: int | None = None  # where the phrase stands in the text's words
    rest_after: bool = False  # split from the head of a longer word ("formal": "four" and the rest)

    @property
    def sounds_like(self) -> bool:
        return self.key[1]

    @property
    def at_end(self) -> bool:
        """Is the phrase the last words of the text?"""
        return self.at is not None and self.at + len(self.phrase.split()) == len(self.text.split())

    @property
    def prob(self) -> float:
        return self.key[2]


LONGER_MARGIN = 0.05  # a longer phrase this much less clear than a shorter one inside it is not taken


def _outheard(c: Reading, o: Reading) -> bool:
    """Is spotted phrase `c` ("four or five") a longer reading of a shorter one
    `o` ("four") over the same stretch, and clearly less sure? Then the longer
    one is noise or a pause read as words: "four, they were nice" was stored
    as a 4.5 from "four or five" at 0.85 beside "four" at 0.93."""
    cw, ow = c.spotted.split(), o.spotted.split()
    inside = len(ow) < len(cw) and phrase_at(cw, ow) is not None
    overlap = min(c.end, o.end) > max(c.start, o.start)
    return inside and overlap and o.prob - c.prob > LONGER_MARGIN


def _under(word: str, s: int, e: int, phrase: str, start: int, end: int) -> bool:
    """Is the free word at frames s..e under the spotted phrase at start..end?
    When the phrase covers at least half of it; or when the phrase lies inside
    it (half of the phrase or more) and the word sounds like the phrase's
    number: the free decoder stretched "for" over the noise before it (frames
    57-119) and the spotter heard "four" at 99-118. A "two" inside
    "presentation" is not under it."""
    overlap = min(e, end) - max(s, start) + 1
    if overlap * 2 >= e - s + 1:
        return True
    return overlap * 2 >= end - start + 1 and sounds_like([word], phrase)


def merge_at(words: list[tuple[str, int, int]], phrase: str, start: int, end: int) -> tuple[str, int] | None:
    """The free words with `phrase` in place of the words under it (_under),
    and the index of the phrase's first word in them (the free words may say
    the same phrase elsewhere: "it was a two people ... but after that" read
    as "... but a two that"); None when there are none (the spotter fired in
    a pause or across word edges) or they are more than the phrase has
    words, and one."""
    out: list[str] = []
    at = 0
    replaced: list[str] = []
    for w, s, e in words:
        if not _is_word(w):
            continue
        w = w.split("(")[0]
        if _under(w, s, e, phrase, start, end):
            if not replaced:
                at = len(out)  # one word each so far
                out.append(phrase)
            replaced.append(w)
            continue
        out.append(w)
    if not replaced:
        return None
    if len(replaced) > len(phrase.split()) + 1:
        return None  # a short phrase in place of a long stretch of words
    return " ".join(out), at


def fuses() -> dict[str, tuple[str, ...]]:
    """The number words one to five and their homophones in the rules
    (prompts/rules.toml, rating.homophones), as they begin or end a longer
    word when the free decoder runs a number into the word beside it: "four.
    got there early" heard as "forgot" (F ER G AA T: "for"), "two. guy didn't"
    as "today" (T AH D EY: "to"), "i'd give it a four" as "idea before" (B IH
    F AO R)."""
    r = rating_rules()
    return {
        n: (n, *sorted(h for h, v in r.homophones.items() if v == value))
        for value, n in enumerate(r.grammar_numbers[1:6], 1)
    }


REST = "+rest+"  # what is left of a word a number was split from (a non-word)
FUSE_SLACK = 4  # frames (40 ms) between the spotted phrase's edge and the word's


def unfuse(
    words: list[tuple[str, int, int]], phrase: str, start: int, end: int, phones: Callable[[str], list[tuple[str, ...]]]
) -> list[tuple[str, int, int]]:
    """The free words with a word that runs the spotted number into the next
    word (or the last one into the number) split in two: the number, over the
    frames the spotter heard it, and the rest as a non-word ("+rest+"). A word
    is split only when its dictionary sounds begin (or end) with the sounds of
    the number or of a close homophone (fuses()), the phrase starts (or ends)
    with the word, and more of the word is left over: "forgot" under a spotted
    "four" at its start is "four" and the rest. A number word ("forty",
    "fourteen") is never split. `phones(w)` gives w's pronunciations."""
    table = fuses()
    number = next((w for w in phrase.split() if w in table), None)
    if number is None:
        return words
    sounds = {p for w in table[number] for p in phones(w)}
    heard_as = speech_words().number_heard_as
    out: list[tuple[str, int, int]] = []
    for w, s, e in words:
        bare = w.split("(")[0]
        if not _is_word(w) or bare in NUMBER_WORDS or bare in heard_as[number] or start > e or end < s:
            out.append((w, s, e))
            continue
        mine = phones(bare)
        head = abs(start - s) <= FUSE_SLACK and end < e - FUSE_SLACK
        tail = abs(end - e) <= FUSE_SLACK and start > s + FUSE_SLACK
        if head and any(len(m) > len(p) and m[: len(p)] == p for m in mine for p in sounds):
            out += [(number, s, end), (REST, end + 1, e)]
        elif tail and any(len(m) > len(p) and m[-len(p) :] == p for m in mine for p in sounds):
            # the number is where the phrase starts, or its last half for "a four"
            cut = max(s + 1, start if len(phrase.split()) == 1 else e - (end - start) // 2)
            out += [(REST, s, cut - 1), (number, cut, e)]
        else:
            out.append((w, s, e))
    return out


def covered(words, phrase: str, start: int, end: int) -> list[str]:
    """The free words under the spotted phrase (_under)."""
    heard = ((w.split("(")[0], s, e) for w, s, e in words if _is_word(w))
    return [w for w, s, e in heard if _under(w, s, e, phrase, start, end)]


def sounds_like(heard: list[str], phrase: str) -> bool:
    """Does the first free word under the phrase sound like its number?"""
    sounds = speech_words().number_heard_as
    number = next((w for w in phrase.split() if w in sounds or w in NUMBER_WORDS), None)
    return bool(heard) and number is not None and heard[0] in sounds.get(number, {number})


def verdict_words() -> set[str]:
    """The rules' one-word verdicts ("fine", "great", "terrible"): a rating
    the rules read from the transcript itself, so the pass puts no number
    over one. Held-out 15 (first run): "it was fine, i guess" was heard
    right, and "five" spotted over "fine" made it a 5; in dev d17, d26 and
    d30 (15 dB) the same three times, and never the other way round."""
    return {w for w in rating_rules().words if " " not in w}


def _number_of(phrase: str) -> str | None:
    """The rating number a spotted phrase says ("a four" -> "four")."""
    table = speech_words().number_heard_as
    return next((w for w in phrase.split() if w in table), None)


def sounds_like_another(heard: list[str], phrase: str) -> bool:
    """Is the first free word under the phrase a usual mishearing of another
    number only? ("far" under a spotted "five" is a four.)"""
    table = speech_words().number_heard_as
    number = _number_of(phrase)
    if not heard or number is None or heard[0] in table[number]:
        return False
    return any(heard[0] in sounds for n, sounds in table.items() if n != number)


def a_sound_before(text: str, phrase: str, at: int | None = None) -> tuple[str | None, str]:
    """The text with the word just before the spotted phrase read as "a", when
    that word is a usual mishearing of it (prompts/speech.toml, a_heard_as):
    ("probably in five", "five") -> ("probably a five", "a five"); for a phrase
    that already starts with "a" the extra word is dropped. (None, phrase) when
    there is no such word. `at`: where the phrase stands (else where it first
    does); the phrase read starts a word earlier."""
    words, pw = text.split(), phrase.split()
    at = phrase_at(words, pw) if at is None else at
    if at is None or at < 2 or words[at - 1] not in speech_words().a_heard_as:
        return None, phrase
    if f"{words[at - 2]} {words[at - 1]}" in rating_rules().block_before:
        return None, phrase  # "ten minutes to two" is a time, not "ten minutes a two"
    if pw[0] == "a":
        return " ".join(words[: at - 1] + words[at:]), phrase
    return " ".join(words[: at - 1] + ["a"] + words[at:]), "a " + phrase


# A number said last is a rating ("... they were nice, four"), but not after
# one of these ("the team was three", "the fourth floor", "a team of five").
_NOT_BEFORE_A_LAST_RATING = {
    "was",
    "is",
    "were",
    "are",
    "be",
    "been",
    "of",
    "about",
    "than",
    "the",
    "a",
    "an",
    "my",
    "our",
    "their",
    "his",
    "her",
    "to",
    "for",
    "with",
    "by",
    "on",
    "at",
    "in",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
}

# Words that may come just before a spotted rating: the rules' cues without
# the ones that also start ordinary phrases ("the", "a", "so", "was", ...).
_WEAK_CUES = {
    "a",
    "so",
    "was",
    "go",
    "then",
    "like",
    "about",
    "around",
    "only",
    "between",
    "low",
    "high",
    "strong",
    "weak",
    "its",
    "it's",
}


def in_rating_place(text: str, phrase: str, at: int | None = None) -> bool:
    """Is the spotted phrase where a rating is said? At the start of the answer
    (after any hedges, or what a recogniser made of "um": "maybe a four, ..."),
    last, after the story ("... so, four."), after a rating cue ("i'd say",
    "give it", "honestly"), last but for a word that follows ratings ("... the
    order, four probably"), or a phrase that is a rating by its shape
    ("four out of five", "three and a half", "two or three"). `at`: where the
    phrase was put in (else where it first stands)."""
    r = rating_rules()
    words = text.split()
    n = len(phrase.split())
    at = phrase_at(words, phrase.split()) if at is None else at
    if at is None:
        return False
    if n >= 3:
        return True
    before = words[:at]
    if _only_a_lead_in(before):
        return True
    if (
        at + n == len(words)
        and len(words) > n + 2
        and before[-1] not in _NOT_BEFORE_A_LAST_RATING | r.block_before | NUMBER_WORDS
    ):
        return True  # said last, after the story: "... so, four." (not "the team was three")
    if after_a_cue(before):
        return True
    after = tuple(words[at + n :])
    return bool(after) and after in r.after_cues  # last but for "probably", "i guess", "overall" ...


def _only_a_lead_in(before: list[str]) -> bool:
    """Are the words before a number only hedges and what a recogniser made
    of "um" or "ugh" (up to three such sounds): "maybe a four", "um a four"?
    The number's own "a" may end them: "a two. the sat nav ..." heard as "a
    key the sat nav ...", with "two" spotted over "key"."""
    r = rating_rules()
    hedges = sorted(r.hedges, key=len, reverse=True)
    rest = before[:-1] if before[-1:] == ["a"] else before
    while rest:
        for h in hedges:
            if tuple(rest[: len(h)]) == h:
                rest = rest[len(h) :]
                break
        else:
            if rest[0] in r.start_sounds and len(rest) <= 3:
                rest = rest[1:]  # what a recogniser made of "um" or "ugh" before the rating
                continue
            break
    return not rest


def after_a_cue(before: list[str]) -> bool:
    """Do these words end in a rating cue ("i'd say", "give it", "honestly";
    not a weak one such as "a", "so" or "like")?"""
    cues = set(rating_rules().cues) - _WEAK_CUES
    return any(len(before) >= k and " ".join(before[-k:]) in cues for k in (2, 1))


def said_first(text: str, phrase: str, at: int | None = None) -> bool:
    """Is the phrase the answer's first words, after any hedges or what a
    recogniser made of "um" ("um a four ...", "honestly four ...")? `at`:
    where the phrase was put in (else where it first stands)."""
    words = text.split()
    at = phrase_at(words, phrase.split()) if at is None else at
    return at is not None and _only_a_lead_in(words[:at])


def a_verdict_first_read_anew(heard: str, alternative: str) -> bool:
    """Does the other reading change the verdict word the answer starts with
    ("fine. asked about the pay ..." heard as "fine asked about the pay ...",
    next best "five asked about the pay ...")? A verdict said first is heard
    well (a whole word, its sentence ends there), and the spotter may not put
    a number over one either (verdict_words). Said last ("... the image was
    fine" / "... the image was a five", held-out 18 at 5 dB) the next best
    reading may still be right."""
    a, b = heard.split(), alternative.split()
    k = next((i for i in range(len(a)) if not _only_a_lead_in(a[: i + 1])), None)
    return k is not None and a[k] in verdict_words() and b[k : k + 1] != a[k : k + 1]


def a_clause_after(text: str, phrase: str, at: int | None = None) -> bool:
    """Does a clause start right after the phrase (or nothing follow it)? A
    number said first over a word unlike it stands only where the words
    after it start a sentence of their own: "two. the trains were ..." heard
    as "all the trains were ..." is read as "two the trains were ...", but
    "i said that about ..." is no "five said that about ...": the free
    decoder heard a subject there, and its verb follows."""
    words = text.split()
    at = phrase_at(words, phrase.split()) if at is None else at
    if at is None:
        return False
    k = at + len(phrase.split())
    return k >= len(words) or words[k] in rating_rules().clause_start


def a_hedge_before(before: list[str]) -> bool:
    """Is there a hedge among the words before a number said first ("maybe
    a four", "honestly four")? Then it is said as a rating, whatever the free
    decoder made of the words after it ("maybe a four, we chatted" heard as
    "maybe if our queen chatted")."""
    return contains_phrase(before, rating_rules().hedges)


def a_set_phrase(words: list[tuple[str, int, int]], heard: list[str], start: int) -> bool:
    """Do the free words from the first one under the spotted phrase on begin
    a set phrase whose first word is a number's homophone (prompts/speech.toml,
    homophone_phrases: "to be honest", "too many people", "for once")?"""
    if not heard:
        return False
    said = [w.split("(")[0] for w, s, e in words if _is_word(w) and e >= start]
    return heard[0] in said and starts_a_set_phrase(said[said.index(heard[0]) :])


def starts_a_set_phrase(words: list[str]) -> bool:
    """Do the words begin with one of prompts/speech.toml's homophone_phrases?"""
    return any(tuple(words[: len(p)]) == p for p in speech_words().homophone_phrases)


def said_first_as(phrase: str) -> frozenset[str]:
    """The words a number said first is written as that cannot begin a count
    (prompts/speech.toml, said_first_as) and sound like the phrase's number:
    "for" for "four", "to" and "too" for "two"."""
    number = _number_of(phrase)
    words = speech_words()
    return words.said_first_as & words.number_heard_as[number] if number is not None else frozenset()


def with_a_break(text: str, phrase: str, at: int | None = None) -> str:
    """The text with a sentence break after the phrase: "four roads were
    clear" -> "four , roads were clear"."""
    words, pw = text.split(), phrase.split()
    at = phrase_at(words, pw) if at is None else at
    if at is None or at + len(pw) >= len(words):
        return text
    return " ".join(words[: at + len(pw)] + [","] + words[at + len(pw) :])


def rating_from(text: str) -> float | None:
    return extract(text).rating if text else None


class VoskRatingPass:
    """The number pass for Vosk: a second recogniser on the same model with a
    grammar of rating phrases plus "[unk]", fed the first `window` seconds of
    each answer (where a rating is usually said: "um, a two, the traffic
    ..."). A phrase counts only when Vosk is sure of every word of it
    (`min_conf`), so noise or a word that merely sounds like a number does not
    become a rating. `phrases` maps each spoken phrase to its rating (by
    default the rules' rating phrases the model knows)."""

    def __init__(self, engine, *, window: float = 5.0, min_conf: float = 0.8, phrases: dict[str, float] | None = None):
        import json

        self._json = json
        self.engine = engine
        self.window = window
        self.min_conf = min_conf
        if phrases is None:
            phrases = {p: v for p in rating_phrases() if (v := rating_from(p)) is not None}
        known = set(engine.usable_phrases(list(phrases)))
        self.values = {p: v for p, v in phrases.items() if p in known}
        # "[unk]" gives speech that is not a rating somewhere to go. Without it
        # the grammar is closed and turns any speech into numbers, sure of
        # each (the Korean model heard "안녕하세요 감사합니다" as 하나 셋 넷,
        # confidence 1.0), so a model without "[unk]" gets no pass.
        self.usable = bool(self.values) and engine.has_unk
        grammar = json.dumps(sorted(self.values) + [UNK], ensure_ascii=False)
        self._rec = engine.kaldi_recognizer(grammar) if self.usable else None
        self.text = ""
        self.sure = False
        self.adds = False  # its phrase is read alone, not into the transcript
        self._fed = 0.0

    def accept(self, chunk: AudioChunk) -> None:
        if self._rec is None or self._fed >= self.window:
            return
        self._fed += chunk.seconds
        self._rec.AcceptWaveform(chunk.audio)

    def peek(self) -> str:
        """Vosk's pass reads its words only at the end (finish): nothing yet."""
        return ""

    def finish(self) -> float | None:
        if self._rec is None:
            return None
        result = self._json.loads(self._rec.FinalResult())
        self._rec.Reset()
        self._fed = 0.0
        words = [(w.get("word", ""), float(w.get("conf", 0.0))) for w in result.get("result", [])]
        best = None
        for phrase, value in self.values.items():
            n = len(phrase.split())
            for i in range(len(words) - n + 1):
                span = words[i : i + n]
                if " ".join(w for w, _ in span) == phrase and all(c >= self.min_conf for _, c in span):
                    if best is None or n > best[0]:
                        best = (n, value, phrase)
        self.text = best[2] if best else ""
        self.sure = best is not None  # every word of it passed min_conf
        return best[1] if best else None

    def reset(self) -> None:
        if self._rec is not None:
            self._rec.Reset()
        self._fed = 0.0
        self.text = ""


class LazyRatingPass:
    """Builds the engine's pass on first use, so a recogniser that loads in
    the background (voice.BackgroundRecognizer) is not waited for when the
    listener is made. An engine without a pass makes this a no-op."""

    def __init__(self, recognizer, **options):
        self.recognizer = recognizer
        self.options = options
        self._pass: RatingPass | None = None
        self._built = False

    @property
    def inner(self) -> RatingPass | None:
        if not self._built:
            self._built = True
            self._pass = build_rating_pass(self.recognizer.engine, **self.options)
        return self._pass

    @property
    def text(self) -> str:
        return self._pass.text if self._pass is not None else ""

    @property
    def sure(self) -> bool:
        return self._pass.sure if self._pass is not None else False

    @property
    def adds(self) -> bool:
        return self._pass.adds if self._pass is not None else False

    def accept(self, chunk: AudioChunk) -> None:
        if self.inner is not None:
            self.inner.accept(chunk)

    def peek(self) -> str:
        return self.inner.peek() if self.inner is not None else ""

    def finish(self) -> float | None:
        return self.inner.finish() if self.inner is not None else None

    def reset(self) -> None:
        if self.inner is not None:
            self.inner.reset()


def build_rating_pass(engine, **options) -> RatingPass | None:
    """The number pass for a loaded engine, or None when it has none (a Vosk
    model that knows none of the rating phrases, such as the Korean one)."""
    from assistant.speech_in.recognizer import PocketsphinxRecognizer, VoskRecognizer

    if isinstance(engine, PocketsphinxRecognizer):
        return PocketsphinxRatingPass(engine, **options)
    if isinstance(engine, VoskRecognizer):
        vosk_pass = VoskRatingPass(engine, **options)
        return vosk_pass if vosk_pass.usable else None
    return None


def make_rating_pass(recognizer, **options) -> RatingPass | None:
    """The number pass for `recognizer` (a loaded engine, or one loading in the
    background: then it is built on first use)."""
    from assistant.speech_in.recognizer import PocketsphinxRecognizer, VoskRecognizer

    if isinstance(recognizer, (PocketsphinxRecognizer, VoskRecognizer)):
        return build_rating_pass(recognizer, **options)
    return LazyRatingPass(recognizer, **options)
