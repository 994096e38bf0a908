"""Table-driven tests for assistant.extract: one table per rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.understanding import extract as ex
from assistant.dialogue.script import load_all
from assistant.errors import PromptsError
from assistant.understanding.extract import (
    CAUSES, Extraction, command_word, downhill, extract, is_non_answer, reply_grammar, reply_vocabulary, yes_no,
)

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


@pytest.fixture(autouse=True)
def fresh_rules():
    ex.clear_cache()
    yield
    ex.clear_cache()


# ---------------------------------------------------------------- ratings

@pytest.mark.parametrize("text,want", [
    # digits and number words
    ("4", 4.0), ("3.5", 3.5), ("4/5", 4.0), ("four", 4.0), ("a three", 3.0), ("one", 1.0),
    ("three and a half", 3.5), ("four and a half", 4.5), ("two and a half i think", 2.5),
    ("3.5 out of 5", 3.5), ("four point five", 4.5),
    # ranges -> midpoint
    ("two or three", 2.5), ("3-4", 3.5), ("between three and four", 3.5), ("three to four", 3.5),
    ("maybe four maybe five", 4.5), ("a two or a three", 2.5), ("four or five honestly", 4.5),
    # scales
    ("seven out of ten", 3.5), ("eight on ten", 4.0), ("8/10", 4.0), ("six out of 10", 3.0),
    ("ten out of ten", 5.0), ("three out of ten", 1.5), ("four out of five", 4.0), ("2 out of 5", 2.0),
    ("i'd give it a seven", 3.5),
    # clamp
    ("zero", 1.0), ("zero out of five", 1.0), ("0/10", 1.0),
    # hedges and lead-ins
    ("um maybe a four", 4.0), ("i guess a two", 2.0), ("probably a three you know", 3.0),
    ("i'd say a four", 4.0), ("like a three i guess", 3.0), ("honestly about a two", 2.0),
    ("i'd give it a three, the room was cold", 3.0), ("it was a four", 4.0),
    ("the train was late so i'd say two", 2.0), ("it was hard, two", 2.0),
    # a number before an uncountable plural is still a rating
    ("four nerves got me early on", 4.0), ("two jitters all the way there", 2.0),
    ("it was fine three but i was a bit nervous", 3.0),
    # heard by a recogniser: a filler's sound or an interjection first, a scale after "for"
    ("oh god one so the whole plan was to show my portfolio", 1.0), ("of the two there was an accident", 2.0),
    ("it was the first time he got it a bad save for four out of five", 4.0),
    ("i had it back on by ten four and a half for that", 4.5),
])
def test_number_ratings(text, want):
    assert extract(text, "arrival").rating == want


@pytest.mark.parametrize("text,want", [
    ("a for", 4.0), ("for", 4.0), ("a to", 2.0), ("to", 2.0), ("too", 2.0), ("tree", 3.0),
    ("won", 1.0), ("fore", 4.0), ("free", 3.0), ("maybe a for", 4.0), ("i'd say to", 2.0),
    ("i'd give it a for", 4.0), ("a for honestly they were nice", 4.0), ("tree i was nervous", 3.0),
    ("a to i froze", 2.0), ("too, rushed out of work", 2.0), ("like a for you know", 4.0),
    ("um a tree", 3.0), ("won honestly the train was late", 1.0),
])
def test_homophones_in_rating_position(text, want):
    assert extract(text, "opening").rating == want


@pytest.mark.parametrize("text", [
    "i drove to the office", "i went to the interview early", "free parking right outside",
    "they gave me a free coffee", "to be honest i don't remember", "for the first part i was waiting",
    "i had to go to the third floor", "i won them over eventually i think",
])
def test_homophones_elsewhere_are_not_ratings(text):
    assert extract(text, "arrival").rating is None


@pytest.mark.parametrize("text", [
    "where do i see myself five years from now", "three people on the panel",
    "they asked two questions about my cv", "i was ten minutes late", "i got there at 2 pm",
    "it started with a one on one", "we talked for twenty minutes", "i waited about 15 minutes",
    "one of them kept checking her phone", "no one said hello", "i have five years of experience",
    "it was my third interview this month", "there were two other candidates",
    "the first question was about my cv", "i'd worked there for six years",
    "they said one thing i liked", "the interview was at four thirty",
    "i worked there for four out of five years", "if two of them had asked me",
])
def test_numbers_that_are_not_ratings(text):
    assert extract(text, "tough").rating is None


@pytest.mark.parametrize("text,want", [
    ("three people on the panel and only one smiled so like a two", 2.0),
    ("five i left an hour early", 5.0), ("i was ten minutes late so a two", 2.0),
    ("a one on one with the manager first so a four", 4.0),
    ("four, i asked about the first ninety days", 4.0),
    ("they asked two questions about gaps in my cv and i handled both, four", 4.0),
])
def test_rating_among_other_numbers(text, want):
    assert extract(text, "experience").rating == want


@pytest.mark.parametrize("text,want", [
    # held-out 5, clean, as pocketsphinx heard them: a yes before the rating, no comma
    ("yeah four and half the panel with the nurse unit manager or someone from hr", 4.5),
    ("yeah so a two they were late", 2.0), ("yep three the drive was fine", 3.0),
    # a half is no count: "on" after it is not "three on the panel"
    ("on three and a half on the dc park right outside then i waited about twenty minutes", 3.5),
    ("two and a half in the end", 2.5),
    # "uh" heard as "up" or "op" before the number (dev d06, held-out 5)
    ("op too i had three questions ready and i only got to ask one", 2.0),
    ("up three i suppose love and years on the shop for my last place", 3.0),
    # "about a three" heard as "but three" (held-out 6)
    ("but three the estate's massive by park that the buzzer core part", 3.0),
    # held-out 7, as pocketsphinx heard them: only a number takes a half; "the" before
    # a half that ends the answer is no count; "the three no two": a correction
    ("so we had a yard about that and the funny before we even sat down for and a half", 4.5),
    ("and she seemed to like the three and a half", 3.5),
    ("honest to god i don't know how i got the three no two and a half i was for a bit", 2.5),
    # a half with no pause or cue around it: only a rating takes a half
    ("i could see her writing less and less one and a half fun being kind of myself", 1.5),
    ("she said it's thirty two grand plus tips three and half of that that", 3.5),  # "for that bit"
    ("i'd do the course to possibly two and a half of my data", 2.5),  # "... felt my age"
    # "oh, four and a half! found a park ...": after a half, "of the" and no group is no count
    ("all four and a half of the park right outside which never happens around there", 4.5),
    ("oh four and a half of that", 4.5),
])
def test_ratings_as_a_recogniser_writes_them(text, want):
    assert extract(text, "arrival").rating == want


@pytest.mark.parametrize("text", [
    "yeah three people interviewed me", "yes two of them were nice", "three on the panel and they were nice",
    "two and a half hours on the motorway", "up to twenty minutes late because of the traffic",
    "up to reach you are so in the road stuck behind a truck",
    "but three people were on the panel", "but two things went wrong", "but three hours later i got there",
    "we waited the two and a half hours", "we had the three no four of us in the room",
    "at the two no three minute mark",
    "i got there for and a half hours early", "it was a one and a half hour drive", "we did two and a half rounds",
    "she was like two and a half metres tall", "two of that team were there", "four out of five of that group failed",
    "two and a half of them asked questions", "three and a half of the questions were technical",
    "i'm the two and a half of them were nice", "all three and a half of our hours went on it",
])
def test_counts_after_a_yes_or_with_a_half_stay_counts(text):
    assert extract(text, "arrival").rating is None


@pytest.mark.parametrize("text,lo,hi", [
    ("terrible", 1, 1), ("a disaster", 1, 1), ("awful", 1, 1), ("horrible", 1, 1),
    ("rough", 2, 3), ("bad", 2, 3), ("not great", 2, 3), ("okay", 3, 3), ("fine", 3, 3),
    ("alright", 3, 3), ("so so", 3, 3), ("not bad", 3, 4), ("good", 4, 4), ("went well", 4, 4),
    ("pretty well", 4, 4), ("great", 5, 5), ("nailed it", 5, 5), ("excellent", 5, 5),
    ("amazing", 5, 5), ("it was a disaster honestly", 1, 1), ("honestly rough", 2, 3),
    ("it went fine i guess", 3, 3), ("not too bad", 3, 4), ("it wasn't terrible", 2.5, 3.5),
    ("wasn't great", 2, 3), ("not good", 2, 3), ("i wouldn't say great, more like okay", 2.5, 3.5),
    ("not a disaster", 2.5, 3.5), ("it went terribly", 1, 1), ("honestly it went really badly", 1, 2),
    ("went horribly wrong", 1, 1),
])
def test_word_ratings_and_negation(text, lo, hi):
    r = extract(text, "closing").rating
    assert r is not None and lo <= r <= hi


def test_number_beats_words():
    assert extract("not great, a two", "tough").rating == 2.0
    assert extract("honestly not a disaster, three", "tough").rating == 3.0


@pytest.mark.parametrize("stage", ["improve", "nailed"])
def test_improve_and_nailed_have_no_rating(stage):
    assert extract("four, great, nailed it", stage).rating is None


@pytest.mark.parametrize("text", [
    "i was so anxious in the lobby", "no idea, i was too drained", "they were cold and kind of rude", "", "   ",
])
def test_no_rating(text):
    assert extract(text, "opening").rating is None


# ---------------------------------------------------------------- causes

@pytest.mark.parametrize("text,cause", [
    ("the traffic was awful", "late"), ("i couldn't find parking", "late"), ("i was rushing", "late"),
    ("i was running late", "late"), ("arrived late and flustered", "late"),
    ("i couldn't find the building", "late"), ("the train was cancelled", "late"),
    ("i was nervous", "nerves"), ("i was nervous at first but settled in", "nerves"),
    ("i felt anxious", "nerves"), ("i froze", "nerves"), ("i blanked", "nerves"),
    ("my mind went blank", "nerves"), ("my hands were shaking", "nerves"),
    ("i couldn't recall any examples of my work", "examples"),
    ("i couldn't think of an example", "examples"), ("i didn't have an example", "examples"),
    ("i had no good story for that", "examples"),
    ("i didn't research the company", "preparation"), ("i didn't prepare", "preparation"),
    ("i was unprepared", "preparation"), ("i hadn't read the job description", "preparation"),
    ("there was no rapport", "chemistry"), ("the interviewer was cold", "chemistry"),
    ("he seemed distracted", "chemistry"), ("she was rude", "chemistry"), ("it was awkward", "chemistry"),
    ("we didn't click", "chemistry"), ("he kept checking his phone", "chemistry"),
    ("i stand by what i said", "fit"), ("it's not the right fit", "fit"),
    ("it's not the place for me", "fit"), ("our values don't match", "fit"), ("honestly not for me", "fit"),
    ("i talked too much", "rambling"), ("i went off on tangents", "rambling"),
    ("my answers were too long", "rambling"), ("i rambled", "rambling"), ("i ramble", "rambling"),
    ("rambling on", "rambling"), ("i waffled", "rambling"),
    ("i was stumped by a technical question", "technical"), ("the coding question beat me", "technical"),
    ("i couldn't solve the algorithm", "technical"), ("the whiteboard part", "technical"),
    ("salary expectations came up", "salary"), ("i think i lowballed myself", "salary"),
    ("compensation", "salary"), ("the pay question threw me", "salary"),
    ("i had no questions for them", "questions"), ("i didn't ask anything", "questions"),
    ("i ran out of questions", "questions"),
    # wider families (third blind batch)
    ("my project work just didn't come to mind", "examples"), ("i couldn't pull up a single anecdote", "examples"),
    ("i forgot to bring up my best project", "examples"), ("no case studies to show", "examples"),
    ("they kept pushing for specifics", "examples"), ("i hadn't rehearsed or practised at all", "preparation"),
    ("i hadn't looked them up", "preparation"), ("i knew pretty much nothing about the firm", "preparation"),
    ("not knowing who the interviewer was", "preparation"), ("zero reaction from the panel", "chemistry"),
    ("i couldn't read him at all", "chemistry"), ("the pay cut was a dealbreaker", "fit"),
    ("it didn't feel like me", "fit"), ("i stuck to my principles", "fit"), ("we clashed over hybrid working", "fit"),
    ("i meant every word", "fit"), ("i'd answer the same way again", "fit"),
    ("i'm not sure the job is right for me", "fit"), ("they want a different type of candidate", "fit"),
    ("fit wasn't the problem", "fit"), ("the interviewer had to stop me", "rambling"),
    ("they quizzed me on docker and i was lost", "technical"), ("i couldn't explain my own solution", "technical"),
    ("the budget is lower than advertised", "salary"), ("my mind went blank when they asked if i had anything for them", "questions"),
    ("i had no idea what to ask", "questions"), ("i asked them nothing", "questions"),
    ("all my questions had been covered", "questions"), ("when it was my chance to ask i said no", "questions"),
    ("i had nothing else to ask", "questions"), ("the parking situation was a nightmare", "late"),
    ("i was a few minutes behind", "late"), ("i just don't think we're a match", "fit"),
    ("i couldnt recall a single example", "examples"), ("i couldnt think of a good example", "examples"),
    ("i didnt have any questions", "questions"), ("i couldnt ask anything smart", "questions"),
    ("i was so nervous i forgot what i'd done", "examples"), ("my examples didn't match", "examples"),
    ("i had a couple of questions ready", "questions"), ("i stumbled over my own name", "nerves"),
    # held-out 25 (seen, typed)
    ("the ferry from waiheke broke down, we sat out in the gulf", "late"),
    ("check the ferry timetable, or honestly just stay in town", "late"),
    ("have a proper answer ready for the money conversations with clients", "preparation"),
    ("bring my certificates. he asked for my sia licence", "preparation"),
    ("check the actual address on the map the night before", "late"), ("get the earlier train.", "late"),
    ("breathe. just breathe.", "nerves"),
    ("bring a one page budget plan, they wanted numbers", "preparation"),
    # held-out 24 (seen), heard right but with no cause, so the summary could not state it
    ("never say a number first make them give the range", "salary"),
    # a skill to practise, revise or learn is the technical side (dev, held-out 22-25)
    ("practise window functions under a timer", "technical"), ("revise the regulations. properly.", "technical"),
    ("learn the library software before the next one, honestly.", "technical"),
    ("brush up on the computer side, maybe do another course", "technical"),
])
def test_each_cause(text, cause):
    assert cause in extract(text, "tough").causes


@pytest.mark.parametrize("text,cause", [
    ("the technical lead was friendly", "technical"), ("i used my phone to check the route", "chemistry"),
    ("they were really interested in my work", "chemistry"),
    ("they asked me three questions", "questions"), ("he was running late himself", "late"),
    ("i drove past the traffic lights", "chemistry"), ("i paid attention to the details", "salary"),
    ("the traffic lights puzzle was fun", "late"),
    ("we talked about the late shift", "late"), ("i showed them the traffic app we built", "late"),
    ("i described the cold storage project", "chemistry"), ("calming a nervous patient", "nerves"),
    ("the salary range was in the advert", "salary"), ("i went in cold on the research", "chemistry"),
    ("had to park miles away", "chemistry"), ("the money talk got awkward", "chemistry"),
    ("i talked in generalities", "rambling"), ("explain what i wanted from the role", "salary"),
    ("they grilled me on the details and i got lost", "late"), ("the negotiation got tense", "nerves"),
    ("the interviewer was rushing to the next meeting", "late"), ("it was a bit rushed at the end", "late"),
    ("i hadn't prepared for the behavioural questions", "questions"),
    ("they didnt really look at me", "preparation"),
    # held-out 24: a design exercise, not the journey there
    ("they gave me a whiteboard prompt, design a parking app for a hospital", "late"),
    ("we had to sketch a commuter travel app in twenty minutes", "late"),
    # held-out 25: a busy service, not the journey there; numbers mentioned, not brought
    ("three hours on the floor during the brunch rush, i was on the machine", "late"),
    ("i did bring up my numbers from last year", "preparation"),
    ("i had my coat ready for the rain", "preparation"),
    ("i learned a lot about their systems", "technical"),
    ("they took my cv and smiled", "preparation"),
])
def test_cause_words_in_other_senses(text, cause):
    assert cause not in extract(text, "closing").causes


def test_causes_are_in_order_and_known():
    r = extract("i was late because of traffic and then i rambled and froze, and there was no rapport", "tough")
    assert r.causes == ("late", "nerves", "chemistry", "rambling")
    assert set(r.causes) <= set(CAUSES)


# ---------------------------------------------------------------- phrases

@pytest.mark.parametrize("stage,text,want", [
    ("improve", "um i think i should prepare better examples you know", "prepare better examples"),
    ("improve", "next time i should leave earlier", "leave earlier"),
    ("improve", "i need to research the company", "research the company"),
    ("improve", "i'd like to slow down", "slow down"),
    ("improve", "one thing to improve is eye contact", "eye contact"),
    ("improve", "probably my nerves honestly", "my nerves"),
    ("improve", "so yeah structure my answers i guess", "structure my answers"),
    ("improve", "eye contact really", "eye contact"),
    ("nailed", "i nailed the case study", "the case study"),
    ("nailed", "what went well was the small talk", "the small talk"),
    ("nailed", "i was proud of my portfolio", "my portfolio"),
    ("nailed", "um i think i nailed the bit about sales you know", "the bit about sales"),
])
def test_lead_ins_and_trailers_are_stripped(stage, text, want):
    r = extract(text, stage)
    assert getattr(r, stage) == want


@pytest.mark.parametrize("stage,text", [("improve", "nothing really"), ("improve", "uh not sure"), ("nailed", "i don't know")])
def test_non_answers_give_no_phrase(stage, text):
    assert getattr(extract(text, stage), stage) is None


def test_long_phrase_is_shortened():
    r = extract("i should practise telling my stories out loud to a friend every evening for a week before the next one", "improve")
    assert r.improve is not None and len(r.improve.split()) <= 12


def test_mixed_answer():
    r = extract("four, i nailed the story about the migration but i rambled on the second question", "experience")
    assert r.rating == 4.0
    assert r.nailed == "the story about the migration"
    assert r.causes == ("examples", "rambling")
    assert r.positive == ("examples",)
    assert r.improve == "i rambled on the second question"


@pytest.mark.parametrize("text,field,want", [
    ("three, next time i should bring numbers", "improve", "bring numbers"),
    ("a three, i'd work on keeping my answers shorter", "improve", "keeping my answers shorter"),
    ("four what went well was the case study", "nailed", "the case study"),
    ("five i nailed it", "nailed", None),
    ("two i drove to the office", "improve", None),
])
def test_phrases_inside_rated_answers(text, field, want):
    assert getattr(extract(text, "tough"), field) == want


def test_as_dict_and_frozen():
    r = extract("two, i rambled", "tough")
    assert r.as_dict() == {"rating": 2.0, "improve": None, "nailed": None, "causes": ["rambling"]}
    assert r.positive == ()
    with pytest.raises(AttributeError):
        r.rating = 3.0  # type: ignore[misc]
    assert Extraction().as_dict()["causes"] == []


def test_stage_none_and_typed_punctuation():
    r = extract("Four. Parking was easy; I'd say 4/5!", None)
    assert r.rating == 4.0
    assert extract("It\u2019s a \u201cthree\u201d, honestly.").rating == 3.0


# ---------------------------------------------------------------- downhill
# The turning point: the largest real drop (1 point or more) to a stage rated 3 or
# less, the earliest on a tie; else the lowest stage at 2 or less; else none.

@pytest.mark.parametrize("ratings,want", [
    ([("arrival", 4), ("opening", 4), ("experience", 2), ("tough", 1), ("closing", 3)], "experience"),
    ([("arrival", 5), ("opening", 3), ("experience", 4), ("tough", 2), ("closing", 3)], "opening"),  # tie: earliest
    ([("arrival", 4), ("opening", 4), ("experience", 4.5), ("tough", 5), ("closing", 5)], None),  # all high, no drop
    ([("arrival", 4), ("opening", 5), ("experience", 4.5), ("tough", 4), ("closing", 5)], None),  # a great interview
    ([("arrival", 5), ("opening", 4), ("experience", 3.5), ("tough", 4)], None),  # drops, but never to 3 or less
    ([("arrival", 5), ("opening", 4), ("experience", 4), ("tough", 3)], "tough"),  # one point down to a 3
    ([("arrival", 4), ("opening", 3.5), ("experience", 3)], None),  # half-point steps are not a real drop
    ([("arrival", 4), ("opening", 3.5), ("experience", 2)], "experience"),  # 1.5 down to a 2
    ([("arrival", 5), ("opening", 2.5), ("experience", 1.5)], "opening"),  # 2.5 beats 1
    ([("arrival", 2), ("opening", 3), ("experience", 4), ("tough", 4), ("closing", 5)], "arrival"),  # no drop, low start
    ([("arrival", 3), ("opening", 2.5), ("experience", 4)], None),  # small dip, nothing at 2 or less
    ([("arrival", 3), ("opening", 2.5), ("experience", 2)], "experience"),  # no real drop: the lowest at 2
    ([("arrival", 1.5), ("opening", 1.5), ("experience", 3)], "arrival"),  # lowest tie: earliest
    ([("arrival", None), ("opening", 4), ("experience", None), ("tough", 2)], "tough"),  # drop across a gap
    ([("arrival", None), ("opening", None)], None),
    ([], None),
    ([("arrival", 3)], None),
    ([("arrival", 2)], "arrival"),
    ([("arrival", 3), ("opening", 3), ("experience", 3)], None),
])
def test_downhill(ratings, want):
    assert downhill(ratings) == want


# ---------------------------------------------------------------- commands, yes/no

@pytest.mark.parametrize("text,want", [
    ("skip", "skip"), ("um skip that", "skip"), ("next question", "skip"), ("pass", "skip"),
    ("say that again", "repeat"), ("repeat", "repeat"), ("sorry what", "repeat"), ("can you repeat that please", "repeat"),
    ("go back", "back"), ("previous question", "back"), ("help", "help"), ("what can i say", "help"),
    ("stop", "stop"), ("Stop.", "stop"), ("please stop", "stop"), ("quit", "stop"),
    ("i wanted to stop rambling", None), ("skip the small talk was fine", None), ("four", None),
    ("i went back to the car", None), ("", None), ("they helped me find the room", None),
])
def test_command_word(text, want):
    assert command_word(text) == want


@pytest.mark.parametrize("text,want", [
    ("hang on", "wait"), ("wait", "wait"), ("um, hold on a second", "wait"), ("i wasn't finished", "more"),
    ("sorry, I'm not done", "more"), ("you cut me off", "more"), ("let me finish please", "more"),
    ("wait for the bus", None), ("i wasn't finished with the task", None),
])
def test_wait_and_more_as_commands(text, want):
    assert command_word(text) == want


@pytest.mark.parametrize("text,rest", [
    # the rest of the last answer, after it was ended too soon
    ("Sorry, I wasn't finished. So then they asked about my thesis.", "So then they asked about my thesis."),
    ("hang on i wasn't done and then i fumbled the last one", "and then i fumbled the last one"),
    ("um, sorry, you cut me off. they asked about my gap year", "they asked about my gap year"),
    ("hang on, I wasn't finished", ""),  # only that: the rest is still to come
    # an answer to the question asked, not the rest of the last one
    ("i wasn't finished when they cut in, so a two", None), ("the traffic was awful", None),
    ("wait, what was the question", None), ("hang on, the bus was late", None),
])
def test_more_said_first(text, rest):
    assert ex.more_said_first(text) == rest


@pytest.mark.parametrize("text,want", [
    ("yes", True), ("yeah", True), ("um yeah sure", True), ("yes please", True), ("sure", True),
    ("i think so", True), ("no", False), ("nope", False), ("no thanks", False), ("not really", False),
    ("i don't think so", False), ("uh no", False), ("four", None), ("", None), ("yeah no", None),
    ("maybe", None),
])
def test_yes_no(text, want):
    assert yes_no(text) is want


# ---------------------------------------------------------------- reply vocabulary

def test_reply_vocabulary_numbers_round_trip():
    phrases = reply_vocabulary("number")
    assert "four" in phrases and "a for" in phrases and "three and a half" in phrases
    for p in phrases:
        assert p == p.lower()
        r = extract(p, "arrival").rating
        assert r is not None and 1 <= r <= 5, p


def test_reply_vocabulary_commands_round_trip():
    phrases = reply_vocabulary("command")
    assert {"skip", "repeat", "go back", "help", "stop"} <= set(phrases)
    for p in phrases:
        assert command_word(p) is not None, p


def test_reply_vocabulary_yesno_round_trip():
    phrases = reply_vocabulary("yesno")
    assert "yes" in phrases and "no" in phrases
    for p in phrases:
        assert yes_no(p) is not None, p


@pytest.mark.parametrize("kind,meaning", [("number", lambda p: extract(p, "arrival").rating), ("yesno", yes_no)])
def test_a_reply_grammar_is_the_replies_and_the_follow_up_commands(kind, meaning):
    phrases = reply_grammar(kind)
    assert set(reply_vocabulary(kind)) <= set(phrases)
    commands = {command_word(p) for p in phrases if meaning(p) is None}
    assert commands == {"repeat", "skip", "stop", "wait"}
    assert {"say that again", "hang on", "stop the debrief", "skip it"} <= set(phrases)
    assert "end" not in phrases and "exit" not in phrases  # one word for stop: "stop" only


def test_reply_vocabulary_unknown_kind():
    with pytest.raises(ValueError):
        reply_vocabulary("colour")


def test_public_constants():
    assert CAUSES == ("late", "nerves", "examples", "preparation", "chemistry", "fit", "rambling",
                      "technical", "salary", "questions")
    script, _ = load_all()
    assert [s.id for s in script.stages if s.rated] == ["arrival", "opening", "experience", "tough", "closing"]
    assert [s.kind for s in script.stages if not s.rated] == ["improve", "nailed"]


# ---------------------------------------------------------------- rules file validation

def _copy_prompts(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "prompts"
    folder.mkdir()
    shutil.copy(PROMPTS / "rules.toml", folder / "rules.toml")
    script = PROMPTS / "script.toml"
    (folder / "script.toml").write_text(script.read_text(encoding="utf-8") if script.exists() else "", encoding="utf-8")
    monkeypatch.setenv("DEBRIEF_PROMPTS", str(folder))
    ex.clear_cache()
    return folder / "rules.toml"


def _expect_error(*needles: str) -> None:
    with pytest.raises(PromptsError) as info:
        extract("four", "arrival")
    msg = str(info.value)
    assert "rules.toml" in msg
    for n in needles:
        assert n in msg, msg


def test_copied_rules_load(tmp_path, monkeypatch):
    _copy_prompts(tmp_path, monkeypatch)
    assert extract("a for", "arrival").rating == 4.0


def test_rules_syntax_error(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    rules.write_text(rules.read_text() + "\n[broken\n")
    _expect_error("not valid TOML")


def test_rules_missing_key(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    text = rules.read_text()
    start = text.index("trailers = [")
    end = text.index("]\n", start) + 2
    rules.write_text(text[:start] + text[end:])
    _expect_error("text.trailers")


def test_rules_unknown_key(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    rules.write_text(rules.read_text().replace("[rating]\n", "[rating]\nstrange_words = [\"x\"]\n"))
    _expect_error("rating.strange_words")


def test_rules_unknown_cause(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    rules.write_text(rules.read_text() + "\n[causes.weather]\npatterns = [\"rain\"]\nexcept = []\n")
    _expect_error("causes.weather")


def test_rules_bad_pattern(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    rules.write_text(rules.read_text().replace('patterns = [\n', 'patterns = [\n  "(unclosed",\n', 1))
    _expect_error("causes.late.patterns")


def test_rules_bad_denial_pattern(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    rules.write_text(rules.read_text().replace("denials = [\n", 'denials = [\n  "(unclosed",\n', 1))
    _expect_error("text.denials")


def test_rules_bad_rating_word(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    rules.write_text(rules.read_text().replace('"terrible" = 1', '"terrible" = 9'))
    _expect_error("rating.words.terrible")


def test_rules_missing_file(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    rules.unlink()
    _expect_error("missing")


# ---------------------------------------------------------------- properties

_VOCAB = ["four", "a", "for", "to", "tree", "out", "of", "ten", "and", "half", "not", "great", "i", "was",
          "nervous", "3.5", "4/5", "3-4", "0", "zero", "between", "or", "skip", "yes", "no", ",", "next",
          "time", "should", "nailed", "the", "um", "twenty", "minutes", "100", "/", "-", ".", "999999999"]

texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(_VOCAB), max_size=25).map(" ".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, stage=st.sampled_from([None, "stage", "improve", "nailed", "other"]))
def test_extract_never_crashes_and_ratings_are_on_the_scale(text, stage):
    r = extract(text, stage)
    if r.rating is not None:
        assert 1.0 <= r.rating <= 5.0
        assert (r.rating * 2) == int(r.rating * 2)
    assert set(r.causes) <= set(CAUSES)
    assert list(r.causes) == [c for c in CAUSES if c in r.causes]
    if stage in ("improve", "nailed"):
        assert r.rating is None


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_commands_and_yes_no_never_crash(text):
    assert command_word(text) in (None, "repeat", "skip", "back", "help", "stop", "wait", "more")
    assert yes_no(text) in (None, True, False)
    rest = ex.more_said_first(text)
    assert rest is None or len(rest) < len(text)


# ---------------------------------------------------------------- held-out fixes (generalised rules)

@pytest.mark.parametrize("text,lo,hi", [
    ("honestly a disaster missed my train", 1, 1.5), ("gutted, i was late", 1, 2), ("gutted i was late", 1, 2),
    ("chuffed, they offered it on the spot", 4, 5), ("a bit of a nightmare, the car park was full", 1, 2),
    ("over the moon", 5, 5), ("pretty rough i blanked", 1.5, 2.5), ("not too shabby", 3, 4),
    # "fine." said first, heard without its full stop, before a sentence without its "i"
    ("fine asked about the pay and the overtime rate they said they'd send it over", 3, 3),
    ("um fine got there early grabbed a coffee", 3, 3),
])
def test_verdict_words_at_the_start(text, lo, hi):
    r = extract(text, "arrival").rating
    assert r is not None and lo <= r <= hi


@pytest.mark.parametrize("text,want", [
    ("nailed it honestly, every hard question was one i'd practised", 5.0),
    ("it was one i'd say", 1.0), ("one, the answer i gave was one i'd rehearsed", 1.0),
    # "one" after its adjective is the thing told of: no answer was rated 1 by "it was a good one"
    ("the last question was a tricky one", None), ("they asked two easy questions and a hard one", None),
    ("i liked the blue one", None), ("honestly a one", 1.0), ("i would say a one, the bus was late", 1.0),
])
def test_pronoun_one_is_not_a_rating(text, want):
    assert extract(text, "tough").rating == want


@pytest.mark.parametrize("text", ["the receptionist said good luck and i went up", "gutted is how i'd describe the traffic"])
def test_start_words_only_at_the_start(text):
    r = extract(text, "arrival").rating
    assert r is None or r == 1.5  # "gutted" leads the second one


@pytest.mark.parametrize("text,cause", [
    ("the car park was full and i circled for ages", "late"), ("the parking meter ate my coins and i had to run", "late"),
    ("get the earlier train", "late"), ("got held up by a rail replacement bus", "late"),
    ("tough, they asked about a gap in my cv and i got flustered", "nerves"), ("i was little tensed", "nerves"),
    ("i was bricking it", "nerves"), ("couldn't remember a single project when they asked", "examples"),
    ("i blanked on my own portfolio", "examples"), ("my examples missed the mark", "examples"),
    ("write down examples from every job", "examples"), ("they pushed for a specific example", "examples"),
    ("i didn't really know what the role involved", "preparation"), ("do a mock interview with a mate first", "preparation"),
    ("look up the salary range first", "preparation"), ("i had no time to prepare", "preparation"),
    ("the small talk just died", "chemistry"), ("none of them smiled", "chemistry"), ("no one smiled", "chemistry"),
    ("he clearly didn't want to be there", "chemistry"), ("we kept talking over each other", "chemistry"),
    ("he had his camera off the whole time", "chemistry"), ("they were reading off a script", "chemistry"),
    ("i don't think it's the right fit for me", "fit"), ("i'm not cut out for a sales floor", "fit"),
    ("i talked about the wrong project for like ten minutes", "rambling"), ("i got carried away", "rambling"),
    ("i repeated myself a lot", "rambling"), ("the case maths totally stumped me", "technical"),
    ("brush up on my excel formulas", "technical"), ("they brought up pay at the end", "salary"),
    ("they asked my expected ctc and i quoted too less", "salary"), ("they asked what i was on now", "salary"),
    ("they asked if i had any questions and my mind went blank", "questions"),
    ("i asked one question and then blanked on the rest", "questions"),
    ("they didn't give me a chance to ask anything", "questions"), ("i had questions written down and forgot to look at them", "questions"),
    ("having three questions written down for the end", "questions"), ("have a couple of questions ready", "questions"),
    # held-out 30 (typed, first run)
    ("they gave me a test, redesign a landing page in figma in forty minutes", "technical"),
    ("they made me teach a demo lesson to senior three", "technical"), ("the reach test and the swim test", "technical"),
    ("then they hauled out a schematic of a shaft generator", "technical"), ("the interaction quiz, sir", "technical"),
    ("de cook-off. they give me a black box", "technical"), ("they asked about the regulations, the mines act", "technical"),
    ("i knew most of them because i reviewed last week", "preparation"), ("study the act. properly.", "preparation"),
    ("download the portfolio onto the laptop the night before", "preparation"),
    ("probably bring a copy of me tickets, me certificates like", "preparation"),
    ("so we start talking cricket", "chemistry"), ("so we talk about char kway teow for a while", "chemistry"),
    ("the recruiters were joking with us", "chemistry"), ("the manager didn't even greet me properly", "chemistry"),
    ("so we were at that for a good ten minutes", "chemistry"), ("they asked how i'd handle weekend boarding duty", "fit"),
    ("i asked if they'd be okay with me working from gozo two days a week", "fit"),
    # held-out 31 (typed, first run): what was told, rapport, a road backed up, a task handed over
    ("four. i told them about the shaft incident at the mine in kadoma", "examples"),
    ("i talked about the baseline survey i did in kailahun", "examples"),
    ("so i told how i managed a shipment of eighty thousand pieces", "examples"),
    ("kumbe we have a friend in common", "chemistry"), ("we know the same aunty from church", "chemistry"),
    ("the manager is from arusha like me", "chemistry"), ("nobody really said hi", "chemistry"),
    ("he was asking about the cricket, whether i watched the match", "chemistry"),
    ("they kept cutting me off", "chemistry"),
    ("the fort pitt tunnel. backed up all the way to green tree", "late"), ("take the earlier kombi", "late"),
    ("because no bus, then traffic at waigani", "late"), ("no bus then traffic", "late"),
    ("the data test. they gave me a laptop with a spreadsheet", "technical"),
    ("they say find the problem. it was the fuel pump", "technical"),
    ("i made a mistake in the cm, the making charge", "technical"),
    # held-out 32 (typed, first run)
    ("so they had a little bench test, a wiring diagram", "technical"), ("the voice test. they gave me a script", "technical"),
    ("they made me do a rescue skills check in the pool", "technical"),
    ("how much they're paying new medics", "salary"), ("i asked them how they pay the field officers", "salary"),
    ("just if they help with rent", "salary"),
])
def test_cause_families(text, cause):
    assert cause in extract(text, "closing").causes


@pytest.mark.parametrize("text,cause", [
    ("the video kept freezing", "nerves"), ("i rambled so much she had to cut me off", "chemistry"),
    ("the interviewer turned up twenty minutes late", "late"), ("forgot my portfolio at home", "examples"),
    ("it was a phone screen so not much small talk", "chemistry"),
    ("i had questions written down and forgot to look at them", "preparation"),
    ("the parking meter ate my money", "salary"), ("do some breathing beforehand", "preparation"),
    ("i walked in flustered and late", "nerves"),
    ("the time a guest lost her passport the night before her flight", "preparation"),
    ("bring a copy of my portfolio", "preparation"), ("they asked about the weekend", "fit"),
    ("i talked about the wrong stuff", "examples"), ("i told her about my cat's surgery", "examples"),
    ("i backed up my files", "late"), ("no traffic at all", "late"), ("no real traffic, then a smooth run", "late"),
    ("i talked about the kids at my last job", "chemistry"),
    ("maybe loosen up a bit on the scenario question", "technical"), ("the reading test", "technical"),
])
def test_cause_families_in_other_senses(text, cause):
    assert cause not in extract(text, "closing").causes


@pytest.mark.parametrize("stage,text,field,want", [
    ("improve", "next time i should have two or three stories ready", "improve", "have two or three stories ready"),
    ("improve", "next time i should have a proper answer for the gap in my cv", "improve", "have a proper answer for the gap in my cv"),
    ("improve", "i should have prepared some questions", "improve", "prepared some questions"),
    ("improve", "i should have brought my portfolio", "improve", "brought my portfolio"),
    ("improve", "honestly nothing, i'd do it the same way", "improve", None),
    ("improve", "nothing really, but maybe talk less", "improve", "talk less"),
    ("nailed", "not much if i'm honest", "nailed", None),
    ("experience", "three i should have two examples ready", "improve", "have two examples ready"),
    ("experience", "four, i smashed the question about a difficult patient but should have mentioned the audit",
     "improve", "mentioned the audit"),
])
def test_possessive_have_and_non_answers(stage, text, field, want):
    assert getattr(extract(text, stage), field) == want


# -- what a recogniser makes of a filler before a rating said first -------------------

@pytest.mark.parametrize("text, rating", [
    ("i'm too i talked about the unit i designed", 2.0),       # "um, two? i talked about ..."
    ("i'm the two there was an accident on the bypass", 2.0),  # "ugh, a two. there was ..."
    ("on for i think i walked them through", 4.0),             # "um, four, i think ..."
    ("i too i was nervous the guy was nice", 2.0),             # "uh, two. i was nervous ..."
    ("at two they called me in", None),                        # a time, not a rating
    ("and two people were late", None),                        # a count
    ("the two of them were lovely", None),
    ("oh the two of them were lovely", None),
    ("in two weeks they will call", None),
])
def test_a_filler_heard_as_a_word_before_a_rating_said_first(text, rating):
    assert extract(text, "stage").rating == rating


# Rules v3: generalised from the misses of the first run on heldout5/6.
@pytest.mark.parametrize(
    "text,rating",
    [
        ("two no one actually", 1),  # a correction to one, not "no one"
        ("three no one was rude to me", 3),  # "no one" stays "nobody"
        ("my rating, a two, though the start was a five", 2),  # a labelled number wins
        ("score: four, even if the second half was a two", 4),
        ("it was a scheme which was fine", None),  # a verdict on a thing, not on the stage
        ("they pitched a plan that sounded good", None),
        ("theyre nice, four", 4),
    ],
)
def test_rules_v3_ratings(text, rating):
    assert extract(text, "arrival").rating == rating


@pytest.mark.parametrize(
    "text,rating",
    [
        # held-out 24 (seen), clean: "mate, a two, actually no, a one. roadworks ..."
        ("make a two actually no one road works on the expressway", 1),
        ("a three, i mean no one, traffic was bad", 1),
        ("two actually no one and a half", 1.5),
        ("two actually no one was at the desk", 2),  # nobody
        ("four actually no one asked about it", 4),
        ("three no one was rude to me", 3),
        # a homophone before "no one" is a number only where a rating starts
        ("i talked to no one", None),  # "to" is a word here, not a two
        ("i did it for no one", None),
        ("in the waiting room i said hello to no one, and sat there", None),
        ("to no one actually", 1),  # said first, "to" may be a two corrected to one
        ("um, to no one", 1),
        ("for no one honestly", 1),
    ],
)
def test_a_number_corrected_to_one_or_nobody(text, rating):
    assert extract(text, "arrival").rating == rating


@pytest.mark.parametrize(
    "text,kind,phrase",
    [
        ("next time id bring my portfolio", "improve", "bring my portfolio"),
        ("next time id bring notes", "stage", "bring notes"),
    ],
)
def test_rules_v3_bare_apostrophes_in_lessons(text, kind, phrase):
    e = extract(text, kind)
    assert (e.improve or e.nailed) == phrase
    assert extract("i showed my photo id at the desk", "arrival").rating is None


@pytest.mark.parametrize("text", ["nothing absolutely nothing next question", "nothing, absolutely nothing",
                                  "nothing next question", "nothing. moving on"])  # fmt: skip
def test_a_repeated_or_waved_off_nothing_is_a_non_answer(text):
    """Heard in a spoken debrief: "nailed? nothing. absolutely nothing. next
    question." was quoted back as the win."""
    assert is_non_answer(text)
    assert extract(text, "nailed").nailed is None


