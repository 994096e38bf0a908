"""Table-driven tests for each failure kind of issue #10 ("understand more of what
people say"), written as general patterns with several examples per kind, and for
the summary helpers: cause polarity, second_person, downhill and is_non_answer."""

from __future__ import annotations

import pytest

from assistant.understanding import extract as ex
from assistant.understanding.extract import extract


@pytest.fixture(autouse=True, scope="module")
def fresh_rules():
    ex.clear_cache()
    yield
    ex.clear_cache()


# ---------------------------------------------------------------- ratings: misheard numbers before "out of"


@pytest.mark.parametrize("text,want", [
    ("for out of five", 4.0), ("free out of five", 3.0), ("to out of five", 2.0), ("too out of five", 2.0),
    ("won out of five they were cold", 1.0), ("tree out of five i was a bit late", 3.0),
    ("um for out of five honestly", 4.0), ("i'd give it a for out of five the traffic was fine", 4.0),
    ("i'd say too out of five", 2.0), ("free out of ten", 1.5), ("for out of 5", 4.0),
])
def test_misheard_number_before_out_of(text, want):
    assert extract(text, "arrival").rating == want


@pytest.mark.parametrize("text", [
    "i drove for miles out of town", "they gave me free coffee out of the machine",
    "i went to the office", "for the first part i was waiting",
])
def test_homophones_without_a_scale_stay_words(text):
    assert extract(text, "arrival").rating is None


# ---------------------------------------------------------------- ratings: self-corrections


@pytest.mark.parametrize("text,want", [
    ("a three no actually more like a two", 2.0),
    ("a four maybe a three actually no i'll stick with four", 4.0),
    ("two no three", 3.0), ("a four no a three", 3.0), ("three actually make that a two", 2.0),
    ("five wait no four", 4.0), ("i'd say four or rather three and a half", 3.5), ("a two sorry a three", 3.0),
    ("three i mean four", 4.0), ("um four, hang on, more like a three", 3.0),
    ("honestly a two, thinking about it a three", 3.0), ("um two no wait three they were nice enough", 3.0),
    ("like a two or actually no a one it was bad", 1.0),
])
def test_the_last_number_wins_a_self_correction(text, want):
    assert extract(text, "tough").rating == want


@pytest.mark.parametrize("text,want", [
    ("four, actually no complaints, they were lovely", 4.0), ("four actually the interviewer was great", 4.0),
    ("i'd give it a four, not a three", 4.0), ("three, no two ways about it", 3.0),
    ("maybe four maybe five", 4.5), ("a two or a three", 2.5),
])
def test_no_correction_without_a_second_rating(text, want):
    assert extract(text, "tough").rating == want


# ---------------------------------------------------------------- ratings: other ways of giving one


@pytest.mark.parametrize("text,want", [
    ("i'd go with three", 3.0), ("i'll go with four", 4.0), ("let's say three", 3.0), ("i'd go with a two", 2.0),
    ("they asked me about the time i had to deal with a difficult stakeholder and i handled it okay three i suppose",
     3.0),
    ("we talked about the budget and the team and all that stuff two i reckon", 2.0),
    ("they asked loads about my background and i did alright four i think", 4.0),
    ("the interviewer kept me on my toes three overall", 3.0),
    ("on a scale of one to five maybe a three", 3.0), ("on a scale of one to ten i'd say a six", 3.0),
    ("on a scale of 1 to 5 a four", 4.0), ("from one to five maybe two", 2.0),
    ("four on time no problems", 4.0), ("three on the whole", 3.0), ("four in the end", 4.0), ("two at best", 2.0),
    ("number four", 4.0), ("number three", 3.0), ("i'd say number two", 2.0),
])
def test_other_ways_of_giving_a_rating(text, want):
    assert extract(text, "tough").rating == want


@pytest.mark.parametrize("text", [
    "we had three interviewers and i met two of them", "they were on question number four when i froze",
    "they wanted five years and i have three", "they wanted ten years and i've got six",
    "i had three interviews this week", "the bus number four was late", "they wanted a driver and i'm not one",
])
def test_counts_stay_counts(text):
    assert extract(text, "tough").rating is None


# ---------------------------------------------------------------- causes: topics in a neutral or good direction


