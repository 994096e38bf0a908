"""The reliability section: resume, faults, bad input, fuzzing, privacy.

Prints its counts at the end of every run, e.g.
`reliability: 27 faults injected, 41 bad inputs tried, 0 answers lost`,
and fails the run if any answer that was reported saved was lost.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rel_support import COUNTS, LOST_DETAILS, load_make_test_audio

# The seven spoken answers (flite, voice slt): one per stage, in order.
VOICE_ANSWERS = [
    "four, the traffic was fine",
    "three, the small talk was easy",
    "two, I could not think of examples",
    "two, a coding question stumped me",
    "four, I had questions ready",
    "next time I should practise my examples",
    "I nailed the story about the migration",
]
GAP = 2.5
LEAD = 0.5


class VoiceAudio:
    """The seven answers rendered once; recordings of any suffix of them."""

    def __init__(self, folder: Path):
        self.mta = load_make_test_audio()
        self.folder = folder
        self.pcm = [self.mta.synth(t, "slt") for t in VOICE_ANSWERS]
        self.full = self.recording(0)

    def recording(self, first: int, name: str | None = None) -> Path:
        """A WAV of answers[first:], 2.5 s apart (the rest of a debrief)."""
        path = self.folder / (name or f"answers-from-{first}.wav")
        if path.exists():
            return path
        mta = self.mta
        parts = [mta.silence(LEAD)]
        for i, pcm in enumerate(self.pcm[first:]):
            if i:
                parts.append(mta.silence(GAP))
            parts.append(pcm)
        parts.append(mta.silence(1.5))
        return mta.write_wav(path, b"".join(parts))


@pytest.fixture(scope="session")
def voice_audio(tmp_path_factory):
    if shutil.which("flite") is None:
        pytest.fail("flite is needed for the spoken answers: sudo apt-get install flite")
    return VoiceAudio(tmp_path_factory.mktemp("voice"))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    line = (f"reliability: {COUNTS['faults']} faults injected, {COUNTS['bad_inputs']} bad inputs tried, "
            f"{COUNTS['lost']} answers lost, {COUNTS['fuzzed']} fuzz cases, "
            f"{COUNTS['rounds']} rounds of two debriefs at once, {COUNTS['escapes']} escape sequences kept "
            f"off the terminal")
    terminalreporter.write_sep("-", "reliability")
    terminalreporter.write_line(line)
    for what in LOST_DETAILS:
        terminalreporter.write_line(f"  lost: {what}")


def pytest_sessionfinish(session, exitstatus):
    if COUNTS["lost"] and session.exitstatus == 0:
        session.exitstatus = 1  # an answer lost is a failure, whatever else passed