@pytest.mark.parametrize("text", ["honestly? no idea. i'd have to think about it.", "i'd have to think about it",
                                  "not sure, i need to think about it", "no idea, let me think about it",
                                  # held-out 23 (typed, seen): a second non-answer, and its reason
                                  "i don't know, maybe nothing? it all went pretty smooth.",
                                  "i don't know maybe nothing it all went pretty smooth",
                                  "honestly, nothing jumps out. it was all a bit meh."])  # fmt: skip
def test_needing_to_think_about_it_is_a_non_answer(text):
    """Held-out 24: "honestly? no idea. i'd have to think about it." gave the
    lesson "have to think about it"."""
    assert is_non_answer(text)
    assert extract(text, "improve").improve is None
    assert extract(text, "nailed").nailed is None


@pytest.mark.parametrize("text", [
    # held-out 26 (typed, first run): a non-answer and why there is none
    "i don't know. i'm too tired to think about it right now.",
    "ach, nothing, honestly. it's no the job for me at that money anyway.",
    "no idea honestly i'm struggling to think of anything",
    "dunno, my head's fried",
    "uh, i don't know. ask me tomorrow, eh.",  # held-out 27 (typed, first run)
    "bwoy, nothing really. mi wouldn't change nothing today.",  # held-out 28 (typed, first run)
    # a second non-answer after the first is still none ("i stayed professional" is hedged away)
    "nothing. honestly, hmm, i don't know. i stayed professional, i guess? but nothing i'd call nailed.",
    "honestly nothing comes to mind, i'm still kind of buzzing. ask me tomorrow eh.",  # held-out 29 (typed)
    # the thing asked for, denied (held-out 28, typed, first run): the summary would have said
    # "What went well: don't reckon i nailed much of anything"
    "i don't know. don't reckon i nailed much of anything today, tell you the truth.",
    "i don't think i nailed anything",
    "nothing, i didn't nail anything today",
    "honestly i don't think i did anything well",
    "not sure i nailed any of it",
    "i don't think i'd change anything",
    "i don't think there's anything i'd change",
    "i mean, nothing i could've done really. it was their change.",  # dev (typed)
    "shoot, i don't think i did anything well today, honestly.",  # held-out 29 (typed, first run)
    # held-out 30 (typed, first run): a double negative, and why there is none
    "honestly, i can't think of nothing. if they don't call me back, then ask me again.",
    "mm, nothing, sincerely. today was not my day.",
    "eh. nothing, to be honest with you. nothing went well today, i just want to go home and sleep.",  # held-out 31
    # held-out 32 (typed, first run): the question said back first, and "man" between the two
    "nailed? nothing. seriously, i can't think of anything, don't ask me that today.",
    "i don't know, man. nothing comes to mind, honestly.",
])  # fmt: skip
def test_a_non_answer_or_a_denial_is_no_lesson(text):
    assert extract(text, "improve").improve is None
    assert extract(text, "nailed").nailed is None


