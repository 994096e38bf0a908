"""What the flow keeps of each answer, and what it concludes from them.

An Answer is one stage's words and what the rules found in them; an Outcome
is the whole debrief as it ended. `understand` runs the rules on one answer,
`conclusions` works out where it went downhill and the two lessons, and
`answers_from_rows` rebuilds the answers from stored turns (for resuming and
for corrections).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.dialogue.script import Script, Stage
from assistant.understanding import extract as rules


@dataclass(frozen=True)
class Answer:
    stage: str
    text: str | None  # None when skipped
    rating: float | None = None
    causes: tuple[str, ...] = ()
    improve: str | None = None
    nailed: str | None = None


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


def understand(stage: Stage, text: str, heard_rating: float | None = None) -> Answer:
    """What the rules find in an answer. A rating the recogniser's number
    pass heard wins; the transcript's own rating fills in otherwise."""
    found = rules.extract(text, stage.kind)
    rating = heard_rating if heard_rating is not None else found.rating
    return Answer(
        stage=stage.id,
        text=text,
        rating=rating if stage.rated else None,
        causes=tuple(found.causes),
        improve=found.improve,
        nailed=found.nailed,
    )


def conclusions(script: Script, answers: dict[str, Answer]) -> tuple[str | None, str | None, str | None]:
    """(downhill, improve, nailed) over all the answers so far."""
    rated = [(s.id, answers[s.id].rating if s.id in answers else None) for s in script.stages if s.rated]
    downhill = rules.downhill(rated)

    def phrase(kind: str) -> str | None:
        own = next((s for s in script.stages if s.kind == kind), None)
        if own and own.id in answers and getattr(answers[own.id], kind):
            return getattr(answers[own.id], kind)
        for s in script.stages:
            if s.id in answers and getattr(answers[s.id], kind):
                return getattr(answers[s.id], kind)
        return None

    return downhill, phrase("improve"), phrase("nailed")


def answers_from_rows(turns: list[dict[str, Any]]) -> dict[str, Answer]:
    return {
        t["stage"]: Answer(
            stage=t["stage"],
            text=t["answer"],
            rating=t["rating"],
            causes=tuple(t["causes"]),
            improve=t["improve"],
            nailed=t["nailed"],
        )
        for t in turns
    }