@pytest.mark.parametrize("stage,text,cause", [
    ("closing", "i asked about onboarding and they said great question", "questions"),
    ("closing", "four i asked them what the team is working on next", "questions"),
    ("closing", "i had three questions written down and got through all of them", "questions"),
    ("closing", "my questions went down well i think", "questions"),
    ("closing", "i got to ask about the culture which was useful", "questions"),
    ("closing", "Five. Asked great questions, left on a high.", "questions"),
    ("experience", "i had my star stories ready", "examples"),
    ("experience", "i had two solid examples lined up for leadership", "examples"),
    ("experience", "i told them about the time i turned round a failing project", "examples"),
    ("experience", "i walked them through my github and the side project", "examples"),
    ("experience", "they loved the story about the warehouse system i built", "examples"),
    ("opening", "i'd done my research", "preparation"),
    ("opening", "i did a mock interview with my sister the night before and it helped", "preparation"),
    ("tough", "i'd practised the why us question loads", "preparation"),
    ("tough", "five out of five honestly i was ready for all of it", "preparation"),
    ("tough", "the case study was tough but i walked through it", "technical"),
    ("tough", "they gave me a logic puzzle and i cracked it", "technical"),
    ("tough", "the estimation question was fun", "technical"),
    ("tough", "i enjoyed the whiteboard bit", "technical"),
    ("opening", "we clicked", "chemistry"), ("opening", "we got on really well", "chemistry"),
    ("opening", "she was really easy to talk to", "chemistry"),
    ("opening", "the interviewer was lovely and we got chatting about hiking", "chemistry"),
    ("closing", "the salary talk went fine", "salary"),
    # held-out 26 (typed, first run)
    ("arrival", "i was legging it in with about two minutes to spare", "late"),
    ("arrival", "i got there with literally a minute to spare", "late"),
    ("closing", "and then my mind just went empty, i had nothing else to ask", "nerves"),
    ("improve", "read the whole school evaluation report before going in", "preparation"),
    ("nailed", "my research, definitely", "preparation"),
    ("opening", "site manager was a man of few words. bit hard to read.", "chemistry"),
    ("opening", "we got talking about the pigments, i felt very comfortable with her", "chemistry"),
    ("improve", "brush up on hydraulics, i'm rusty on the pitch systems", "technical"),
    ("improve", "ask more about the team and who i'd actually be working for", "questions"),
    # held-out 27 (typed, first run)
    ("arrival", "i walked past it twice, almost late sia", "late"),
    ("tough", "no idea how i did, you just sit there sweating", "nerves"),
    ("tough", "but i went round and round, told about three different stories", "rambling"),
    ("opening", "we yarned about the skate park for a bit", "chemistry"),
    ("opening", "miss darlene, the owner, she's a hoot", "chemistry"),
    ("nailed", "getting on with miss darlene, for sure.", "chemistry"),
    ("experience", "i walked them through the final account on the school job", "examples"),
    ("experience", "so i brought my phone with pictures of jobs", "examples"),
    ("improve", "brush up on the irrigation side of things before the next one.", "technical"),
    ("improve", "read the questions off my phone. nobody minds.", "questions"),
    ("closing", "then she asked if i had more questions and i just said no", "questions"),
    # held-out 28 (typed, first run)
    ("arrival", "and still there was go-slow from ojuelegba", "late"),
    ("arrival", "i reached exactly on time only, no buffer at all, so i was very tense", "late"),
    ("improve", "sort the parking out the night before, mate.", "late"),
    ("arrival", "roads were sheer ice on circle drive so i crawled the whole way", "late"),
    ("opening", "we ended up blethering about the dog show at the weekend", "chemistry"),
    ("opening", "the lead gp was a wee bit of a chatterbox", "chemistry"),
    ("opening", "he was sound about it to be fair, laughed and went off to get a bit of tissue", "chemistry"),
    ("nailed", "the cricket talk, that break the ice proper.", "chemistry"),
    ("opening", "polite enough, but we didn't have nothing to talk about", "chemistry"),
    ("opening", "the cfo was very formal, very proper, not much of a smile", "chemistry"),
    ("tough", "and then i started blethering about the old system", "rambling"),
    ("tough", "the practical task, they had me do a reading group with five little ones", "technical"),
    ("tough", "they had me do one of them computer tests", "technical"),
    ("tough", "a set of drawings for a retaining wall and asked me to find what was wrong with them", "technical"),
    ("closing", "they asked my expectation and i said twelve million a year", "salary"),
    ("closing", "at my age i just don't know that i want to be doing nights again", "fit"),
    ("tough", "look, i've had that happen, so i just told him what i did, rang around", "examples"),
    ("experience", "mi tell dem about when the whole system crash on a saturday", "examples"),
    ("experience", "i told him about rebuilding the number three dryer section", "examples"),
    # held-out 29 (typed, first run)
    ("opening", "the councillor was chatty enough but the other two were very much by the book", "chemistry"),
    ("opening", "five, boy. the gm real nice.", "chemistry"),
    ("opening", "the lady from hr didn't look up from her laptop, cold as a walk in cooler", "chemistry"),
    ("closing", "i asked if i'd get to go to college one day a week", "questions"),
    ("closing", "i asked were they going to fill the other vacancy", "questions"),
    ("arrival", "so i just sat in the car outside going over me notes", "preparation"),
    ("improve", "know my number before i walk in, innit", "salary"),
    ("arrival", "boy, the highway was a parking lot, accident by the lighthouse", "late"),
    ("closing", "then the head of service asked how long i saw myself staying", "fit"),
    ("experience", "to be honest i maybe went on a wee bit long", "rambling"),
    ("opening", "and i kept filling the silence, talking about my flatmate's cat", "rambling"),
])
def test_topics_named_in_any_direction(stage, text, cause):
    assert cause in extract(text, stage).causes