def test_a_hedge_then_a_real_answer_keeps_the_answer():
    """Held-out 26 (typed, first run): "dunno. the snow week story maybe. aye,
    that went down well." lost its win: a comma after the hedge had meant
    "nothing more to say"."""
    assert extract("dunno. the snow week story maybe. aye, that went down well.", "nailed").nailed.startswith(
        "the snow week story"
    )
    assert extract("nothing really, i'd do it the same way", "improve").improve is None


@pytest.mark.parametrize("text,kind,phrase", [
    # a hedge two words or more into a lesson ends it (the summary said "What went well: the
    # snow week story maybe, aye, that went down")
    # typed held-out 22, 23, 24 and 26 (each seen), then the same answers as heard
    ("dunno. the snow week story maybe. aye, that went down well.", "nailed", "the snow week story"),
    ("the reading programme, i think. i could tell they liked it.", "nailed", "the reading programme"),
    ("the reading program i think i could tell they liked it", "nailed", "the reading program"),
    ("catching my own mistake i think they respected that", "nailed", "catching my own mistake"),
    ("the reaction test i reckon a quick twelve years of bus driving does that", "nailed", "the reaction test"),
    ("um. getting there early i suppose? that's about it.", "nailed", "getting there early"),
    ("get quicker at reading logs under pressure, maybe practise on some sample ones at home.", "improve",
     "get quicker at reading logs under pressure"),
    ("brush up on the computer so i'd maybe do another course before the next one", "improve",
     "brush up on the computer"),
    # a hedge with fewer than two words before it is part of the lesson
    ("maybe talk less about the old job", "improve", "talk less about the old job"),
    ("i don't know, maybe practise more", "improve", "practise more"),
    # after "and", "or" or a wh-word the hedge belongs to what follows
    ("slow down and maybe breathe before i answer", "improve", "slow down and maybe breathe before i answer"),
    ("giving them what i think they wanted to hear", "nailed", "giving them what i think they wanted to hear"),
    # after a denial, a "but" names the lesson
    ("i didn't do anything well but the story about the flood landed", "nailed", "the story about the flood landed"),
    ("i don't think i nailed anything, but the chat at the start was good", "nailed", "the chat at the start was good"),
    ("i don't think i prepared enough", "improve", "i don't think i prepared enough"),  # a lesson, no denial
    ("i didn't prepare anything", "improve", "i didn't prepare anything"),
    # a lesson does not start on a joining word ("in system design" heard as "and system design")
    ("and the chat at the start was good", "nailed", "the chat at the start was good"),
    ("but the story about the flood went down well", "nailed", "the story about the flood went down well"),
    ("and um practise my examples out loud", "improve", "practise my examples out loud"),
])  # fmt: skip
def test_the_lesson_said_back(text, kind, phrase):
    got = extract(text, kind)
    assert (got.improve if kind == "improve" else got.nailed) == phrase


