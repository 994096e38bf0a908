"""What the flow keeps of each answer, and what it concludes from them.

An Answer is one stage's words and what the rules found in them; an Outcome
is the whole debrief as it ended. `understand` runs the rules on one answer,
`conclusions` works out where it went downhill and the two lessons, and
`answers_from_rows` rebuilds the answers from stored turns (for resuming and
for corrections).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from assistant.dialogue.script import Script, Stage
from assistant.interfaces import Heard, Words
from assistant.understanding import extract as rules
from assistant.understanding.text import clean

# Below this confidence a heard word is not quoted back in the summary.
QUOTE_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Answer:
    stage: str
    text: str | None  # None when skipped
    rating: float | None = None
    causes: tuple[str, ...] = ()
    improve: str | None = None
    nailed: str | None = None
    positive: tuple[str, ...] = ()  # the causes named only in a good light ("we clicked")
    # every word heard for this stage with the recogniser's confidence in it
    # (() when typed: typed words are exactly what was meant)
    words: Words = ()
    followup: str | None = None  # the reply to a follow-up question at this stage
    # False for a rating heard in doubt (the number pass and the transcript
    # disagree, or a number heard unclearly) and not checked since
    rating_sure: bool = True


@dataclass
class Outcome:
    status: str  # "complete" | "interrupted"
    answers: dict[str, Answer] = field(default_factory=dict)
    downhill: str | None = None
    improve: str | None = None
    nailed: str | None = None
    summary: str | None = None
    stopped: bool = False  # the person said stop (vs. input ended)
    crumpled: bool = False  # the transcript was let go at the end
    quotes: list[dict[str, str]] = field(default_factory=list)  # lessons said in the person's words


def understand(
    stage: Stage,
    text: str,
    heard_rating: float | None = None,
    words: Words = (),
    *,
    heard_adds: bool = False,
    heard_sure: bool = True,
) -> Answer:
    """What the rules find in an answer. The rating: a number the transcript
    holds ("i'd put it at a four"); else the one the recogniser's number pass
    heard where the transcript lost it ("i would say give" for "a two");
    else a verdict word in the transcript ("terrible"). `heard_adds`: the
    pass's reading keeps the transcript's numbers and adds the rating said
    after them ("three no do not have" heard as "three no two and a half"),
    so its rating stands over the transcript's. `heard_sure`: False when
    the recogniser heard the rating in doubt (Heard.rating_sure)."""
    found = rules.extract(text, stage.kind)
    take_heard = heard_rating is not None and (heard_adds or not found.rating_said)
    rating = heard_rating if take_heard else found.rating
    return Answer(
        stage=stage.id,
        text=text,
        rating=rating if stage.rated else None,
        rating_sure=heard_sure or not stage.rated or rating is None,
        causes=tuple(found.causes),
        improve=found.improve,
        nailed=found.nailed,
        positive=tuple(found.positive),
        words=words,
    )


def add_followup(stage: Stage, answer: Answer, reply: str) -> Answer:
    """The answer with the reply to a follow-up question added: the rules read
    the reply for causes (and, for the improvement or the win, a lesson)."""
    found = rules.extract(reply, stage.kind)
    causes = tuple(dict.fromkeys(answer.causes + tuple(found.causes)))
    positive = tuple(c for c in causes if c in answer.positive + tuple(found.positive))
    return replace(
        answer,
        causes=causes,
        positive=positive,
        improve=answer.improve or found.improve,
        nailed=answer.nailed or found.nailed,
        followup=reply,
    )


def carry_on(stage: Stage, answer: Answer, more: str, heard: Heard | None = None) -> Answer:
    """The answer with the rest of it, said after it was ended too soon
    ("... took me ages." + "so yeah, two."): the rules read the whole text
    again for causes and the lesson. The rating: a number said in the rest
    (or one the number pass heard there) wins, as the last number said does;
    else the one the answer had."""
    text = f"{answer.text} {more}".strip() if answer.text else more
    words = tuple(answer.words) + tuple(heard.words if heard is not None else ())
    whole = understand(stage, text, None, words)
    rest = understand(
        stage,
        more,
        heard.rating if heard is not None else None,
        heard_adds=bool(heard and heard.rating_adds),
        heard_sure=heard is None or heard.rating_sure,
    )
    said = rules.extract(more, stage.kind).rating_said or (heard is not None and heard.rating is not None)
    from_rest = (said or answer.rating is None) and rest.rating is not None
    rating, sure = (rest.rating, rest.rating_sure) if from_rest else (answer.rating, answer.rating_sure)
    return replace(
        whole,
        rating=rating if stage.rated else None,
        rating_sure=sure or not stage.rated or rating is None,
        followup=answer.followup,
    )


def heard_surely(phrase: str, answer: Answer | None, threshold: float = QUOTE_CONFIDENCE) -> bool:
    """Was every word of `phrase` heard with at least `threshold` confidence?
    Typed answers (no words heard) always were. The phrase is found as a run
    of the heard words; a word not heard at all counts as unsure."""
    if answer is None or not answer.words:
        return True
    said = [w.lower() for w, _ in answer.words]
    sure = [c >= threshold for _, c in answer.words]
    wanted = [w for w in clean(phrase).split() if w != ","]
    if not wanted:
        return False
    n = len(wanted)
    for i in range(len(said) - n + 1):
        if said[i : i + n] == wanted:
            return all(sure[i : i + n])
    return all(any(s for w2, s in zip(said, sure, strict=True) if w2 == w) for w in wanted)


def conclusions(script: Script, answers: dict[str, Answer]) -> tuple[str | None, str | None, str | None]:
    """(downhill, improve, nailed) over all the answers so far."""
    rated = [(s.id, answers[s.id].rating if s.id in answers else None) for s in script.stages if s.rated]
    downhill = rules.downhill(rated)
    improve, nailed = lesson_source(script, answers, "improve"), lesson_source(script, answers, "nailed")
    return (
        downhill,
        improve.improve if improve is not None else None,
        nailed.nailed if nailed is not None else None,
    )


def rating_in_doubt(answer: Answer) -> bool:
    """Is the rating stored for this answer one heard in doubt and not checked
    since? A live debrief checks it in one yes/no turn; from a recording it is
    marked "(unsure)", and `debrief show` marks it too."""
    return answer.rating is not None and not answer.rating_sure


def lesson_source(script: Script, answers: dict[str, Answer], kind: str) -> Answer | None:
    """The answer the lesson of `kind` ("improve" or "nailed") comes from:
    that question's own answer first, then the first stage that named one."""
    own = next((s for s in script.stages if s.kind == kind), None)
    order = ([own] if own else []) + [s for s in script.stages if s is not own]
    for s in order:
        if s.id in answers and getattr(answers[s.id], kind):
            return answers[s.id]
    return None


def answers_from_rows(turns: list[dict[str, Any]]) -> dict[str, Answer]:
    return {
        t["stage"]: Answer(
            stage=t["stage"],
            text=t["answer"],
            rating=t["rating"],
            causes=tuple(t["causes"]),
            improve=t["improve"],
            nailed=t["nailed"],
            positive=tuple(t.get("positive") or ()),
            words=tuple((str(w), float(c)) for w, c in t.get("words") or ()),
            followup=t.get("followup"),
            rating_sure=t.get("rating_sure") is not False,
        )
        for t in turns
    }
