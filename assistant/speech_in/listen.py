"""The endpointer and the voice Listener.

VoiceListener.listen(kind) takes chunks from one Microphone stream (kept
across calls: a recording is consumed one answer per question) and feeds them
to a Recognizer until the answer ends:

- speech starts when the frame energy (RMS) stays above an adaptive noise
  floor for `min_speech` seconds, or when the recogniser reports words while
  the energy is above the floor;
- the answer ends after `silence` seconds of quiet once speech has started
  (default 1.0 s: recordings for checking have >= 2 s between answers and
  <= 0.7 s of pause inside one), or after `max_answer` seconds of speech;
- with nothing said for `no_answer_timeout` seconds it returns Heard("").

All times are audio seconds (counted from the chunks), never wall-clock, so a
file is split the same way however fast it is read. numpy is imported lazily.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

from assistant.audio.pcm import CHANNELS, RATE, WIDTH, Resampler, wav_bytes
from assistant.console import note
from assistant.errors import DeviceLostError
from assistant.interfaces import UNK, AudioChunk, Heard, Microphone, Recognizer

SHORT_KINDS = ("number", "yesno")


def rms(chunk: AudioChunk) -> float:
    """Root mean square of a 16-bit chunk, 0..1."""
    import numpy as np

    if not chunk.audio:
        return 0.0
    x = np.frombuffer(chunk.audio[: len(chunk.audio) // 2 * 2], dtype="<i2")
    if not len(x):
        return 0.0
    return float(np.sqrt(np.mean((x.astype(np.float64) / 32768.0) ** 2)))


class EnergyDetector:
    """Speech / non-speech per chunk from RMS against an adaptive noise floor.

    The floor follows the RMS down at once and creeps up slowly (doubling in
    about `rise_seconds` of steady sound), so steady noise becomes the floor
    while speech with its gaps stays above it.
    """

    def __init__(self, ratio: float = 3.0, min_level: float = 0.006, rise_seconds: float = 4.0):
        self.ratio = ratio
        self.min_level = min_level
        self.rise_seconds = rise_seconds
        self.floor: float | None = None

    def threshold(self) -> float:
        return max(self.min_level, (self.floor or 0.0) * self.ratio)

    def voiced(self, level: float, seconds: float) -> bool:
        if self.floor is None:
            self.floor = min(level, self.min_level)
        is_voiced = level > self.threshold()
        if level <= self.floor:
            self.floor = level
        else:
            self.floor = min(level, self.floor * 2.0 ** (seconds / self.rise_seconds))
        return is_voiced


class VoiceListener:
    def __init__(
        self,
        mic: Microphone,
        recognizer: Recognizer,
        *,
        interactive: bool,
        silence: float = 1.0,
        no_answer_timeout: float = 8.0,
        max_answer: float = 90.0,
        on_partial: Callable[[str], None] | None = None,
        keep_audio: bool = True,
        vocabulary: Callable[[str], list[str]] | None = None,
        min_speech: float = 0.1,
        pre_roll: float = 0.3,
        rating_pass=None,
    ):
        self.mic = mic
        self.recognizer = recognizer
        self.interactive = interactive
        self.silence = silence
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
        self.detector = EnergyDetector()
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

    def _listen(self) -> Heard | None:
        rec = self.recognizer
        started = False
        waited = 0.0  # audio seconds before speech started
        run = 0.0  # current stretch of voiced audio before the start
        quiet = 0.0  # current stretch of quiet after the start
        spoken = 0.0  # audio seconds since the start
        before: deque[AudioChunk] = deque()
        before_seconds = 0.0
        kept: list[bytes] = []
        text = ""
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
                self.partial_heard = self._heard(text, kept, None) if (started or text) else None
                raise
            chunk = self._normalise(chunk)
            if not chunk.audio:
                continue
            secs = chunk.seconds
            level = rms(chunk)
            voiced = self.detector.voiced(level, secs)
            partial = rec.accept(chunk)
            if self._rating_on:
                self._pass_call("accept", chunk)
            if partial != text:
                text = partial
                shown = self._clean(partial, False)
                if shown and self.on_partial is not None:
                    self.on_partial(shown)
            if not started:
                before.append(chunk)
                before_seconds += secs
                while before and before_seconds - before[0].seconds >= self.pre_roll + secs:
                    before_seconds -= before.popleft().seconds
                run = run + secs if voiced else 0.0
                heard_words = bool(self._clean(partial, False)) and level > (self.detector.floor or 0) * 1.5
                if run >= self.min_speech or (heard_words and level > self.detector.min_level):
                    started = True
                    kept = [c.audio for c in before] if self.keep_audio else []
                    spoken = run
                    before.clear()
                    continue
                waited += secs
                if waited >= self.no_answer_timeout:
                    rec.reset()
                    if self._rating_on:
                        self._pass_call("reset")
                    return Heard("")
                continue
            spoken += secs
            if self.keep_audio:
                kept.append(chunk.audio)
            quiet = 0.0 if voiced else quiet + secs
            if quiet >= self.silence or spoken >= self.max_answer:
                break
        utt = rec.finish()
        rating = self._pass_call("finish") if self._rating_on else None
        return self._heard(utt.text, kept, utt.confidence, spoke=started, rating=rating)

    def _heard(
        self, text: str, kept: list[bytes], confidence, spoke: bool = True, rating: float | None = None
    ) -> Heard:
        audio = wav_bytes(b"".join(kept)) if self.keep_audio and kept else None
        return Heard(self._clean(text, spoke), audio, confidence, rating)