# ---------------------------------------------------------------- causes: fit in plain words


@pytest.mark.parametrize("text", [
    "they didn't see me as a fit", "they wanted five years and i have three",
    "they said they wanted someone with more management experience",
    "they need someone who can start next week and i can't", "they were after someone with a phd and i don't have one",
    "they wanted ten years and i've only got four", "honestly i'm not sure the role is what i want",
    "i think i'd fit right in there", "they want someone more senior",
])
def test_fit_in_plain_words(text):
    assert "fit" in extract(text, "closing").causes


@pytest.mark.parametrize("text", [
    "my examples didn't fit the question", "i couldn't fit it all in", "i try to keep fit",
    "they wanted to know how i'd handle a complaint and i did fine",
])
def test_fit_words_in_other_senses(text):
    assert "fit" not in extract(text, "tough").causes


# ---------------------------------------------------------------- causes: keywords out of context


@pytest.mark.parametrize("stage,text,cause", [
    ("arrival", "the waiting room was freezing", "nerves"), ("arrival", "the waiting room was freezing", "chemistry"),
    ("arrival", "the reception was freezing cold and i was shivering", "nerves"),
    ("arrival", "it was boiling in the waiting room", "chemistry"),
    ("arrival", "the building was freezing but otherwise fine", "chemistry"),
    ("closing", "the interviewer was in a rush", "late"), ("opening", "the interviewer seemed in a rush to get started", "late"),
    ("closing", "they were rushing because they had another interview", "late"),
    ("closing", "she had to rush off to another meeting", "late"), ("closing", "they hurried me out at the end", "late"),
    ("arrival", "they kept me waiting for twenty minutes in reception", "late"),
    ("closing", "i don't think i sold myself", "salary"), ("closing", "i didn't really sell myself on the leadership stuff", "salary"),
    ("opening", "four they made me a cup of tea and asked about my drive in", "questions"),
    ("tough", "they asked about my weaknesses", "questions"), ("closing", "i asked about the salary range", "questions"),
    ("arrival", "the receptionist was cold", "chemistry"),
    ("closing", "two i had no questions and then the salary chat went badly", "chemistry"),
    ("arrival", "got up to the twenty-first floor with like fifteen minutes to spare", "late"),
    ("tough", "i finished the whole thing with like ten minutes to spare", "late"),
    ("opening", "they said my research on the market was sound", "preparation"),  # only "my research" said first
    ("arrival", "got there on time but i was sweating because the bus was packed", "nerves"),
    ("opening", "zero rapport, they just read the questions off a sheet", "questions"),
    ("tough", "then the written maths test on currency conversion, i rushed it", "late"),
    # held-out 28 (typed, first run)
    ("tough", "they asked how i'd fix the eight o'clock rush when everybody's phoning", "late"),
    ("opening", "we ended up blethering about the dog show", "rambling"),
    ("tough", "and then i started blethering about the old system", "chemistry"),
    ("tough", "i had to go slow on the maths part", "late"),
    ("closing", "two i asked for too much money and he laughed", "chemistry"),
    ("closing", "they asked if i had any questions", "questions"),
])
def test_keywords_out_of_context(stage, text, cause):
    assert cause not in extract(text, stage).causes


