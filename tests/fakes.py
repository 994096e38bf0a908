"""Fakes for the speech stages: a scripted listener, a recording speaker and
an in-memory recorder. (Audio fakes, a scripted recogniser and silence/tone
microphones, are in fakes_audio.py.)"""

from __future__ import annotations

from assistant.dialogue.answers import Answer, Outcome
from assistant.interfaces import Heard


class ScriptedListener:
    """Gives the scripted answers in order, then None (end of input)."""

    def __init__(self, answers, *, interactive=False):
        self.answers = list(answers)
        self.interactive = interactive
        self.partial_heard = None
        self.kinds = []

    def listen(self, kind="answer"):
        self.kinds.append(kind)
        if not self.answers:
            return None
        item = self.answers.pop(0)
        if isinstance(item, BaseException):
            raise item
        return item if isinstance(item, Heard) else Heard(item)


class RecordingSpeaker:
    def __init__(self):
        self.said = []
        self.prepared = []

    def say(self, text):
        self.said.append(text)

    def prepare(self, text):
        self.prepared.append(text)

    def close(self):
        pass


class MemoryRecorder:
    def __init__(self):
        self.saved: list[tuple[int, str, Answer]] = []
        self.outcome: Outcome | None = None
        self.crumpled = False

    def save_answer(self, position, stage, answer, heard, *, adding=False):
        self.saved.append((position, stage.id, answer))

    def finish(self, outcome):
        self.outcome = outcome

    def crumple(self):
        self.crumpled = True