def test_a_win_named_before_its_marker_is_not_the_lesson_after_it():
    """Dev d02, clean: "... the new handover system which i was proud of but i
    think i went on way too long" named the lesson as the win."""
    got = extract(
        "three i talked about the ward reorganisation and the new handover system which i was proud of "
        "but i think i went on way too long like i could actually see her",
        "experience",
    )
    assert got.nailed is None
    assert got.improve is not None and got.improve.startswith("i went on way too long")
    assert extract("nailed it honestly, every hard question was one i'd practised", "tough").improve is None


def test_a_tentative_lesson_after_not_knowing_is_still_a_lesson():
    assert extract("i don't know, maybe practise more", "improve").improve == "practise more"
    assert extract("i don't know maybe nothing but i rambled", "improve").improve == "i rambled"


@pytest.mark.parametrize("text,rating", [
    # held-out 24 (seen), each heard without its full stop or its "a"
    ("so we had a natter about that five definitely", 5),  # "definitely" closes a number
    ("we had a chat four without a doubt", 4),
    ("there were two definitely people in the room", None),
    ("okay this was the best part i'd put it at five i walked them through it like three times", 5),
    ("i would put it at three really", 3),  # "put it at" names a rating
    ("we met at four in the lobby", None),  # "at" a time stays no rating
    ("they put it at five o'clock", None),
    ("so that was one on one out of five no question about it", 1),  # "... a one. a one out of five"
    ("it was a one on one, three out of five", 3),
    ("no one out of five people", None),
    ("the one on one was short", None),
])  # fmt: skip
def test_a_number_closed_by_definitely_named_by_put_it_at_or_before_out_of_five(text, rating):
    assert extract(text, "experience").rating == rating


