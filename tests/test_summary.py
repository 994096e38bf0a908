import random
import subprocess

import pytest

from assistant.dialogue.answers import Answer
from assistant.dialogue.script import load_all
from assistant.dialogue.summary import compose, fix_cause, spoken_seconds


def answers(**kw):
    return {sid: Answer(sid, "x", rating, tuple(causes)) for sid, (rating, causes) in kw.items()}


def make(ans, turn, improve="practise my examples", nailed="the migration story", seed=0, extra=None):
    script, phrases = load_all()
    return compose(script, phrases, ans, turn, improve, nailed, random.Random(seed), extra)


def test_summary_mentions_win_improvement_fix_and_nudge():
    _, phrases = load_all()
    ans = answers(arrival=(4, []), experience=(2, ["examples"]), improve=(None, ["examples"]))
    text = make(ans, "experience")
    assert "the migration story" in text
    assert "practise my examples" in text
    assert phrases.advice["examples"] in text
    assert "talking about your experience" in text
    assert any(k in text.lower() for k in ("tomorrow",))


def test_late_cause_gets_leave_early_fix():
    text = make(answers(arrival=(2, ["late"])), "arrival", improve=None)
    assert "leave extra early" in text


def test_poor_fit_is_not_called_a_mistake():
    text = make(answers(opening=(4, []), tough=(2, ["chemistry"])), "tough")
    assert "fit" in text or "chemistry" in text
    assert "practise" not in text.split("tough")[-1] or "poor fit" in text


def test_fix_prefers_a_mistake_over_poor_fit():
    script, _ = load_all()
    ans = answers(opening=(2, ["chemistry"]), tough=(2, ["technical"]))
    assert fix_cause(script, ans, "opening") == "technical"
    assert fix_cause(script, answers(opening=(2, ["fit"])), "opening") == "fit"
    assert fix_cause(script, answers(opening=(4, [])), None) is None


def test_wording_varies_across_debriefs():
    ans = answers(arrival=(4, []), tough=(2, ["nerves"]))
    texts = {make(ans, "tough", seed=s) for s in range(12)}
    assert len(texts) >= 6


def test_no_win_no_improvement_still_kind_and_forward():
    text = make(answers(arrival=(4, [])), None, improve=None, nailed=None)
    assert "getting there and waiting" in text
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
