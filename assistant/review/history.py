"""Looking across debriefs: trends per stage, the coach nudge, progress.

Which debriefs count: the most recent ones that are not demos and have at
least one rating or cause. Interrupted debriefs count with the answers they
have (a debrief stopped halfway still says how the first stages felt).

The coach nudge: a *pattern* is a stage rated 2 or below in at least 3 of the
last 5 debriefs (`stage:<id>`), or a cause tag named in at least 3 of the last
5 (`cause:<tag>`). The spoken summary suggests an interview coach once per
pattern, in one sentence however many patterns fire at once (all of them are
then recorded as suggested). A pattern that went away (checked at the end of
each debrief) is marked resolved; if it comes back, it may be suggested again.
`debrief trends` is a report asked for, so it shows the active patterns every
time, and records nothing.

Progress: a stage rated 4 or more now that was rated 2 or below in one of the
previous 4 debriefs is named once ("went from 2 to 4"); it may be named again
only after that stage has gone badly again.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from assistant.console import rating_text
from assistant.dialogue.script import Phrases, Script
from assistant.review.views import connection
from assistant.storage import reader

COACH_WINDOW = 5
COACH_COUNT = 3
LOW = 2
HIGH = 4
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _n(count: int) -> str:
    return WORDS[count] if 0 <= count < len(WORDS) else str(count)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def window(conn, n: int, *, before: str | None = None, exclude: int | None = None) -> list[dict[str, Any]]:
    """The last `n` debriefs that count, oldest first, each with its
    {"ratings": {stage: rating}, "causes": {tags}}."""
    sessions = list(reversed(reader.recent_sessions(conn, n, before=before, exclude=exclude)))
    data = reader.ratings_and_causes(conn, [s["id"] for s in sessions])
    return [dict(s, **data[s["id"]]) for s in sessions]


def stage_trends(script: Script, debriefs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for stage in (s for s in script.stages if s.rated):
        series = [d["ratings"].get(stage.id) for d in debriefs]
        points = [(i, r) for i, r in enumerate(series) if r is not None]
        average = round(sum(r for _, r in points) / len(points), 2) if points else None
        direction = "unknown"
        if len(points) >= 2:
            mx = sum(i for i, _ in points) / len(points)
            slope = sum((i - mx) * (r - average) for i, r in points) / sum((i - mx) ** 2 for i, _ in points)
            first, last = points[0][1], points[-1][1]
            direction = (
                "improving" if slope > 0.2 and last > first else "worse" if slope < -0.2 and last < first else "steady"
            )
        out.append(
            {
                "id": stage.id,
                "label": stage.label,
                "ratings": series,
                "average": average,
                "direction": direction,
                "first": points[0][1] if points else None,
                "last": points[-1][1] if points else None,
                "span": points[-1][0] - points[0][0] + 1 if points else 0,
                "low": sum(1 for _, r in points if r <= LOW),
            }
        )
    return out


def cause_counts(debriefs: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(cause tag, in how many of the debriefs it came up), most frequent first."""
    tags: dict[str, int] = {}
    for d in debriefs:
        for tag in d["causes"]:
            tags[tag] = tags.get(tag, 0) + 1
    return sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))


