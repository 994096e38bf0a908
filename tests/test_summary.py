import random
import subprocess

import pytest

from assistant.dialogue.answers import Answer
from assistant.dialogue.script import load_all
from assistant.dialogue.summary import compose, fix_source, spoken_seconds


def answers(**kw):
    return {sid: Answer(sid, "x", rating, tuple(causes)) for sid, (rating, causes) in kw.items()}


def fix_cause(script, ans, downhill):
    return fix_source(script, ans, downhill)[0]


def make(ans, turn, improve="practise my examples", nailed="the migration story", seed=0, extra=None):
    script, phrases = load_all()
    return compose(script, phrases, ans, turn, improve, nailed, random.Random(seed), extra)


def test_summary_mentions_win_improvement_fix_and_nudge():
    _, phrases = load_all()
    ans = answers(arrival=(4, []), experience=(2, ["examples"]), improve=(None, ["examples"]))
    text = make(ans, "experience")
    assert "the migration story" in text
    assert "practise your examples" in text  # said back to the person
    assert phrases.advice["examples"] in text
    assert "talking about your experience" in text
    assert any(k in text.lower() for k in ("tomorrow",))


def test_late_cause_gets_leave_early_fix():
    text = make(answers(arrival=(2, ["late"])), "arrival", improve=None)
    assert "leave extra early" in text


def test_poor_fit_is_not_called_a_mistake():
    _, phrases = load_all()
    text = make(answers(opening=(4, []), tough=(2, ["chemistry"])), "tough")
    assert "wasn't the place for you" in text
    assert phrases.advice["chemistry"] not in text  # fit is not a mistake to fix
    assert "practise" not in text.split("tough")[-1] or "poor fit" in text


def test_fix_prefers_a_mistake_over_poor_fit():
    script, _ = load_all()
    ans = answers(opening=(2, ["chemistry"]), tough=(2, ["technical"]))
    assert fix_cause(script, ans, "opening") == "technical"
    assert fix_source(script, ans, "opening") == ("technical", "tough")  # and where it was named
    assert fix_source(script, answers(opening=(4, [])), None) == (None, None)
    assert fix_cause(script, answers(opening=(2, ["fit"])), "opening") == "fit"
    assert fix_cause(script, answers(opening=(4, [])), None) is None


def test_wording_varies_across_debriefs():
    ans = answers(arrival=(4, []), tough=(2, ["nerves"]))
    texts = {make(ans, "tough", seed=s) for s in range(12)}
    assert len(texts) >= 6


def test_no_win_no_improvement_still_kind_and_forward():
    text = make(answers(arrival=(4, [])), None, improve=None, nailed=None)
    assert "getting there and waiting" in text.lower()
    assert "tomorrow" in text.lower()


def test_long_quotes_are_capped():
    text = make(answers(arrival=(3, [])), None, improve="word " * 500, nailed="win " * 500)
    assert text.count("word") <= 12 and text.count("win") <= 12


@pytest.mark.parametrize("seed", range(10))
def test_under_45_seconds_by_word_count(seed):
    ans = answers(arrival=(2, ["late"]), opening=(4, []), experience=(1, ["examples"]),
                  tough=(2, ["chemistry"]), closing=(3, ["questions"]))
    text = make(ans, "experience", improve="long " * 20, nailed="long " * 20, seed=seed,
                extra=["Opening went from 2 to 4 over your last three interviews. That's real progress."])
    assert spoken_seconds(text) < 45


def test_under_45_seconds_when_really_spoken(tmp_path):
    """Render the longest summary with espeak-ng at its default rate and measure."""
    import soundfile

    ans = answers(arrival=(2, ["late"]), opening=(4, []), experience=(1, ["examples"]),
                  tough=(2, ["chemistry"]), closing=(3, ["questions"]))
    longest = max((make(ans, "experience", improve="practise telling my examples to a friend before the next one",
                        nailed="the story about migrating the billing system to the cloud", seed=s) for s in range(20)),
                  key=len)
    wav = tmp_path / "s.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), longest], check=True)
    info = soundfile.info(str(wav))
    assert info.duration < 45, (info.duration, longest)


# -- a summary that fits the interview (issue 10) ---------------------------------

def ans(stage, rating, causes=(), positive=(), text="x", improve=None, nailed=None):
    return Answer(stage, text, rating, tuple(causes), improve, nailed, tuple(positive))