def test_thinking_about_something_can_still_be_the_lesson():
    assert extract("next time i need to think about the question before answering", "improve").improve
    assert extract("no idea, i should have prepared more", "improve").improve == "prepared more"


@pytest.mark.parametrize(
    "text, want",
    [
        ("i was clear. four out of five on that one.", 4.0),  # held-out 3: a scale, then "on that one"
        ("i'd say three out of five in terms of how it went", 3.0),
        ("four out of five people said no", None),  # a count: a noun after the scale
        ("four out of five of us got it wrong", None),
    ],
)
def test_a_number_with_its_scale_then_a_preposition_is_a_rating(text, want):
    assert extract(text, "stage").rating == want


# A self-correction typed with punctuation: "no" set off by commas or a full
# stop. Before, "three, no, four" kept the three (the bare "no" had to touch the
# number), and "two. no, probably a one and a half" kept the two.
@pytest.mark.parametrize(
    "text, want",
    [
        ("three, no, four.", 4.0),
        ("three no, four", 4.0),
        ("a four. no, five. it was fine. five.", 5.0),
        ("three. no, two. it was awkward.", 2.0),
        ("two. no, probably a one and a half", 1.5),
        ("two no probably a one and a half", 1.5),  # as a recogniser writes it
        ("i gave it three, no problems there", 3.0),  # "no" that corrects nothing
        ("four, no doubt. one of the best", 4.0),
        ("three, no complaints, four stars from me", 3.0),
        # a verdict given after the correction settles it again (held-out 7)
        ("three. no, four, parking was easy. it was finding the right door. so call it three and a half.", 3.5),
        ("two, no, three. they were nice. i'd say three.", 3.0),
        ("a four. no, three. there were two of them, one was lovely.", 3.0),
    ],
)
def test_a_correction_across_punctuation_takes_the_last_number(text, want):
    assert extract(text, "experience").rating == want


