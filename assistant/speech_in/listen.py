"""The voice Listener: when an answer starts and ends, and what was said.

VoiceListener.listen(kind) takes chunks from one Microphone stream (kept
across calls: a recording is consumed one answer per question), cleans them
(noise suppression, when on), asks a voice detector (Silero VAD, or the
energy detector) whether each is speech (for a planned recording, reads what
the plan's detector said: speech_in/plan.py), and feeds them to a Recognizer
until the answer ends. The recogniser hears the cleaned audio when the
suppression is always on, or, with "auto", when the background measured so
far is loud (decided as each answer's speech starts). The recogniser hears
each answer from LEAD_IN seconds before its first voiced chunk: the quiet or
road noise before it is never decoded. After SEGMENT_AFTER seconds of quiet
inside a free answer the recogniser settles what it heard so far
(Recognizer.segment), so the pause rules read its final words; the rest of
that pause is not decoded, except its last LEAD_IN seconds when speech comes
back (road noise decoded is time spent and words invented).

- speech starts after `min_speech` seconds of voiced audio, or when the
  recogniser reports words while the audio is voiced;
- the answer ends after a pause as long as this table allows, given what
  was said so far (understanding/pauses.py) and how this person talks, as
  learnt in this debrief (h: half-way between `silence` and `max_pause`),
  or after `max_answer` seconds of speech:

      the answer so far               not known yet  talks in one go  stops to think
      closed (a clause, then rating)  silence        silence          longest x 1.25
      finished (a rating, a clause)   max_pause      silence          longest x 1.25
      a story (25 words, rated)       max_pause      1.25 x silence   longest x 1.25
      other (very few words)          max_pause      h                longest x 1.25
      unfinished ("and", "um", "i")   max_pause      max_pause        longest x 1.25
      a clause, its rating to come    max_pause      max_pause        longest x 1.25

  "Stops to think": a pause of `silence` or more inside an answer, then more
  words (for them a finished sentence is no sign the answer is over). Their
  later pauses may be longer than any heard so far, so every pause then
  waits a quarter longer than the longest one they went on after, never less
  than `max_pause` and at most LEARNT_CAP seconds over it.
  "Talks in one go": FLUENT_AFTER seconds of answers without such a pause.
  For the improvement and the win, a clause is finished; in a rated stage the
  answer goes on until its rating has been heard ("... took me ages. | two.")
  and ends soonest when the rating comes last, as a verdict ("... we had a
  laugh about that. i'd say a four."). A rating the transcript lost but the
  number pass spotted counts: when the settled words hold no rating, the
  pause rules read the pass's reading of them (RatingPass.peek: "i'd say a
  four" for "i'd say give");
- with nothing said for `no_answer_timeout` seconds it returns Heard("").

Kinds: "answer" (a rated stage), "lesson" (the improvement or the win: no
rating is waited for), "number" and "yesno" (short replies, with a grammar).
All times are audio seconds (counted from the chunks), never wall-clock, so a
file is split the same way however fast it is read, and each Heard says
where in the stream its speech started and where the answer was ended.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Generic, TypeVar

from assistant.audio.denoise import NoiseMeter, NoiseSuppressor
from assistant.audio.pcm import CHANNELS, RATE, WIDTH, Resampler, wav_bytes
from assistant.console import note
from assistant.errors import DeviceLostError
from assistant.interfaces import UNK, AudioChunk, Heard, Microphone, Recognizer, Words
from assistant.speech_in.vad import EnergyDetector, VoiceDetector
from assistant.speech_in.vocabulary import command_heard
from assistant.understanding.extract import extract, is_number_word
from assistant.understanding.pauses import CLOSED, FINISHED, TELLING, UNFINISHED, UNRATED, answer_state

SHORT_KINDS = ("number", "yesno")
# "Talks in one go" (see the table above): this many seconds of answers heard
# without once a pause to think; then a story ends after FLUENT_PAUSE x `silence`.
FLUENT_AFTER = 20.0
FLUENT_PAUSE = 1.25  # 1.0 s at the default `silence`
# "Stops to think": every pause waits LEARNT_MARGIN x their longest pause so
# far, at least `max_pause` and at most `max_pause` + LEARNT_CAP.
LEARNT_MARGIN = 1.25
LEARNT_CAP = 1.0
# Seconds of audio before the first voiced chunk of an answer that the
# recogniser hears (the start of "four" or "five" is quiet); the quiet or road
# noise before that is not decoded, which costs time and, in noise, words.
LEAD_IN = 0.5
# After this many seconds of quiet inside a free answer the recogniser closes
# what it has heard so far (Recognizer.segment): the pause rules then read its
# final hypothesis, not the running first-pass guess.
SEGMENT_AFTER = 0.6
UNSURE_NUMBER = 0.6  # a number word heard with less confidence puts the rating in doubt
FREE_KINDS = ("answer", "lesson")


T = TypeVar("T")


class _Recent(Generic[T]):
    """What came with the last stretch of audio: each item is added with its
    chunk's seconds, and the oldest go while the rest still span `seconds`."""

    def __init__(self) -> None:
        self._items: deque[tuple[float, T]] = deque()
        self._seconds = 0.0

    def add(self, item: T, secs: float, seconds: float) -> None:
        self._items.append((secs, item))
        self._seconds += secs
        while self._items and self._seconds - self._items[0][0] >= seconds:
            self._seconds -= self._items.popleft()[0]

    def take(self) -> list[T]:
        """Everything kept, oldest first; empty after."""
        items = [item for _, item in self._items]
        self._items.clear()
        self._seconds = 0.0
        return items