def compose_for(answers_, improve=None, nailed=None, seed=0):
    from assistant.dialogue.answers import conclusions

    script, phrases = load_all()
    answers_ = {a.stage: a for a in answers_}
    downhill, imp, nai = conclusions(script, answers_)
    return compose(script, phrases, answers_, downhill, improve or imp, nailed or nai, random.Random(seed)), downhill


def test_a_great_interview_gets_no_turning_point_and_no_rough_patch():
    _, phrases = load_all()
    great = [ans("arrival", 4), ans("opening", 5), ans("experience", 4.5), ans("tough", 4, ["technical"], ["technical"],
             text="the system design question was actually fun"), ans("closing", 5)]
    for seed in range(8):
        text, downhill = compose_for(great, improve="ask more about the team", seed=seed)
        assert downhill is None
        assert "turned" not in text and "dipped" not in text and "rough patch" not in text.lower()
        assert any(v.split("$")[0][:20].lower() in text.lower() for v in phrases.summary["good_interview"])
        assert "ask more about the team" in text  # one thing to keep improving
        assert phrases.advice["technical"] not in text  # "was actually fun" is no problem to fix


def test_a_bad_interview_names_where_it_turned_and_why():
    _, phrases = load_all()
    bad = [ans("arrival", 3), ans("opening", 3), ans("experience", 3), ans("tough", 1, ["technical"]), ans("closing", 2)]
    text, downhill = compose_for(bad, improve="practise my technical answers")
    assert downhill == "tough"
    assert phrases.why["technical"] in text and "the toughest questions" in text
    assert "practise your technical answers" in text  # the lesson said back to the person
    assert phrases.advice["technical"] in text


def test_a_mixed_interview_keeps_the_win_and_the_lesson():
    mixed = [ans("arrival", 4), ans("opening", 4), ans("experience", 4, ["examples", "rambling"], ["examples"],
             nailed="the story about the migration"), ans("tough", 2, ["rambling"]), ans("closing", 3)]
    text, downhill = compose_for(mixed)
    assert downhill == "tough"
    assert "the story about the migration" in text
    _, phrases = load_all()
    assert phrases.advice["rambling"] in text and phrases.advice["examples"] not in text


def test_fit_is_said_as_fit_not_as_a_mistake_to_fix():
    _, phrases = load_all()
    fit = [ans("arrival", 4), ans("opening", 4), ans("experience", 4), ans("tough", 2, ["fit"],
           text="they wanted five years and i have three"), ans("closing", 3)]
    for seed in range(6):
        text, _ = compose_for(fit, seed=seed)
        assert "wasn't the place for you" in text
        assert phrases.advice["fit"] not in text


def test_a_non_answer_is_never_quoted_the_lesson_comes_from_where_it_turned():
    _, phrases = load_all()
    answers_ = [ans("arrival", 4), ans("opening", 4), ans("experience", 2, ["examples"]), ans("tough", 3),
                ans("closing", 3), ans("improve", None, text="nothing really i can't think of anything"),
                ans("nailed", None, text="i don't know")]
    text, downhill = compose_for(answers_)
    assert downhill == "experience"
    assert "nothing really" not in text and "don't know" not in text
    assert phrases.lessons["examples"] in text and phrases.advice["examples"] in text


def test_the_summary_quotes_only_words_heard_surely():
    from assistant.dialogue.answers import heard_surely

    heard = Answer("improve", "next time practise my examples", improve="practise my examples", words=(
        ("next", 0.97), ("time", 0.95), ("practise", 0.55), ("my", 0.93), ("examples", 0.98)))
    assert not heard_surely("practise my examples", heard)
    sure = Answer("improve", "next time practise my examples", improve="practise my examples", words=tuple((w, 0.97) for w in
                  "next time practise my examples".split()))
    assert heard_surely("practise my examples", sure)
    assert heard_surely("practise my examples", Answer("improve", "typed"))  # typed: exactly meant
    script, phrases = load_all()
    answers_ = {"experience": Answer("experience", "x", 2, ("examples",)), "improve": heard}
    text = compose(script, phrases, answers_, "experience", "practise my examples", None, random.Random(0))
    assert "practise your examples" not in text and phrases.summary["improve_unheard"][0] in text
    assert phrases.advice["examples"] in text and "talking about your experience: " in text
    # with the cause the rules read in the lesson itself, the lesson is stated plainly
    named = {"experience": answers_["experience"], "improve": Answer(
        "improve", heard.text, causes=("examples",), improve="practise my examples", words=heard.words)}
    text = compose(script, phrases, named, "experience", "practise my examples", None, random.Random(0))
    assert phrases.lessons["examples"] in text and phrases.advice["examples"] in text


