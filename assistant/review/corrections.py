"""Correcting one stage of a stored debrief (`debrief edit`).

A new answer goes through the same rules as a spoken one; an explicit rating
wins over the rules' rating; if the new words carry no rating, the old rating
stays (it may have come from the follow-up question, not from the words).
Then the turning point and the two lessons are worked out again, the summary
is composed again if the debrief was finished (without the coach and progress
lines, which were said once and are not repeated), and every changed field is
recorded in `edits`.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

from assistant.console import rating_text
from assistant.dialogue.script import Phrases, Script
from assistant.errors import DebriefError

FIELDS = {"answer": "text", "rating": "rating", "causes": "causes", "improve": "improve", "nailed": "nailed"}


def parse_rating(text: str | float) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = None
    if value is None or not 1 <= value <= 5 or value * 2 != int(value * 2):
        raise DebriefError(f"'{text}' is not a rating; ratings go from 1 to 5 in half steps, e.g. 4 or 3.5.")
    return value


def edit(
    store,
    script: Script,
    phrases: Phrases,
    session_id: int,
    stage_id: str,
    *,
    rating: float | None = None,
    answer: str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Apply one correction; returns {"changes": [(field, old, new)],
    "downhill": (old, new), "summary_recomposed": bool}. The whole correction
    is one transaction: the turn, the turning point, the lessons, the summary
    and the `edits` rows change together or not at all."""
    with store.transaction():  # read, work out and write under one lock: all of the correction or none
        return _edit(store, script, phrases, session_id, stage_id, rating, answer, rng)


def _edit(store, script, phrases, session_id, stage_id, rating, answer, rng) -> dict[str, Any]:
    from assistant.dialogue.answers import (  # the rules load only when editing
        Answer,
        answers_from_rows,
        conclusions,
        rating_in_doubt,
        understand,
    )
    from assistant.dialogue.summary import compose, quoted

    session = store.session(session_id)
    try:
        stage = script.get(stage_id)
    except KeyError:
        raise DebriefError(f"Unknown stage '{stage_id}'; use one of: {', '.join(script.ids())}.") from None
    if rating is None and answer is None:
        raise DebriefError("Nothing to change; give --rating, --answer or both.")
    if rating is not None and not stage.rated:
        raise DebriefError(f"The stage '{stage_id}' has no rating; change its words with --answer.")
    if answer is not None:
        answer = " ".join(answer.split())
        if not answer:
            raise DebriefError("The new answer is empty; give the words that were meant, in quotes.")
        if session.get("crumpled_at"):
            raise DebriefError(
                f"Debrief {session_id} was crumpled, so its words are gone for good; "
                "you can still correct a rating with --rating."
            )

    turns = store.turns(session_id)
    answers = answers_from_rows(turns)
    old = answers.get(stage_id) or Answer(stage_id, None)
    new = understand(stage, answer) if answer is not None else old
    if rating is not None:
        new = replace(new, rating=rating, rating_sure=True)
    elif new.rating is None and stage.rated:
        new = replace(new, rating=old.rating, rating_sure=old.rating_sure)
    answers[stage_id] = new

    changes = []
    for field, attr in FIELDS.items():
        before, after = getattr(old, attr), getattr(new, attr)
        if field == "causes":
            before, after = list(before or ()), list(after or ())
        if field == "rating" and rating_in_doubt(old) and not rating_in_doubt(new):
            before = f"{rating_text(before)} (unsure)"  # checked: the same number is a change too
        if before != after:
            changes.append((field, before, after))
    if not changes:
        return {"changes": [], "downhill": (session["downhill"],) * 2, "summary_recomposed": False}

    downhill, improve, nailed = conclusions(script, answers)
    summary = session["summary"]
    recomposed = session["status"] == "complete"
    if recomposed:
        summary = compose(script, phrases, answers, downhill, improve, nailed, rng or random.Random())
    existing = next((t for t in turns if t["stage"] == stage_id), None)
    row = {
        "position": existing["position"] if existing else script.ids().index(stage_id),
        "question": existing["question"] if existing else stage.question,
        "answer": new.text,
        "rating": new.rating,
        "rating_sure": None if new.rating is None else int(new.rating_sure),
        "causes": list(new.causes),
        "positive": json.dumps(list(new.positive)) if new.positive else None,
        "improve": new.improve,
        "nailed": new.nailed,
        "answered_at": existing["answered_at"] if existing else None,
    }
    if answer is not None:
        row["words"] = None  # typed words replace what was heard: they are exactly what was meant
    store.apply_edit(
        session_id,
        stage_id,
        row,
        changes,
        {
            "downhill": downhill,
            "improve": improve,
            "nailed": nailed,
            "summary": summary,
            "quotes": json.dumps(quoted(script, answers, improve, nailed)) if recomposed else session.get("quotes"),
        },
    )
    return {"changes": changes, "downhill": (session["downhill"], downhill), "summary_recomposed": recomposed}