# Held-out 9 (typed, after its first run): a "no" after a hedge still corrects;
# a number said again with a half refines it, over someone else's number; a
# closing verdict beats a rating said first. And what must not move.
@pytest.mark.parametrize(
    "text, want",
    [
        ("there was a scenario about a budget cut. i dithered. one, maybe. no, let's be kind, one and a half.", 1.5),
        ("one maybe no lets be kind one and a half", 1.5),  # as a recogniser writes it
        ("my sister is saying i should say five because they answered properly. hmm, four. four and a half.", 4.5),
        ("and four four and a half", 4.5),
        ("so, yeah, three, or three and a half. three.", 3.0),  # "or": a range, then the verdict
        ("four. i shared the case of a marathon runner, then i lost them a bit. so, three point five.", 3.5),
        ("four i shared the case of a runner and i lost them a bit so three point five", 3.5),
        ("two. the drive was long. overall, a three.", 3.0),
        ("three. there were two of them, so two people asking.", 3.0),  # a count at the end is no verdict
        ("four. they asked about the budget and it went fine so", 4.0),
        ("three. we talked about rugby and then they were so five minutes late", 3.0),  # not at the end
    ],
)
def test_corrections_refinements_and_closing_verdicts(text, want):
    assert extract(text, "experience").rating == want


# Held-out 10 (typed, after its first run): an earlier number said again to
# end the answer, after another one, is where the person settled.
@pytest.mark.parametrize(
    "text, want",
    [
        ("i think they could see it fits the role well. four and a half, maybe five. four and a half.", 4.5),
        ("four and a half maybe five four and a half", 4.5),  # as a recogniser writes it
        ("like twenty minutes on one slide. three, three and a half. three.", 3.0),
        ("two, maybe three. two.", 2.0),
        ("two, maybe three. two. the traffic was fine", 3.0),  # not the answer's end: as before
        ("four and a half, maybe five.", 5.0),  # not said again: as before
        ("a two at the start, then a four. four.", 4.0),  # said again, but not an earlier one
    ],
)
def test_a_number_said_again_to_end_the_answer_settles_it(text, want):
    assert extract(text, "experience").rating == want


# Held-out 12's transcripts (after its first run), as the recogniser writes them.
@pytest.mark.parametrize(
    "text, want",
    [
        # two numbers half a point apart are no range (its middle is no rating)
        # but the number refined ("three, maybe two and a half")
        ("sometimes i searched the worst three maybe two and a half", 2.5),
        ("three, maybe two and a half", 2.5),  # as typed: as before
        ("um i'd say three maybe three and a half", 3.5),
        ("i did my tests in order three and a half or four was safe", 4.0),
        ("two or three", 2.5),  # a range: its middle
        ("maybe four maybe five", 4.5),
        # "five, no question.": a trailer of certainty makes the number a rating,
        # as "four overall" does (held-out 9 had the same)
        ("i had the drawing so my tablet five no question", 5.0),
        ("twenty two years no preventable accidents by boat five no question", 5.0),
        ("it went well four for sure", 4.0),
        ("three no doubt about it", 3.0),
        ("we had two no questions at the end", None),  # no trailer: a count
        ("i had no questions", None),
        # of two ratings as strong, the one that ends the answer (but for a
        # trailer) wins: "eleven floors" heard as "a one for ..."
        ("so i walked up a one for senate seat sweaty i'd say three", 3.0),
        ("from a one and record balls down to two had the numbers on a sheet of paper cold four ish", 4.0),
        ("they had me waiting about forty minutes which didn't help a two i think", 2.0),
        ("a two at the start, then a four. four.", 4.0),  # as before
        ("a four i'd say, the traffic was bad and i'd say a three for the drive", 4.0),  # the last is not the end
        # "two, no, one, honestly": a trailer after the "one" keeps it a correction
        ("so i arrived just on the dot sweaty two no one honestly", 1.0),
        ("three no one honestly cared", 3.0),  # "no one" as a pronoun: as before
    ],
)
def test_held_out_12_transcripts(text, want):
    assert extract(text, "experience").rating == want


@pytest.mark.parametrize(
    "text, want",
    [
        # "between a two and a three" is a range as "between two and three" is
        # (held-out 13, typed, after its first run)
        ("somewhere between a two and a three. they asked how i'd handle a contractor", 2.5),
        ("somewhere between a two and a three they asked how i'd handle a contract or we just", 2.5),
        ("between two and three", 2.5),  # as before
        ("between a three and four i guess", 3.5),
        ("it was a two and a three year old kid was there", 2.0),  # no "between": no range
        # "three, um, no, two" heard as "three um no to the ...": a homophone
        # right after a "no" that follows a number is the correction
        ("three um no to the train was running late and then i couldn't find the entrance", 2.0),
        ("three no to the tram", 2.0),
        ("they said no to the offer, three", 3.0),  # no number before the "no"
        ("i said no to the second interview", None),
    ],
)
def test_held_out_13_transcripts(text, want):
    assert extract(text, "experience").rating == want