def test_a_lesson_named_but_not_heard_is_never_swapped_for_another():
    """Held-out 24, clean: "practise sql on a shared screen with someone
    watching" was heard as "practices kuow on a shared screen ...", with no
    cause the rules read; the summary said "To work on: getting there early",
    a lesson the person never named (from the arrival stage)."""
    script, phrases = load_all()
    heard = "practices kuow on a shared screen with someone watching"
    improve = Answer("improve", heard, improve=heard, words=tuple((w, 0.6) for w in heard.split()))
    answers_ = {"arrival": Answer("arrival", "x", 3, ("late",)), "tough": Answer("tough", "x", 2.5, ()),
                "improve": improve}
    for seed in range(6):
        text = compose(script, phrases, answers_, "tough", heard, None, random.Random(seed))
        assert phrases.lessons["late"] not in text and "kuow" not in text
        assert phrases.summary["improve_unheard"][0] in text
        assert phrases.advice["late"] in text and "getting there and waiting: " in text
    # said in their words (typed), it gets no fix for another stage's problem
    typed = {**answers_, "improve": Answer("improve", "practise sql with someone watching",
                                           improve="practise sql with someone watching")}
    text = compose(script, phrases, typed, "tough", "practise sql with someone watching", None, random.Random(0))
    assert "practise sql with someone watching" in text and phrases.advice["late"] not in text


def test_a_topic_named_neutrally_where_it_turned_at_a_two_is_why_it_turned():
    """ "two, the technical question about databases": no problem word, but at
    a 2 the topic named is the trouble; the demo's summary used to give the
    advice for being late (a problem named earlier) instead."""
    script, _ = load_all()
    bad = {
        "arrival": ans("arrival", 2, ["late"]),
        "opening": ans("opening", None),  # as in the demo: "far out of five" gives none
        "experience": ans("experience", 3),
        "tough": ans("tough", 2, ["technical"], positive=["technical"]),
        "closing": ans("closing", 4),
    }
    assert fix_cause(script, bad, "tough") == "technical"
    text, downhill = compose_for(list(bad.values()))
    assert downhill == "tough" and "technical" in text.lower()
    # at a 3, a neutral mention is not taken as the trouble
    fine = dict(bad, tough=ans("tough", 3, ["technical"], positive=["technical"]), experience=ans("experience", 4))
    assert fix_cause(script, fine, "tough") == "late"


def test_pocketsphinx_confidences_never_reach_the_quoting_threshold():
    """Its N-best shares were wrong in 9-21% of the words of even its surest
    lessons (README, "How well it hears"): with pocketsphinx a lesson is stated
    from the cause tables, never quoted."""
    import importlib.util
    from pathlib import Path

    from assistant.dialogue.answers import QUOTE_CONFIDENCE, heard_surely
    from assistant.interfaces import AudioChunk
    from assistant.speech_in.recognizer import NBEST_CEILING, PocketsphinxRecognizer

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("make_test_audio", root / "scripts" / "make_test_audio.py")
    mta = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mta)
    pcm = mta.silence(0.3) + mta.synth("i nailed the story about the migration", "slt") + mta.silence(0.5)
    rec = PocketsphinxRecognizer()
    rec.reset()
    rec.accept(AudioChunk(16000, 2, 1, pcm))
    utt = rec.finish()
    assert "migration" in utt.text and utt.words
    assert all(0 <= c <= NBEST_CEILING < QUOTE_CONFIDENCE for _, c in utt.words)
    heard = Answer("nailed", utt.text, nailed="the story about the migration", words=utt.words)
    assert not heard_surely("the story about the migration", heard)


def test_a_number_heard_in_doubt_is_not_said_back_as_what_went_well():
    """From a recording an unchecked rating may be invented (held-out 25,
    h25-08: "Talking about your experience went well: a 4 out of 5" for an
    answer with no rating). The summary names a best part by a number heard
    beyond doubt only."""
    from dataclasses import replace

    script, _ = load_all()
    ans = answers(arrival=(3, []), experience=(4, []), tough=(2, ["nerves"]))
    for seed in range(4):
        assert "experience" in make(ans, "tough", nailed=None, seed=seed).split(".")[1]
    ans["experience"] = replace(ans["experience"], rating_sure=False)
    for seed in range(4):
        said = make(ans, "tough", nailed=None, seed=seed)
        assert "experience" not in said.split(".")[1] and "getting there" in said.lower()
        assert "a 4" not in said