def test_a_freezing_room_is_not_a_frozen_mind():
    assert "nerves" in extract("the room was freezing and then i froze on the first question", "tough").causes


# ---------------------------------------------------------------- causes: absent topics


@pytest.mark.parametrize("stage,text,cause", [
    ("opening", "wasn't nervous at all", "nerves"), ("opening", "i wasn't nervous for once", "nerves"),
    ("opening", "no nerves at all this time", "nerves"), ("tough", "i didn't panic even when they pushed", "nerves"),
    ("tough", "i didn't freeze up", "nerves"), ("tough", "four i stayed calm and didn't freeze this time", "nerves"),
    ("experience", "i kept my answers short this time", "rambling"), ("experience", "i didn't waffle this time", "rambling"),
    ("experience", "i didn't go off on tangents", "rambling"), ("experience", "four, kept my answers tight, no rambling", "rambling"),
    ("arrival", "no traffic at all", "late"), ("arrival", "traffic was fine and i got there early", "late"),
    ("arrival", "i wasn't rushing for once", "late"), ("arrival", "no delays parking was easy", "late"),
    ("nailed", "keeping my answers short", "rambling"), ("nailed", "not rambling for once", "rambling"),
    ("nailed", "not getting flustered when they challenged me", "nerves"),
])
def test_absent_problems_are_not_tagged(stage, text, cause):
    assert cause not in extract(text, stage).causes


@pytest.mark.parametrize("stage,text,cause", [
    # an improvement names the problem even when it is said as its absence
    ("improve", "not rambling so much", "rambling"), ("improve", "keeping my answers short", "rambling"),
    ("improve", "try not to get so nervous", "nerves"), ("improve", "getting there earlier so i'm not rushing", "late"),
    # overcome is still present
    ("opening", "i was nervous at first but settled in", "nerves"),
    ("arrival", "traffic was bad but i still made it on time", "late"),
    ("nailed", "staying calm even though i was nervous", "nerves"),
    ("nailed", "getting there on time despite the traffic", "late"),
])
def test_present_problems_are_tagged(stage, text, cause):
    assert cause in extract(text, stage).causes


# ---------------------------------------------------------------- polarity: Extraction.positive


@pytest.mark.parametrize("stage,text,cause,positive", [
    ("tough", "the system design question was actually fun", "technical", True),
    ("opening", "we clicked", "chemistry", True),
    ("closing", "i asked good questions", "questions", True),
    ("tough", "the case study was tough but i walked through it", "technical", False),
    ("tough", "i walked through the case study but it was tough", "technical", False),
    ("experience", "i had my star stories ready and they landed", "examples", True),
    ("experience", "i couldn't think of a single example", "examples", False),
    ("opening", "i'd done my research", "preparation", True),
    ("opening", "i hadn't done my research", "preparation", False),
    ("opening", "it wasn't awkward at all", "chemistry", True),
    ("opening", "it was awkward", "chemistry", False),
    ("closing", "four, didn't run out of questions this time", "questions", True),
    ("closing", "i ran out of questions", "questions", False),
    ("closing", "it went well but they asked about salary", "salary", False),
    ("closing", "the salary talk went fine", "salary", True),
    ("closing", "they wanted five years and i have three", "fit", False),
    ("closing", "i think i'd fit right in", "fit", True),
    ("tough", "the coding exercise was hard but i got there in the end", "technical", False),
    ("improve", "practise the technical questions", "technical", False),
    ("nailed", "the coding question on linked lists", "technical", True),
])
def test_positive_is_the_good_light_subset(stage, text, cause, positive):
    r = extract(text, stage)
    assert cause in r.causes
    assert (cause in r.positive) is positive
    assert set(r.positive) <= set(r.causes)


