"""The move-on summary: short, warm, forward-looking, and fitted to the interview.

Built from the phrase variants in prompts/phrases.toml, in the order of the
method: what went well (the win, in the person's words when every word was
heard surely), the one thing to work on with a concrete fix for its cause,
where it turned and why (or, after a good interview, a line that takes the
win seriously and no turning point), a light line, something kind to do
today, and a nudge to keep applying. Extra lines (the coach nudge, progress
noticed) come from the caller.

- Lessons are said back in the second person ("practise your examples").
- Advice is given only for a cause that was a problem: named in a stage that
  felt 3 or less, or in the improvement, and not only in a good light ("the
  system design question was fun" gets none).
- `fit` and `chemistry` are said as fit, never as a mistake to fix.
- A lesson the person named is never swapped for another: when it was not
  heard surely and names no cause of its own, the summary says so, and a fix
  for a problem named at another stage says which stage it is for.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from assistant.console import rating_text
from assistant.dialogue.answers import Answer, heard_surely, lesson_source
from assistant.dialogue.script import Phrases, Script
from assistant.understanding.extract import second_person

POOR_FIT = ("chemistry", "fit")
MAX_QUOTE_WORDS = 12  # keeps the whole summary well under 45 seconds spoken
WORDS_PER_SECOND = 2.5  # a calm speaking pace; used to check the length
GOOD_AVERAGE = 4.0  # a good interview: no stage below 3 and an average of at least this
PROBLEM_RATING = 3.0  # a cause named in a stage rated this or less was a problem


def quote(phrase: str) -> str:
    """A lesson as said back: the person's words, in the second person, short."""
    words = second_person(phrase).split()
    text = " ".join(words[:MAX_QUOTE_WORDS])
    return text.rstrip(".,;:!? ")


def good_interview(script: Script, answers: Mapping[str, Answer]) -> bool:
    ratings = [a.rating for s in script.stages if s.rated and (a := answers.get(s.id)) and a.rating is not None]
    return bool(ratings) and min(ratings) >= 3 and sum(ratings) / len(ratings) >= GOOD_AVERAGE


def problems(script: Script, answers: Mapping[str, Answer]) -> dict[str, list[str]]:
    """{stage id: the causes that were a problem there}."""
    out: dict[str, list[str]] = {}
    for s in script.stages:
        a = answers.get(s.id)
        if a is None:
            continue
        felt_bad = s.kind == "improve" or (s.rated and (a.rating is None or a.rating <= PROBLEM_RATING))
        if not felt_bad:
            continue
        bad = [c for c in a.causes if c not in a.positive]
        if bad:
            out[s.id] = bad
    return out


def turn_causes(answer: Answer | None) -> list[str]:
    """Why the turning point went badly: the causes named there as a problem,
    or, at a 2 or less, any topic named there in no clear light ("two, the
    technical question about databases")."""
    if answer is None:
        return []
    bad = [c for c in answer.causes if c not in answer.positive]
    if not bad and answer.rating is not None and answer.rating <= 2:
        return list(answer.causes)
    return bad


def fix_source(script: Script, answers: Mapping[str, Answer], downhill: str | None) -> tuple[str | None, str | None]:
    """The cause whose fix the summary gives, and the stage it was named in:
    the improvement's own cause first, then the turning point's (at a 2 or
    less, any topic named there), then the first problem named anywhere.
    Chemistry and fit are not mistakes, so they only count when nothing else
    was named. (None, None) when no cause was named."""
    found = problems(script, answers)
    if downhill and downhill not in found and (why := turn_causes(answers.get(downhill))):
        found[downhill] = why
    improve_id = next(s.id for s in script.stages if s.kind == "improve")
    order = [improve_id] + ([downhill] if downhill else []) + [s.id for s in script.stages]
    named: list[tuple[str | None, str | None]] = [(c, sid) for sid in order for c in found.get(sid, [])]
    mistakes = [cs for cs in named if cs[0] not in POOR_FIT]
    return (mistakes or named or [(None, None)])[0]


