"""Plan where the answers in a recording end, before listening to it.

A live debrief must decide at each pause whether the answer is over. A
recording (`--input`) can be looked at whole first: it holds one answer per
question, so of all the quiet stretches long enough to end an answer, the
longest ones (one fewer than the answers expected) are the gaps between
answers, and the shorter ones are pauses to think inside an answer. The
listener then ends an answer only inside one of these planned gaps, so a
recording is cut at most once fewer than the answers expected, and a pause to
think, however long, never moves the later answers to the wrong question
(unless it is longer than a gap between answers). Only the first part of a
long recording is planned (as long as every answer at its longest); past it,
the pause rules alone end answers.

The plan keeps the detector's word on every chunk it looked at, and the
listener reads those instead of asking a detector again: the voice detector
runs once over the recording, not twice, and the listener's quiet is exactly
the quiet the plan measured.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from assistant.interfaces import AudioChunk
from assistant.speech_in.vad import VoiceDetector


class Quiet(NamedTuple):
    stretches: list[tuple[float, float]]  # (start, end) seconds of each long enough quiet stretch
    seen: float  # seconds looked at
    voiced: list[bool]  # the detector's word on each (non-empty) chunk looked at, in order


def quiet_stretches(
    chunks: Iterable[AudioChunk],
    detector: VoiceDetector,
    *,
    silence: float,
    denoise=None,
    limit: float = float("inf"),
) -> Quiet:
    """The (start, end) seconds of each stretch of at least `silence` seconds
    that the detector calls quiet, between the first and the last speech, in
    the first `limit` seconds; and what the detector said of each chunk."""
    out: list[tuple[float, float]] = []
    said: list[bool] = []
    position = 0.0
    quiet_from: float | None = None
    spoke = False
    for chunk in chunks:
        if position >= limit - 1e-6:
            break
        if not chunk.audio:
            continue
        if not chunk.audio.strip(b"\0"):
            voiced = False  # digital silence: no need to ask the detector
        else:
            cleaned = denoise.process(chunk) if denoise is not None else chunk
            voiced = detector.voiced(cleaned) if cleaned.audio else False
        said.append(voiced)
        if voiced:
            if spoke and quiet_from is not None and position - quiet_from >= silence:
                out.append((quiet_from, position))
            spoke, quiet_from = True, None
        elif quiet_from is None:
            quiet_from = position
        position += chunk.seconds
    return Quiet(out, position, said)


def plan_answer_ends(stretches: list[tuple[float, float]], answers: int) -> list[tuple[float, float]]:
    """The stretches that end answers: the `answers - 1` longest (the earlier
    of two equally long ones first), in time order."""
    if answers <= 1:
        return []
    ranked = sorted(stretches, key=lambda s: (-(s[1] - s[0]), s[0]))
    return sorted(ranked[: answers - 1])
