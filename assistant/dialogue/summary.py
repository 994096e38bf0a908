"""The move-on summary: short, warm, forward-looking, and varied.

Built from the phrase variants in prompts/phrases.toml: what went well (the
win, quoted), the one thing to work on with a concrete fix for its cause,
where it turned and whether that sounds like a poor fit or a mistake, a light
line, something kind to do today, and a nudge to keep applying. Extra lines
(the coach nudge, progress noticed) come from the caller.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from assistant.console import rating_text
from assistant.dialogue.answers import Answer, heard_surely, lesson_source
from assistant.dialogue.script import Phrases, Script

POOR_FIT = ("chemistry", "fit")
MAX_QUOTE_WORDS = 12  # keeps the whole summary well under 45 seconds spoken
WORDS_PER_SECOND = 2.5  # a calm speaking pace; used to check the length


def quote(phrase: str) -> str:
    words = phrase.split()
    text = " ".join(words[:MAX_QUOTE_WORDS])
    return text.rstrip(".,;:!? ")


def fix_cause(script: Script, answers: Mapping[str, Answer], downhill: str | None) -> str | None:
    """The cause whose fix the summary gives: the improvement's own cause first,
    then the turning point's, then the first one named anywhere. Chemistry and
    fit are not mistakes, so they only count when nothing else was named."""
    improve_id = next(s.id for s in script.stages if s.kind == "improve")
    order = [improve_id] + ([downhill] if downhill else []) + [s.id for s in script.stages]
    named = [c for sid in order if sid in answers for c in answers[sid].causes]
    mistakes = [c for c in named if c not in POOR_FIT]
    return (mistakes or named or [None])[0]  # type: ignore[list-item]


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
    parts = [pick("opener")]
    # Say back only what was said: a lesson is quoted only when every word of
    # it was heard surely; otherwise the summary says it in its own words.
    sure = {q["said"] for q in quoted(script, answers, improve, nailed)}
    sure_nailed, sure_improve = nailed in sure, improve in sure

    if nailed and sure_nailed:
        parts.append(pick("well", nailed=quote(nailed)))
    else:
        rated = [(r, s) for s in script.stages if s.id in answers and (r := answers[s.id].rating) is not None]
        best = max(rated, key=lambda rs: rs[0], default=None)
        if best and best[0] >= 3:
            parts.append(pick("well_from_stage", label=best[1].label, rating=rating_text(best[0])))
        else:
            parts.append(pick("well_missing"))

    cause = fix_cause(script, answers, downhill)
    if improve and sure_improve:
        parts.append(pick("improve", improve=quote(improve)))
    elif cause:
        parts.append(pick("improve_missing", cause=phrases.cause_names[cause].lower()))
    elif improve:
        parts.append(pick("improve_unheard"))
    if cause:
        parts.append(pick("fix", fix=phrases.advice[cause]))

    if downhill:
        label = script.get(downhill).label
        causes = set(answers[downhill].causes) if downhill in answers else set()
        if causes & set(POOR_FIT):
            parts.append(pick("turn_fit", label=label))
        elif causes:
            parts.append(pick("turn_mistake", label=label))
        else:
            parts.append(pick("turn_unclear", label=label))
    else:
        parts.append(pick("no_turn"))

    parts.extend(extra or [])
    parts += [pick("laugh"), pick("kind"), pick("keep_moving")]
    return " ".join(parts)


def spoken_seconds(text: str) -> float:
    return len(text.split()) / WORDS_PER_SECOND
