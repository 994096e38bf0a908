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