def quoted(
    script: Script, answers: Mapping[str, Answer], improve: str | None, nailed: str | None
) -> list[dict[str, str]]:
    """The lessons the summary says in the person's own words: only those
    whose every word was heard surely. [{"stage", "said", "quoted"}]."""
    out = []
    for kind, phrase in (("nailed", nailed), ("improve", improve)):
        source = lesson_source(script, dict(answers), kind)
        if phrase and heard_surely(phrase, source):
            out.append({"stage": source.stage if source else kind, "said": phrase, "quoted": quote(phrase)})
    return out


def _sentences(parts: list[str]) -> str:
    """Each part starts with a capital, whatever its template began with."""
    return " ".join(p[:1].upper() + p[1:] for p in parts if p)


def compose(
    script: Script,
    phrases: Phrases,
    answers: Mapping[str, Answer],
    downhill: str | None,
    improve: str | None,
    nailed: str | None,
    rng: random.Random,
    extra: list[str] | None = None,
) -> str:
    pick = lambda key, **v: phrases.pick("summary." + key, rng, **v)  # noqa: E731
    answers = dict(answers)
    parts = [pick("opener")]
    good = good_interview(script, answers)

    sure = {q["said"] for q in quoted(script, answers, improve, nailed)}

    # What went well: the win in their words when every word was heard surely.
    if nailed and nailed in sure:
        parts.append(pick("well", nailed=quote(nailed)))
    else:
        # a number is said back only when it was heard beyond doubt (or checked)
        rated = [
            (r, s)
            for s in script.stages
            if s.id in answers and (r := answers[s.id].rating) is not None and answers[s.id].rating_sure
        ]
        best = max(rated, key=lambda rs: rs[0], default=None)
        if best and best[0] >= 3:
            parts.append(pick("well_from_stage", label=best[1].label, rating=rating_text(best[0])))
        else:
            parts.append(pick("well_missing"))
    if good:
        parts.append(pick("good_interview"))

    # The one thing to work on, and its fix when its cause was a problem. A
    # lesson the person named is never swapped for another: said in their
    # words, it gets only its own cause's fix; not heard surely and naming no
    # cause of its own, the summary says so, and a fix for a problem named
    # elsewhere says where it comes from.
    cause, source = fix_source(script, answers, downhill)
    advice = phrases.advice[cause] if cause and cause not in POOR_FIT else None
    lesson = lesson_source(script, answers, "improve")
    own = lesson is None or (cause is not None and cause in lesson.causes and cause not in lesson.positive)
    lead = "keep_improving" if good else "improve"
    if improve and improve in sure:
        parts.append(pick(lead, improve=quote(improve)))
        if advice and own:
            parts.append(pick("fix", fix=advice))
    elif improve and not own:
        parts.append(pick("improve_unheard"))
        if advice and source is not None:
            parts.append(pick("fix_from", fix=advice, label=script.get(source).label))
    elif advice and cause is not None:
        parts.append(pick(lead + "_cause", cause=phrases.lessons[cause]))
        parts.append(pick("fix", fix=advice))
    elif improve:
        parts.append(pick("improve_unheard"))

    # Where it turned, and why; a good interview has no turning point.
    if downhill and not good:
        label = script.get(downhill).label
        turned = answers.get(downhill)
        causes = turn_causes(turned)
        fit = [c for c in causes if c in POOR_FIT]
        if fit:
            parts.append(pick("turn_fit", label=label, why=phrases.why[fit[0]]))
        elif causes:
            parts.append(pick("turn_why", label=label, why=phrases.why[causes[0]]))
        else:
            parts.append(pick("turn_unclear", label=label))
    elif not good:
        parts.append(pick("no_turn"))

    parts.extend(extra or [])
    parts += [pick("laugh"), pick("kind"), pick("keep_moving")]
    return _sentences(parts)


def spoken_seconds(text: str) -> float:
    return len(text.split()) / WORDS_PER_SECOND