@pytest.mark.parametrize("stage,text", [
    ("opening", "i was nervous at first but settled in"), ("arrival", "traffic was bad but i made it"),
    ("experience", "i rambled a bit but they seemed to like it"),
])
def test_problem_causes_are_never_positive(stage, text):
    r = extract(text, stage)
    assert r.causes and not set(r.positive) & {"late", "nerves", "rambling"}


# ---------------------------------------------------------------- lessons cut off mid-phrase


@pytest.mark.parametrize("stage,text,field,want", [
    ("nailed", "the thing i nailed was the bit where they asked me", "nailed", None),
    ("nailed", "the bit where they asked me about", "nailed", None),
    ("nailed", "um the part when i", "nailed", None),
    ("nailed", "i nailed the part where i explained my", "nailed", None),
    ("nailed", "the bit where i talked about the", "nailed", None),
    ("improve", "talk more about my", "improve", "talk more"),
    ("improve", "practise answering questions about", "improve", "practise answering questions"),
    ("improve", "i should have asked them about the", "improve", None),
    ("tough", "four the thing i nailed was the bit where they asked me", "nailed", None),
    # complete lessons keep their last word
    ("improve", "knowing what salary to ask for", "improve", "knowing what salary to ask for"),
    ("nailed", "the thing i nailed was the system design question", "nailed", "the system design question"),
    ("nailed", "staying calm when they pushed me", "nailed", "staying calm when they pushed me"),
    # what ends at the first pause stands when the rest trails off (held-out 31, typed, first run)
    ("nailed", "finding that fuel pump quick. mudda sick, they ain't expect that.", "nailed", "finding that fuel pump quick"),
    ("nailed", "the bit where they, um, asked me", "nailed", None),
    ("nailed", "nailed? the demo.", "nailed", "the demo"),  # the question said back, then the answer
])
def test_lessons_cut_off_mid_phrase(stage, text, field, want):
    assert getattr(extract(text, stage), field) == want


# ---------------------------------------------------------------- non-answers to improve and nailed


NON_ANSWERS = [
    "nothing really", "i don't know", "can't think of anything", "everything", "nothing it went as well as it could",
    "i can't really think of anything", "um nothing honestly", "dunno mate", "no idea to be honest",
    "can't think of a thing really", "everything went well honestly", "i don't know it all went fine",
    "nothing, i'd do it the same way", "honestly i couldn't tell you", "all of it", "nothing comes to mind really",
    "i cant think of anything", "no i think it went fine",
]


@pytest.mark.parametrize("stage", ["improve", "nailed"])
@pytest.mark.parametrize("text", NON_ANSWERS)
def test_non_answers_give_no_lesson(stage, text):
    r = extract(text, stage)
    assert r.improve is None and r.nailed is None and r.causes == ()
    assert ex.is_non_answer(text)


@pytest.mark.parametrize("stage,text,want", [
    ("improve", "nothing really but maybe talk less", "talk less"),
    ("improve", "nothing really, but maybe talk less", "talk less"),
    ("improve", "no i should have prepared more", "prepared more"),
    ("improve", "not sure, maybe the ending", "the ending"),
    ("improve", "not really, i should work on eye contact", "eye contact"),
    ("nailed", "everything about the technical part", "everything about the technical part"),
    ("nailed", "none of my nerves showed", "none of my nerves showed"),
])
def test_a_lesson_after_a_non_answer_is_kept(stage, text, want):
    assert getattr(extract(text, stage), stage) == want
    assert not ex.is_non_answer(text)


@pytest.mark.parametrize("text", ["", "   ", "four", "leave earlier", "the case study", "no more rambling"])
def test_is_non_answer_false(text):
    assert ex.is_non_answer(text) is False


# ---------------------------------------------------------------- mixed answers