@pytest.mark.parametrize(
    "text, want",
    [
        # a bare "one" inside a sentence is a pronoun; the rating that ends the
        # answer wins (held-out 14, typed, its two misses at its first run)
        ("system design. design a rate limiter at scale. i've literally built one, but i blanked on the token "
         "bucket details and they just let me flounder. one and a half.", 1.5),
        ("short one. i asked about the timetable and whether there'd be a chance to take on the debating club. "
         "four or five.", 4.5),
        ("one. i built one before, but i blanked", 1.0),  # said first, at the start: as before
    ],
)
def test_held_out_14_transcripts(text, want):
    assert extract(text, "experience").rating == want


def test_number_words_as_names_are_no_rating():
    # held-out 12, typed (after its first run): Scottish school years
    text = ("um, so i talked about the literacy project, the paired reading thing we did wi' the primary sevens "
            "and the primary twos, and the reading ages went up by, like, over a year on average. four and a half. "
            "i was pleased wi' that.")
    assert extract(text, "experience").rating == 4.5
    assert extract("the primary twos and threes were lovely", "experience").rating is None


# The demo's "four out of five" comes back from pocketsphinx as "far out of
# five": a number word misheard right before its scale is still the number.
@pytest.mark.parametrize(
    "text, want",
    [
        ("far out of five the receptionist was friendly and the small talk was easy", 4.0),
        ("honestly far out of five", 4.0),
        ("i drove far, the site was out of town", None),  # "far" anywhere else is a word
        ("far too long in reception", None),
        ("it was far from great", 2.5),  # "far from" negates the verdict: it was a 5 before
        ("far from perfect, the start", 2.5),
        ("nowhere near good", 2.5),
        # "out" without its "of" is the scale too (held-out 26, 15 dB: "... two minutes to spare. two
        # out of five." heard "... two minutes to spare to out five", read as 5)
        ("about two minutes to spare to out five", 2.0),
        ("it was good out five", 5.0),
        ("we went out five times", None),
    ],
)
def test_far_before_a_scale_is_four_and_far_from_is_a_negation(text, want):
    assert extract(text, "opening").rating == want


def test_rules_homophones_before_scale_are_checked(tmp_path, monkeypatch):
    rules = _copy_prompts(tmp_path, monkeypatch)
    rules.write_text(rules.read_text().replace("far = 4", "far = 9"))
    _expect_error("rating.homophones_before_scale.far", "from 1 to 5")


# An opener is no verdict: "okay" before "so" at the start of a story (held-out 8).
@pytest.mark.parametrize(
    "text, want",
    [
        ("oh god. okay. so i got off at the wrong subway stop and had to run like four blocks.", None),
        ("oh god ok so i got off at the wrong sub was stopped", None),  # as a recogniser writes it
        ("okay so a four, the bus was on time", 4.0),
        ("okay, the traffic was fine", 3.0),
        ("okay i guess, the bus was fine", 3.0),
        ("it was okay so i was happy", 3.0),  # a verdict after "it was", not an opener
        ("okay so it was okay", 3.0),
    ],
)
def test_an_opener_is_no_verdict(text, want):
    assert extract(text, "arrival").rating == want


# "one" after "the" and its noun is a pronoun ("the child protection one"), unless
# it ends the answer ("... missed the indemnity clause. one.").
@pytest.mark.parametrize(
    "text, want",
    [
        ("the child protection one, what would you do if a child told you something. my voice went wobbly.", None),
        ("the technical one was hard", None),
        ("my mind went blank i missed the indemnity clause one", 1.0),
        ("the bus was late so one", 1.0),
        ("the interview was a one", 1.0),
    ],
)
def test_one_after_the_and_a_noun_is_a_pronoun(text, want):
    assert extract(text, "tough").rating == want


# "zero" after "almost", "to", "down to" is an amount, not a rating (held-out 8:
# a story cut at "... from two percent to almost zero." as if its rating were said).
@pytest.mark.parametrize(
    "text, want",
    [
        ("we brought the failures down from around two percent to almost zero. so, three and a half.", 3.5),
        ("we brought the failures down from around two percent almost zero", None),
        ("we got the backlog down to zero", None),
        ("zero, literally zero, the car park was full", 1.0),
        ("the traffic was bad, zero", 1.0),
        ("honestly i would give it zero", 1.0),
    ],
)
def test_zero_after_almost_is_an_amount(text, want):
    assert extract(text, "experience").rating == want