class VoiceListener:
    def __init__(
        self,
        mic: Microphone,
        recognizer: Recognizer,
        *,
        interactive: bool,
        silence: float = 1.0,
        max_pause: float | None = None,
        no_answer_timeout: float = 8.0,
        max_answer: float = 90.0,
        on_partial: Callable[[str], None] | None = None,
        keep_audio: bool = True,
        vocabulary: Callable[[str], list[str]] | None = None,
        min_speech: float = 0.1,
        pre_roll: float = 0.3,
        rating_pass=None,
        detector: VoiceDetector | None = None,
        denoise: NoiseSuppressor | None = None,
        denoise_recognizer: bool = True,
        denoise_when_noisy: bool = False,
    ):
        self.mic = mic
        self.recognizer = recognizer
        self.interactive = interactive
        self.silence = silence
        # after an unfinished clause: the thought may go on after a pause to think
        self.max_pause = max(silence, max_pause if max_pause is not None else silence)
        self.no_answer_timeout = no_answer_timeout
        self.max_answer = max_answer
        self.on_partial = on_partial
        self.keep_audio = keep_audio
        self.vocabulary = vocabulary
        self.min_speech = min_speech
        self.pre_roll = pre_roll
        # A number pass (assistant.rating_pass) fed the same chunks during
        # free answers; its rating goes to Heard.rating. None: no pass.
        self.rating_pass = rating_pass
        self._rating_on = False
        self._pass_failed = False
        self.partial_heard: Heard | None = None  # what was heard when the device was lost
        self.ended = False
        self.detector: VoiceDetector = detector or EnergyDetector()
        self.denoise = denoise
        self.denoise_recognizer = denoise_recognizer  # False: the cleaned audio only decides speech or not
        # True: the recogniser hears the cleaned audio only while the background
        # is loud (audio/denoise.py NoiseMeter), decided as each answer starts;
        # in quiet, cleaning costs more words than it saves.
        self.denoise_when_noisy = denoise_when_noisy
        self.meter = NoiseMeter()
        # How this person pauses, learnt across the answers of a debrief:
        self.thinking_pause: float | None = None  # longest pause inside an answer that was followed by more words
        self.fluent_seconds = 0.0  # seconds of answers heard so far (free kinds)
        self.cleaning = denoise_recognizer and not denoise_when_noisy
        self.position = 0.0  # audio seconds read from the stream so far
        # For a recording: the quiet stretches planned as the gaps between
        # answers (speech_in/plan.py); an answer ends only inside one. None: live.
        self.answer_ends: list[tuple[float, float]] | None = None
        self.planned_until = float("inf")  # past this second of a recording, the pause rules alone
        # For a recording: what the plan's detector said of each chunk, read
        # here in its place (the detector runs once over the file). None: ask.
        self.planned_voiced: list[bool] | None = None
        self._chunk_index = 0  # non-empty chunks read from the stream so far
        self._chunks: Iterator[AudioChunk] | None = None
        self._resamplers: dict[int, Resampler] = {}

    # -- helpers -------------------------------------------------------------
    def _stream(self) -> Iterator[AudioChunk]:
        if self._chunks is None:
            self._chunks = iter(self.mic.chunks())
        return self._chunks

    def _normalise(self, chunk: AudioChunk) -> AudioChunk:
        if chunk.rate == RATE and chunk.width == WIDTH and chunk.channels == CHANNELS:
            return chunk
        r = self._resamplers.get(chunk.rate)
        if r is None:
            r = self._resamplers[chunk.rate] = Resampler(chunk.rate)
        return r.process(chunk)

    def _grammar_for(self, kind: str) -> list[str] | None:
        if kind in SHORT_KINDS and self.vocabulary is not None:
            return list(self.vocabulary(kind))
        return None

    @staticmethod
    def _clean(text: str, spoke: bool) -> str:
        words = [w for w in text.split() if w != UNK]
        if words:
            return " ".join(words)
        return UNK if spoke and UNK in text.split() else ""

    # -- the Listener protocol -----------------------------------------------
    def listen(self, kind: str = "answer") -> Heard | None:
        if self.ended:
            return None
        self.partial_heard = None
        self.mic.resume()
        self.recognizer.reset()
        self.recognizer.set_grammar(self._grammar_for(kind))
        self._kind = kind
        self._rating_on = kind == "answer" and self.rating_pass is not None
        if self._rating_on:
            self._pass_call("reset")
        try:
            return self._listen()
        finally:
            self.mic.pause()

    def _pass_call(self, name: str, *args):
        """Call the number pass; a failing pass is switched off (and said so
        once), never the answer."""
        try:
            return getattr(self.rating_pass, name)(*args)
        except Exception as e:  # noqa: BLE001 - any failure of the extra pass
            self._rating_on = False
            if not self._pass_failed:
                self._pass_failed = True
                note(f"The number pass stopped working ({e}); ratings now come from the transcript alone.")
            return None

    def _feed(self, chunk: AudioChunk, text: str) -> str:
        """Give a chunk to the recogniser (and the number pass); the partial text."""
        if not chunk.audio:
            return text
        partial = self.recognizer.accept(chunk)
        if self._rating_on:
            self._pass_call("accept", chunk)
        return partial

    def _show(self, text: str) -> None:
        """What was heard so far, shown live (on_partial)."""
        shown = self._clean(text, False)
        if shown and self.on_partial is not None:
            self.on_partial(shown)

    def _pause_allowed(self, text: str, settled: bool = False) -> float:
        """Seconds of quiet that end the answer, given what was said so far.
        `settled`: at a pause the recogniser has settled. Then a rated answer
        whose transcript holds no rating yet is read as the number pass reads
        it, with the rating it spotted ("a solid four, ..." heard as "the
        sword for ..."), so a rating already said does not leave the answer
        waiting for one (not in a planned stretch: the plan ends it there)."""
        if self._kind not in FREE_KINDS:
            return self.silence
        state = answer_state(self._clean(text, False), rated=self._kind == "answer")
        if settled and state == UNRATED and self._rating_on and self._planned_gaps() is None:
            reading = self._pass_call("peek")
            if reading:
                state = answer_state(self._clean(reading, False), rated=True)
        if self.thinking_pause is not None:  # this person stops to think
            return min(self.max_pause + LEARNT_CAP, max(self.max_pause, LEARNT_MARGIN * self.thinking_pause))
        if state in (UNFINISHED, UNRATED):
            return self.max_pause  # the thought goes on, or its rating is still to come
        if state == CLOSED:
            return self.silence  # the rating given last, as a verdict
        half_way = (self.silence + self.max_pause) / 2
        if self.fluent_seconds < FLUENT_AFTER:  # not known yet: a rating said first may be
            return self.max_pause  # followed by its story after a pause ("three. | it was ...")
        if state == FINISHED:
            return self.silence
        if state == TELLING:
            return min(half_way, FLUENT_PAUSE * self.silence)
        return half_way  # a clause but no rating yet, or very few words

    def _voiced(self, cleaned: AudioChunk) -> bool:
        """Is this chunk (the next one of the stream) speech? The plan's
        word on it when the recording was planned that far, else the detector's."""
        i = self._chunk_index
        self._chunk_index += 1
        if self.planned_voiced is not None and i < len(self.planned_voiced):
            return self.planned_voiced[i]
        return self.detector.voiced(cleaned) if cleaned.audio else False

    def _went_on(self, pause: float) -> bool:
        """Speech again after `pause` (>= `silence`) seconds of quiet inside an
        answer: the person stops to think. True when that is news."""
        if self._kind not in FREE_KINDS:
            return False
        news = self.thinking_pause is None
        self.thinking_pause = max(pause, self.thinking_pause or 0.0)
        return news

    def _listen(self) -> Heard | None:
        rec = self.recognizer
        started = False
        waited = 0.0  # audio seconds before speech started
        run = 0.0  # current stretch of voiced audio before the start
        quiet = 0.0  # current stretch of quiet after the start
        spoken = 0.0  # audio seconds since the start
        began = self.position  # where the speech started in the stream
        allowed = self._pause_allowed("")
        before: _Recent[AudioChunk] = _Recent()  # the pre-roll kept with the answer's audio
        # Until the first voiced chunk the recogniser hears nothing: what came
        # before it waits here (raw, cleaned), the last LEAD_IN seconds kept.
        lead: _Recent[tuple[AudioChunk, AudioChunk]] = _Recent()
        feeding = False
        # Once a pause has been settled (SEGMENT_AFTER), its quiet or road noise
        # waits here instead of being decoded; the last LEAD_IN seconds of it
        # go to the recogniser when speech comes back.
        held: _Recent[AudioChunk] = _Recent()
        holding = False
        kept: list[bytes] = []
        text = ""
        quick = False  # ended by a pause shorter than max_pause
        stream = self._stream()
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                self.ended = True
                if not started and not text:
                    rec.reset()
                    if self._rating_on:
                        self._pass_call("reset")
                    return None
                break
            except DeviceLostError:
                self.partial_heard = self._heard(text, kept, None, began=began) if (started or text) else None
                raise
            chunk = self._normalise(chunk)
            if not chunk.audio:
                continue
            secs = chunk.seconds
            self.position += secs
            cleaned = self.denoise.process(chunk) if self.denoise is not None else chunk
            voiced = self._voiced(cleaned)
            self.meter.add(chunk, voiced)
            partial = text
            if not feeding and (voiced or started):
                # the first speech: the recogniser hears from LEAD_IN seconds before it
                feeding = True
                if self.denoise_when_noisy and self.denoise_recognizer:
                    self.cleaning = bool(self.meter.noisy())
                for raw, clean in lead.take():
                    partial = self._feed(clean if self.cleaning else raw, partial)
            if feeding:
                # cleaned is chunk when there is no suppression
                heard_chunk = cleaned if self.cleaning else chunk
                if holding and not voiced:
                    held.add(heard_chunk, secs, LEAD_IN)
                else:
                    for c in held.take():
                        partial = self._feed(c, partial)
                    holding = False
                    partial = self._feed(heard_chunk, partial)
            else:
                lead.add((chunk, cleaned), secs, LEAD_IN)
            if partial != text:
                text = partial
                allowed = self._pause_allowed(text)
                self._show(text)
            if not started:
                before.add(chunk, secs, self.pre_roll + secs)
                run = run + secs if voiced else 0.0
                if run >= self.min_speech or (voiced and bool(self._clean(partial, False))):
                    started = True
                    began = self.position - run
                    pre_roll = before.take()
                    kept = [c.audio for c in pre_roll] if self.keep_audio else []
                    spoken = run
                    continue
                waited += secs
                if text and waited >= self.max_answer:
                    break  # words heard in sound the detector never called speech: bounded all the same
                if waited >= self.no_answer_timeout:
                    rec.reset()
                    if self._rating_on:
                        self._pass_call("reset")
                    return Heard("")
                continue
            spoken += secs
            if self.keep_audio:
                kept.append(chunk.audio)
            if voiced and quiet >= self.silence and self._went_on(quiet):
                allowed = self._pause_allowed(text)
            quiet = 0.0 if voiced else quiet + secs
            if quiet >= SEGMENT_AFTER > quiet - secs and self._kind in FREE_KINDS and feeding:
                holding = True  # the rest of the pause is not decoded (see `held`)
                settled = self.recognizer.segment()  # its final word on what was said so far
                if settled != text:
                    text = settled
                    self._show(text)
                allowed = self._pause_allowed(text, settled=True)
            if spoken >= self.max_answer or self._ends_here(quiet, allowed):
                quick = spoken < self.max_answer and allowed < self.max_pause and self._planned_gaps() is None
                break
        if started and self._kind in FREE_KINDS:
            self.fluent_seconds += spoken
        utt = rec.finish()
        rating = self._pass_call("finish") if self._rating_on else None
        heard = self._heard(utt.text, kept, utt.confidence, spoke=started, rating=rating, began=began, words=utt.words)
        if quick and self._kind in FREE_KINDS:
            heard = replace(heard, quick_end=True)
        if self._kind == "answer":
            adds = rating is not None and bool(self.rating_pass is not None and self.rating_pass.adds)
            heard = replace(heard, rating_sure=self._rating_sure(heard, rating), rating_adds=adds)
        return heard

    def _planned_gaps(self) -> list[tuple[float, float]] | None:
        """The planned gaps between answers while the stream is inside a
        planned recording's plan (they, not the pause rules, end the answers
        there), else None."""
        return self.answer_ends if self.answer_ends is not None and self.position <= self.planned_until else None

    def _ends_here(self, quiet: float, allowed: float) -> bool:
        """Does this much quiet end the answer? Live: when it is as long as the
        pause rules allow. In a planned recording: inside a planned gap, once
        the quiet is as long as `silence`, and nowhere else."""
        gaps = self._planned_gaps()
        if gaps is None:
            return quiet >= allowed
        slack = 0.06
        return quiet >= self.silence and any(s - slack <= self.position <= e + slack for s, e in gaps)

    def _rating_sure(self, heard: Heard, spotted: float | None) -> bool:
        """Is the rating heard beyond doubt? Not when the number pass and the
        transcript disagree, when only the pass found it and not clearly, or
        when the transcript's number words were heard unclearly."""
        said = extract(heard.text, "stage").rating if heard.text else None
        if spotted is not None and said is not None:
            return spotted == said
        if spotted is not None:
            return bool(self.rating_pass is not None and self.rating_pass.sure)
        if said is not None:
            numbers = [c for w, c in heard.words if is_number_word(w)]
            return not numbers or min(numbers) >= UNSURE_NUMBER
        return True

    def _heard(
        self,
        text: str,
        kept: list[bytes],
        confidence,
        spoke: bool = True,
        rating: float | None = None,
        began: float = 0.0,
        words: Words = (),
    ) -> Heard:
        audio = wav_bytes(b"".join(kept)) if self.keep_audio and kept else None
        words = tuple((w, c) for w, c in words if w != UNK)
        text = self._clean(text, spoke)
        if self._kind in FREE_KINDS:
            text = command_heard(text)  # "and on" is "hang on"
        return Heard(text, audio, confidence, rating, words=words, start=began, end=self.position)
