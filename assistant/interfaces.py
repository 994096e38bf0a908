"""The small contracts between the speech stages and the flow engine.

- A Microphone yields AudioChunks. `pause()` / `resume()` bracket the time the
  assistant speaks: a live microphone drops frames captured while paused (so
  the assistant never hears itself); a file microphone ignores both (audio
  from a file is never dropped). The iterator ends when the source ends.
- A Recognizer turns chunks into text: `accept` returns the text so far
  (partial), `finish` returns the final Utterance and readies it for the next
  one, `reset` discards what it heard. `set_grammar(phrases)` limits it to a
  list of short phrases plus an out-of-grammar path; `set_grammar(None)`
  returns to free speech.
- A Speaker says text and returns when it has been said (or printed);
  `prepare(text)` may render ahead what is likely said next, `close()` lets
  go of the engine.
- A Listener gives the flow engine one answer at a time: `listen(kind)`
  returns a Heard, or None when the input has ended. `kind` is "answer"
  (free speech), "number" (the 1-5 follow-up), or "yesno". An answer that
  timed out with nothing said is Heard(text=""). "lesson" is free speech
  that needs no rating (the improvement, the win). `interactive` is False when
  answers come from a pipe or a recording: then the flow asks no follow-ups.
  `partial_heard` is what was heard of an answer cut short by a lost
  microphone (None otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

UNK = "[unk]"  # what a recogniser returns for speech outside its grammar


@dataclass(frozen=True)
class AudioChunk:
    """Raw little-endian PCM, as wyoming's AudioChunk: rate (Hz), width (bytes
    per sample), channels."""

    rate: int
    width: int
    channels: int
    audio: bytes

    @property
    def samples(self) -> int:
        return len(self.audio) // (self.width * self.channels)

    @property
    def seconds(self) -> float:
        return self.samples / self.rate if self.rate else 0.0


# Each word as heard, with the recogniser's confidence in it (0..1).
Words = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Utterance:
    text: str
    confidence: float | None = None
    words: Words = ()


@dataclass(frozen=True)
class Heard:
    text: str
    audio: bytes | None = None  # a complete WAV file (16 kHz mono 16-bit), or None
    confidence: float | None = None
    # A 1-5 rating heard by a dedicated number pass over the audio (spotted
    # number phrases merged into the transcript, then read by the rules). It
    # stands where the transcript holds no number (free decoders lose number
    # words: "i would say give"), not over one it holds (dialogue/answers.py).
    rating: float | None = None
    # False when the rating heard is in doubt: the number pass and the
    # transcript disagree, or the number was heard unclearly. An interactive
    # debrief then checks it in one yes/no turn.
    rating_sure: bool = True
    # True when the number pass's reading keeps every number the transcript
    # holds and reads the rating said after them ("three no do not have" read
    # as "three no two and a half"): then its rating stands over the
    # transcript's (speech_in/rating_pass.adds_to).
    rating_adds: bool = False
    # Each word heard with the recogniser's confidence in it; () for typed
    # text, which is exactly what was meant.
    words: Words = ()
    # Where in the audio stream (seconds from its start) the speech began and
    # where the answer was ended (after the closing pause); 0 when not audio.
    start: float = 0.0
    end: float = 0.0
    # True when a pause shorter than the longest one allowed ended the answer
    # (the pause rules took it as finished): a thought may have gone on, and
    # what comes next may be the rest of it (dialogue/flow.py).
    quick_end: bool = False


@runtime_checkable
class Microphone(Protocol):
    def chunks(self) -> Iterator[AudioChunk]: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def close(self) -> None: ...


@runtime_checkable
class Recognizer(Protocol):
    def accept(self, chunk: AudioChunk) -> str: ...
    def segment(self) -> str: ...  # a pause: settle what was heard so far; the text so far
    def finish(self) -> Utterance: ...
    def reset(self) -> None: ...
    def set_grammar(self, phrases: list[str] | None) -> None: ...


@runtime_checkable
class Speaker(Protocol):
    def say(self, text: str) -> None: ...
    def prepare(self, text: str) -> None: ...  # render ahead what is likely said next (may do nothing)
    def close(self) -> None: ...


@runtime_checkable
class Listener(Protocol):
    interactive: bool
    # What was heard of an answer when the microphone was lost in the middle of it.
    partial_heard: Heard | None

    def listen(self, kind: str = "answer") -> Heard | None: ...