def patterns(script: Script, debriefs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Active coach patterns over the given debriefs (use the last 5), stages
    first (in script order), then causes (most frequent first)."""
    found = []
    for stage in (s for s in script.stages if s.rated):
        count = sum(1 for d in debriefs if (d["ratings"].get(stage.id) or 99) <= LOW)
        if count >= COACH_COUNT:
            found.append(
                {"pattern": f"stage:{stage.id}", "kind": "stage", "key": stage.id, "count": count, "of": len(debriefs)}
            )
    for tag, count in cause_counts(debriefs):
        if count >= COACH_COUNT:
            found.append({"pattern": f"cause:{tag}", "kind": "cause", "key": tag, "count": count, "of": len(debriefs)})
    return found


def coach_sentence(script: Script, phrases: Phrases, pattern: dict[str, Any], rng: random.Random) -> str:
    if pattern["kind"] == "stage":
        label = script.get(pattern["key"]).label
        text = phrases.pick("summary.coach", rng, label=label)
        return _cap(text) if text.startswith(label) else text  # the label may open the sentence
    name = phrases.cause_names.get(pattern["key"], pattern["key"])
    return phrases.pick("summary.coach_cause", rng, cause=name)


def trends(source, script: Script, phrases: Phrases, last: int = 5) -> dict[str, Any]:
    """Everything `debrief trends` shows, as one JSON-able document."""
    conn = connection(source)
    debriefs = window(conn, last)
    stages = stage_trends(script, debriefs)
    n = len(debriefs)
    improving = [
        f"{_cap(t['label'])} went from {rating_text(t['first'])} to {rating_text(t['last'])} "
        f"over your last {_n(t['span'])} interviews."
        for t in stages
        if t["direction"] == "improving"
    ]

    def of_last(count: int) -> str:
        return f"all of your last {_n(n)}" if count == n else f"{_n(count)} of your last {_n(n)}"

    wrong = [
        f"{_cap(t['label'])} keeps going wrong: rated 2 or below in {of_last(t['low'])} interviews."
        for t in stages
        if t["low"] >= 2 and t["low"] * 2 >= sum(r is not None for r in t["ratings"])
    ]
    wrong += [
        f"{phrases.cause_names.get(tag, tag)} came up in {of_last(count)} interviews."
        for tag, count in cause_counts(debriefs)
        if count >= 2
    ]
    coach_debriefs = debriefs[-COACH_WINDOW:] if last >= COACH_WINDOW else window(conn, COACH_WINDOW)
    active = patterns(script, coach_debriefs)
    rng = random.Random(0)
    return {
        "last": last,
        "debriefs": [{k: d[k] for k in ("id", "started_at", "company", "role", "status")} for d in debriefs],
        "stages": [
            {k: t[k] for k in ("id", "label", "ratings", "average", "direction", "first", "last")} for t in stages
        ],
        "improving": improving,
        "going_wrong": wrong,
        "coach": {
            "patterns": active,
            "suggestion": coach_sentence(script, phrases, active[0], rng) if active else None,
        },
    }


ARROWS = {"improving": "↑", "worse": "↓", "steady": "→", "unknown": " "}


def chart(doc: dict[str, Any], width: int = 80) -> str:
    """A horizontal bar per stage: its average rating, with an arrow for its
    direction. plotext is imported here only (it takes ~0.1 s to import)."""
    import plotext

    stages = [t for t in reversed(doc["stages"])]  # plotext draws bottom-up
    fig = plotext.figure
    fig.clear()  # the figure is module-global: start from nothing on every call
    fig.theme("clear")
    fig.plot_size(max(40, min(width, 100)), 3 * len(stages) + 5)
    labels = [f"{t['label'][:34]} {ARROWS[t['direction']]}" for t in stages]
    bars = fig.bar(
        labels,
        [t["average"] or 0 for t in stages],
        orientation="h",
        width=0.6,
        labeled=[rating_text(t["average"]) for t in stages],
    )
    fig.draw(bars)
    fig.title(f"Average rating per stage, last {len(doc['debriefs'])} debriefs (1-5)")
    fig.ruler("x").lim(0, 5)
    fig.ruler("x").ticks([0, 1, 2, 3, 4, 5])
    return fig.build().string(colorless=True)


def trends_text(doc: dict[str, Any], width: int = 80) -> str:
    lines = [chart(doc, width), ""]
    if doc["improving"]:
        lines += ["Improving:"] + [f"  {s}" for s in doc["improving"]]
    if doc["going_wrong"]:
        lines += ["Keeps going wrong:"] + [f"  {s}" for s in doc["going_wrong"]]
    if not doc["improving"] and not doc["going_wrong"]:
        lines.append("No clear pattern yet: nothing is steadily improving or going wrong.")
    if doc["coach"]["suggestion"]:
        lines += ["", doc["coach"]["suggestion"]]
    return "\n".join(lines)


def summary_extras(
    store, script: Script, phrases: Phrases, session_id: int, answers: Mapping[str, Any], rng: random.Random
) -> list[str]:
    """The extra sentences for the spoken summary of the debrief being
    finished (the coach nudge and/or progress noticed), recording what was
    said so it is not said again. `answers` are that debrief's flow Answers."""
    current = store.session(session_id)
    if current["demo"]:
        return []
    conn = connection(store)
    before = window(conn, COACH_WINDOW - 1, before=current["started_at"], exclude=session_id)
    now_ratings = {sid: a.rating for sid, a in answers.items() if a.rating is not None}
    now_causes = {c for a in answers.values() for c in a.causes}
    debriefs = before + [{"id": session_id, "ratings": now_ratings, "causes": now_causes}]

    open_ = store.open_nudges()
    active = patterns(script, debriefs) if (now_ratings or now_causes) else []
    active_names = {p["pattern"] for p in active}
    resolved = [p for p in open_ if not p.startswith("progress:") and p not in active_names]
    resolved += [f"progress:{sid}" for sid, r in now_ratings.items() if r <= LOW and f"progress:{sid}" in open_]
    new = [p for p in active if p["pattern"] not in open_]
    lines, given = [], []
    if new:
        lines.append(coach_sentence(script, phrases, new[0], rng))
        given += [p["pattern"] for p in new]

    best = None
    for stage in (s for s in script.stages if s.rated):
        after = now_ratings.get(stage.id)
        if after is None or after < HIGH or f"progress:{stage.id}" in open_:
            continue
        lows = [d["ratings"][stage.id] for d in before if (d["ratings"].get(stage.id) or 99) <= LOW]
        if lows and (best is None or after - lows[-1] > best[2] - best[1]):
            best = (stage, lows[-1], after)
    if best:
        stage, low, after = best
        lines.append(
            phrases.pick("summary.progress", rng, label=stage.label, before=rating_text(low), after=rating_text(after))
        )
        given.append(f"progress:{stage.id}")
    if given or resolved:
        store.record_nudges(session_id, given, resolved)
    return lines