@pytest.mark.parametrize("text,rating,nailed,improve_words", [
    ("four i nailed the story about the migration but i rambled on the second question", 4.0,
     "the story about the migration", ["rambled", "second question"]),
    ("i rambled on the second question but i nailed the story about the migration", None,
     "the story about the migration", ["rambled", "second question"]),
    ("two i froze on the coding question though i nailed the small talk", 2.0, "the small talk", ["froze", "coding"]),
    ("three i nailed the opening but the technical part was rough", 3.0, "the opening", ["technical", "rough"]),
    ("four, i smashed the question about a difficult patient but should have mentioned the audit", 4.0,
     "the question about a difficult patient", ["mentioned the audit"]),
])
def test_mixed_answers_give_a_win_and_a_lesson(text, rating, nailed, improve_words):
    r = extract(text, "tough")
    assert r.rating == rating
    assert r.nailed == nailed
    assert r.improve is not None and all(w in r.improve for w in improve_words), r.improve


@pytest.mark.parametrize("text", [
    "four i nailed the story about the migration", "five i nailed it",
    "four i nailed the case study but honestly it was all fine",
])
def test_a_win_alone_gives_no_lesson(text):
    assert extract(text, "experience").improve is None


# ---------------------------------------------------------------- second_person


@pytest.mark.parametrize("said,back", [
    ("practise my technical answers", "practise your technical answers"),
    ("i rambled on the second question", "you rambled on the second question"),
    ("be less nervous about myself", "be less nervous about yourself"),
    ("i'm too hard on myself", "you're too hard on yourself"), ("what i'd do differently", "what you'd do differently"),
    ("what i've learned", "what you've learned"), ("i was too quiet", "you were too quiet"),
    ("they asked me about my cv", "they asked you about your cv"), ("the idea was mine", "the idea was yours"),
    ("our team and what we built", "our team and what we built"),
    ("the salary bit, i held my ground", "the salary bit, you held your ground"),
    ("i wasn't ready", "you weren't ready"), ("i am proud of it", "you are proud of it"), ("", ""),
    ("time management", "time management"),
])
def test_second_person(said, back):
    assert ex.second_person(said) == back


# ---------------------------------------------------------------- the new rules.toml tables are validated


def _rules_copy(tmp_path, monkeypatch):
    import shutil
    from pathlib import Path

    prompts = Path(__file__).resolve().parent.parent / "prompts"
    folder = tmp_path / "prompts"
    folder.mkdir()
    shutil.copy(prompts / "rules.toml", folder / "rules.toml")
    shutil.copy(prompts / "script.toml", folder / "script.toml")
    monkeypatch.setenv("DEBRIEF_PROMPTS", str(folder))
    ex.clear_cache()
    return folder / "rules.toml"


@pytest.mark.parametrize("old,new,needles", [
    ('"{neg} ', '"{nope} ', ["causes.late.absent", "{nope}", "cause_words"]),
    ("[polarity]\n", "[polarity]\nweights = [1]\n", ["polarity.weights"]),
    ('problem_causes = ["late", ', 'problem_causes = ["lateness", ', ["polarity.problem_causes", "lateness"]),
    ('"i\'m" = "you\'re"', '"i\'m" = 3', ["second_person.i'm"]),
    ('\nneg = [', '\nNeg = [', ["cause_words.Neg"]),
    ("[causes.fit]\npatterns", "[causes.fit]\nsometimes = []\npatterns", ["causes.fit.sometimes"]),
    ('\nnot_units = [', '\nnot_units_old = [', ["rating.not_units"]),
    ('\ncorrections = [', '\ncorrection = [', ["rating.correction"]),
    ('\nsoft_words = [', '\nsoft = [', ["text.soft"]),
    ('\nvague = [', '\nvagueness = [', ["phrases.vagueness"]),
])
def test_new_tables_are_validated(tmp_path, monkeypatch, old, new, needles):
    from assistant.errors import PromptsError

    rules = _rules_copy(tmp_path, monkeypatch)
    text = rules.read_text(encoding="utf-8")
    assert old in text, old
    rules.write_text(text.replace(old, new, 1), encoding="utf-8")
    try:
        with pytest.raises(PromptsError) as info:
            extract("four", "arrival")
        msg = str(info.value)
        assert "rules.toml" in msg
        for n in needles:
            assert n in msg, msg
    finally:
        monkeypatch.delenv("DEBRIEF_PROMPTS")
        ex.clear_cache()