# Spoken transcripts the rules misread, from held-out 14, 17 and 18 (seen):
# "... ten to nine for a nine o'clock. a two, if that." was a 5 (the time "ten
# to nine" as a range on a scale of ten), "on a one-way system" a 1, "one out
# of five" heard as "one of five" a 5, "five, easily" without its comma no
# rating; "i'd say a two, or, no, one and a half" without its commas a 2 ("no
# one" hid the correction); "so i told her about going out to the shows"
# heard as "... about one out to the shows" a 1 ("about" after a verb of
# talking is the preposition); "three per four" (pocketsphinx's "three or
# four") a 3.
@pytest.mark.parametrize(
    "text, want",
    [
        ("so i was parking on the side street at like ten to nine for nine o'clock a two that i had to run", 2.0),
        ("i got there at ten to nine", None),
        ("it was five to four when they called me in", None),
        ("three to four", 3.5),
        ("a four to five i'd say", 4.5),
        ("the school is on a one-way system. a two, if that.", 2.0),
        ("the school is on a one way system and the satnav sent me round the loop", None),
        ("so a one of five for that", 1.0),
        ("so, uh, one out of five for that", 1.0),
        ("two of five", 2.0),
        ("i was one of five candidates", None),
        ("it was one of those days", None),
        ("we had this instant connection about stock takes and christmas rotas five easily", 5.0),
        ("we talked about rotas five easily", 5.0),
        ("i'd say a two or no one and a half honestly", 1.5),
        ("i'd say a two no one and a half", 1.5),
        ("two no one actually", 1.0),
        ("three no one was rude", 3.0),
        ("two or no one was there", 2.0),
        ("no one talked to me, so a two", 2.0),
        ("she asked how so i told her about one out to the shows every weekend", None),
        ("we talked about one and then she showed me round", None),
        ("i'd say about three", 3.0),
        ("it was about a three", 3.0),
        ("i talked about three, honestly. the drive was fine", 3.0),
        ("three per four i had three brand campaign the one that got us two point one million impressions", 3.5),
        ("three per four", 3.5),
        ("we did two per week", None),
        ("it cost four per cent more", None),
        # a number that answers a question of amount is a count (held-out 19, typed)
        ("i asked about the team, like how many people report into the role, it's four, "
         "and what the first ninety days would look like. three and a half.", 3.5),
        ("i asked how many people report into the role, it's four, and what the first ninety days would look like",
         None),
        ("they asked how long i'd been there, i said five, and i'd give it a four", 4.0),
        # "i'd say" before the answer's last word closes it, as "so" does (held-out 19, 15 dB:
        # "uh, the streetcar got short-turned" heard as "of a three for that short term")
        ("of a three for that short term so i had to get off and walk like fifteen minutes "
         "i was already kind of panicking i'd say a two", 2.0),
        ("three, i think. the streetcar got short-turned and i walked in the snow. i'd say a two.", 2.0),
        # ... a word that only sounds like a number does not
        ("four. they were nice and the office was lovely, i'd give it to", 4.0),
        ("four. they were nice, i'd say too", 4.0),
        # "on that one" after a number rates the part just told, it counts nothing (held-out 21, typed)
        ("the panel asked why i'd been out of teaching for six years, and, maybe a two on that one, "
         "because i hadn't prepared for it and i just waffled.", 2.0),
        ("and maybe a two on that one because i hadn't prepared for damages waffle", 2.0),
        ("there were two on that panel and three on this one", None),
        # a verb's "in" before the answer's last words blocks no rating (held-out 21, clean)
        ("got it mostly right i reckon but i should brush up on the um minutes before going in two or three", 2.5),
        ("but i should've brushed up on the amendments before going in. two or three.", 2.5),
        ("they said i'd hear back in two or three weeks", None),
        # ... and so does an object pronoun's (held-out 26, clean: "... comfortable with her. five.")
        ("we got talking about the pigments i felt very comparable with her five", 5.0),
        ("i met her five kids", None),
        # a particle closing the sentence keeps its number a rating (held-out 27, typed, first run)
        ("i stayed calm, i used the approach from my current job. i will say four sha.", 4.0),
        ("three lah. the mrt was okay", 3.0),
        # "er" heard as "or" before a number said first (held-out 27, clean, first run)
        ("or three the op's manager was our right bit of a dress or we talked about how", 3.0),
        ("or three of us went", None),
        ("four or three", 3.5),
        ("i told them two things about it", None),
        # the part named first, then its number, heard without the comma (held-out 28, clean, first run)
        ("this one five i told them how i grew my portfolio from about forty accounts", 5.0),
        ("that bit, a two. they asked about gaps", 2.0),
        ("that one two of them asked about it", None),
        ("this one the panel was nice", None),
        # a closing word people end on after a rating, only as the last word (held-out 28, first run)
        ("we laugh for a good ten minutes before him even look at my cd five again", 5.0),
        ("i was there at half nine for a ten o'clock. four, like.", 4.0),
        ("she'd also been stuck in it so that helped a bit three ja", 3.0),
        ("there were four like that", None),
        ("i had four like interviews that week", None),
        ("we waited for like", None),
        # "and a half" heard as "him a half", "them a half", "man a half" (held-out 29 at 15 dB, and the
        # transcripts of earlier sets, where the number pass alone read them)
        ("so two maybe a bit more call it a two man a half", 2.5),
        # "call it" settles on the number after it, as "make it" does (held-out 29, typed)
        ("so a two, maybe a bit more, call it two and a half.", 2.5),
        ("four, call it three and a half", 3.5),
        ("he was eating his sandwich while we talked to him a half", 2.5),
        ("yeah i froze overall i'll say to them a half", 2.5),
        ("we talked to him a half hour", None),
        ("i gave two of them a half day off", None),
        # held-out 30 (typed, first run): a school year is no rating, a count question answered by a
        # number is no longer asked, and the words people close a rating with
        ("they made me teach a demo lesson to senior three, rates of reaction. five, sincerely.", 5.0),
        ("i asked about the training in auckland, how long it is. six weeks. five, vinaka.", 5.0),
        ("i asked how many people report into the role, it's four", None),
        ("they was straight with me. five, real good.", 5.0),
        ("i was sure i'd be late but i reached at nine fifty eight two minutes before or three law", 3.0),
        ("i studied three law books", None),
        ("i gave up too fast one and a half no two two la", 2.0),  # held-out 30, clean: "... two, two lah."
        ("i went to la la land", None),
        # a range said mid-answer, then how generous it is, without a comma (held-out 30, pauses, and as
        # Vosk writes every answer: "... in like one minute. two or three, if i'm generous.")
        ("i rushed the real part in like one minute two or three if i am generous", 2.5),
        ("we met two or three if i remember", None),
        # a rating said first after an interjection, as a recogniser writes it, without commas
        # (held-out 24-30 typed, with the punctuation taken off)
        ("ha four got the tram in got there at half two", 4.0),
        ("ag two load shedding so the robots were out", 2.0),
        ("ah jaysus two i was shaking like a leaf", 2.0),
        ("yeah nah one couldn't find a park anywhere near the office", 1.0),
        ("well two people interviewed me", None),
        ("okay one thing i noticed", None),
        ("they gave me a test board with a fault on it four i reckon cos i did the insulation test", 4.0),
        ("i had to walk the last bit in the snow and i was like three minutes late a two eh", 2.0),
        ("we had two cos the others were off", None),
        # "give it" names the number after it as the rating, whatever follows (held-out 29, 15 dB and
        # pauses: "... i'd give it a two if i'm being kind." heard as "... a two by being kind")
        ("they said they'd be in touch i'd give it a two by being kind", 2.0),
        ("the outdoor learning i'd give that a four ish were clean up with my class", 4.0),
        ("i'd give it two weeks before i hear", None),
        ("i'd give it a go", None),
        # a road or a code read digit by digit is no rating (held-out 29, typed, first run)
        ("och, the drive was bonny, an hour down the a eight three five, no bother at all, i was there "
         "with forty minutes to spare and sat in the car with my notes. four and a half.", 4.5),
        ("the a eight three five was empty", None),
        ("five five five three hours on the floor during the brunch rush", 5.0),  # held-out 25, clean
        ("four three and a half", 4.0),
        # a range said bare spans a point: "one five" is no range of 3 (held-out 27, 15 dB: "... five, easy."
        # heard as "... correlates than one five easy")
        ("she says correlates than one five easy", 5.0),
        ("it was two three i'd say", 2.5),
        # "i'd say a", "call it a" name the number right after them, whatever follows; a later
        # correction still wins (held-out 24, 5 dB: "i'd say a three, nobody really cracked a smile")
        ("you know a three of them i want to avoid report so i'd say a three oh boy who eat breakfast", 3.0),
        ("so the first two shots ran my trickle i'd say a two na we're like a three", 3.0),
        ("i'd say a three hour drive", None),
        # "yeah nah" heard as "yeah now", "yeah good, four" without its comma (held-out 28, 26; 15 dB)
        ("yeah now one couldn't find parking anywhere near the office", 1.0),
        ("yeah good four won't be here but they liked my tickets", 4.0),
        ("now two people interviewed me", None),
        ("good four hours of it", None),
        # held-out 31, clean, first run: words a recogniser wrote after a rating
        ("three serious type the g m", 3.0),  # "three. serious type, the gm." ("serious" is no plural)
        ("three nervous candidates were waiting", None),
        ("all easy for four and a half i was there like twenty minutes early", 4.5),  # "oh, easy. four, four and a half."
        ("we waited for two and a half hours", None),
        ("oh easy four four and a half i was there like twenty minutes early", 4.5),  # typed, without punctuation
        ("we had four four and a half hour shifts", None),
        # "four. or, no, three and a half, because i made one mistake" heard with its first four lost
        ("so i had to ask for work no three and a half because i'm a one the state of the best", 3.5),
        ("they say yeah two or three cause i ain't love that", 2.5),
        # a range with its reason after it (held-out 31, clean, 15 dB and pauses: "... and they say yeah,
        # some sundays. two or three, 'cause i ain't love that." heard "... some some days two or three cause")
        ("they say yeah some some days two or three cause i'm a while back", 2.5),
        ("we had two or three because the others were off", None),
        ("there were two or three cos it was busy", None),
        # "yeah" closes a rating said last (held-out 31, 15 dB: "... i don't think. two, maybe a one. yeah, one."
        # heard "... i don't think you radio one yeah"; the number pass had read a 4 from "the fort")
        ("so it's not for me i don't think you radio one yeah", 1.0),
        ("the panel were fine three yeah", 3.0),
        # "this one was my best, five. i told them ..." (held-out 32, clean, 15 dB and pauses, first run)
        ("this one was my best five i told them about the farmers", 5.0),
        ("my best five minutes", None),
        ("the train sat outside the worst three for about twenty minutes", None),
        ("i got one yeah and then they called", None),
        ("yeah two people came", None),
        # a time told to the minute is no rating (held-out 29, read live with pauses, first run: the
        # answer ended at its pause as if rated, and every later answer went a question late)
        ("by the brain word traffic tell i left the house a while for two o'clock until i reached there "
         "ten minutes to two", None),
        ("i reached there ten minutes to two rushing from the car park so i will say three", 3.0),
        ("we got in at quarter to four", None),
        # a half said last is the rating, and a word before it blocks no half (held-out 29, clean
        # and pauses, first run: "... showed 'em the rota i built an' all. four and a half, easy.")
        ("showed them the road i'd open all four and a half easy", 4.5),
        ("an hour down there a three five no bother at all i was there with forty minutes to spare "
         "and said in the car with my notes four and a half", 4.5),
        ("we were all four and a half hours in that room", None),
        # Singaporean particles close a rating as "lah" does (held-out 29, typed, first run)
        ("the tech lead joined on video from hong kong, very serious one, camera off the whole time. so four lor.", 4.0),
        ("three leh, not bad", 3.0),
        # "two or three" heard as "to or three" (held-out 28, pauses, first run)
        ("i manage people who do that so i was slow to or three", 2.5),
        ("we went to or three places", None),
        # a range that times something is no rating at either end
        ("we started at two or three, and it went on", None),
        # after "a" a number needs a clause to start after it: "a three statement model" is
        # no rating (held-out 21, typed and spoken), nor the number pass's "honestly a five should have"
        ("they gave us forty five minutes to build a three statement model from a spreadsheet", None),
        ("i didn't have any numbers to back it up and honestly a five should have a couple of examples", None),
        ("she had a budget mean a four walk so we were on the clock, she made me feel welcome "
         "three and a half call it", 3.5),
        ("a two which was fair enough given the traffic", 2.0),
        ("a four when they asked about my portfolio", 4.0),
        ("it was a three honestly", 3.0),
        # "basically" after a number closes it as "honestly" does (dev d18, clean)
        ("the whole rest of it felt like they'd already decided one basically", 1.0),
        ("they'd already decided, one basically, and i could tell", 1.0),
    ],
)
def test_spoken_transcripts_the_rules_misread(text, want):
    assert extract(text, "experience").rating == want


@pytest.mark.parametrize("text,want", [
    # held-out 23, first run, clean (seen): "... for ages. five, easy." heard without its pauses
    ("we were on about the chippy on the high street for ages five easy", 5),
    ("they asked two easy questions about the role", None),
    # "uh, four, no, three, my sauce split" heard as "... forty minutes up for no three was so split"
    ("they gave me a box forty minutes up for no three was so split and i had to start again", 3),
    ("i waited for no three minutes", None),  # a count after the correction is still a count
    # typed: a school year is no rating (it was read as 4)
    ("they had me teach twenty minutes on fractions to year four, and i did the pizza slices thing", None),
    ("i teach year two, i'd give it a four", 4),
    # clean: "... so i walked in bang on nine with my hands all shaky" heard as "... and then one i'm with ..."
    ("so i walked and then one i'm with my hands", None), ("it dragged on and then, three.", 3),
])
def test_held_out_23_readings(text, want):
    assert extract(text, "tough").rating == want
