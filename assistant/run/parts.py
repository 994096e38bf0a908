"""Building the voice parts of a debrief: microphone (live or a recording),
recogniser (loaded in the background while the greeting plays), speaker
(pyttsx3 rendered and played, or printed) and the listener that ties them.
Every speech library is imported here, lazily, and nowhere in review paths."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.console import note, one_line
from assistant.errors import EngineError
from assistant.interfaces import Heard, Utterance
from assistant.settings import Environment, Settings, noise_level

if TYPE_CHECKING:
    from assistant.audio.denoise import NoiseSuppressor
    from assistant.speech_in.plan import Quiet

# Audio is read in 50 ms chunks: the end of an answer is noticed at chunk
# boundaries, and measured on this machine (scripts/bench_voice.py) 50 ms
# chunks gave a median turn latency of 147 ms against 271 ms with 100 ms ones.
CHUNK_SECONDS = 0.05


class BackgroundRecognizer:
    """A Recognizer whose engine loads in a thread, so the greeting can play
    while the model loads; the first use waits for it."""

    def __init__(self, load: Callable[[], object]):
        self._result: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(load,), daemon=True, name="asr-load")
        self._thread.start()

    def _run(self, load):
        try:
            self._result = load()
        except BaseException as e:  # reported on first use, in the main thread
            self._error = e

    @property
    def engine(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result

    def accept(self, chunk) -> str:
        return self.engine.accept(chunk)

    def segment(self) -> str:
        return self.engine.segment()

    def finish(self) -> Utterance:
        return self.engine.finish()

    def reset(self) -> None:
        self.engine.reset()

    def set_grammar(self, phrases):
        self.engine.set_grammar(phrases)


class EchoListener:
    """Shows the live partial text and each final transcript on stderr."""

    def __init__(self, listener, *, show: bool = True):
        self.inner = listener
        self.interactive = listener.interactive
        self.show = show

    def listen(self, kind: str = "answer") -> Heard | None:
        heard = self.inner.listen(kind)
        if self.show:
            if sys.stderr.isatty():
                sys.stderr.write("\r\033[K")
            if heard is not None:
                note(f"  you said: {one_line(heard.text) if heard.text else '(nothing)'}")
        return heard

    @property
    def partial_heard(self) -> Heard | None:
        return self.inner.partial_heard


def partial_printer(text: str) -> None:
    """Live partial text on one terminal line (only on a terminal: a log
    file would fill up with every intermediate guess)."""
    if text and sys.stderr.isatty():
        sys.stderr.write("\r\033[K  … " + one_line(text[-100:]))
        sys.stderr.flush()


class TeeSpeaker:
    """Prints each prompt and also hands it to another speaker."""

    def __init__(self, printer, speaker):
        self.printer, self.speaker = printer, speaker

    def say(self, text: str) -> None:
        self.printer.say(text)
        self.speaker.say(text)

    def prepare(self, text: str) -> None:
        self.speaker.prepare(text)

    def close(self) -> None:
        self.speaker.close()


@dataclass(frozen=True)
class VoiceOptions:
    """How answers arrive and questions are said, as chosen on the command line."""

    input_file: Path | None = None
    plan: bool = True  # a recording's gaps between answers are planned from the whole file first
    speak: bool = True
    speak_to: Path | None = None
    keep_audio: bool = True
    show_prompts: bool = True


def make_speaker(settings: Settings, options: VoiceOptions, env: Environment):
    from assistant.speech_out.speaker import PrintSpeaker

    printer = PrintSpeaker()
    if not options.speak and not options.speak_to:
        return printer
    tee = options.show_prompts or not options.speak  # every prompt is printed anyway
    try:
        from assistant.speech_out.speaker import TtsSpeaker

        tts = TtsSpeaker(
            voice=settings.voice,
            rate=settings.rate,
            output_device=settings.output_device,
            speak_to=options.speak_to,
            play=options.speak,
            fault=env.tts_fault,
            on_fallback=(lambda _text: None) if tee else None,  # not printed a second time
        )
    except EngineError:
        if settings.voice:
            raise
        note("Text-to-speech is not available (sudo apt-get install espeak-ng); printing the questions instead.")
        return printer
    return TeeSpeaker(printer, tts) if tee else tts


def make_mic(settings: Settings, options: VoiceOptions):
    if options.input_file is not None:
        from assistant.audio.pcm import FileMicrophone, check_audio_file

        check_audio_file(options.input_file)
        return FileMicrophone(options.input_file, chunk_seconds=CHUNK_SECONDS), False
    from assistant.audio.mic import SoundDeviceMicrophone

    return SoundDeviceMicrophone(settings.input_device, block_seconds=CHUNK_SECONDS), True


def make_recognizer(settings: Settings, env: Environment) -> BackgroundRecognizer:
    """The engine is chosen and its model checked now (a missing model is
    reported before the first question); it loads in the background."""
    from assistant.speech_in.recognizer import build_recognizer, choose_engine

    kind, path, fallback_note = choose_engine(settings.engine, settings.model, env)
    if fallback_note:
        note(fallback_note)
    return BackgroundRecognizer(lambda: build_recognizer(kind, path))


def make_denoise(settings: Settings, say=None) -> NoiseSuppressor | None:
    """Noise suppression and automatic gain on the way in, when the settings
    ask for them; one line (through `say`, by default `note`) and none when
    the library cannot load."""
    level, _ = noise_level(settings)
    if not level and not settings.auto_gain:
        return None
    from assistant.audio.denoise import NoiseSuppressor

    try:
        return NoiseSuppressor(level, settings.auto_gain)
    except Exception as e:  # noqa: BLE001 - ImportError or a broken wheel
        (say or note)(f"Noise suppression could not load ({e}); listening without it.")
        return None


def voice_parts(settings: Settings, options: VoiceOptions, env: Environment):
    """(speaker, listener) for a voice debrief; raises a DebriefError for
    anything a person must fix, before the first question is asked."""
    from assistant.speech_in.listen import VoiceListener
    from assistant.speech_in.rating_pass import make_rating_pass
    from assistant.speech_in.vad import make_detector
    from assistant.understanding.extract import reply_grammar

    mic, interactive = make_mic(settings, options)
    recognizer = make_recognizer(settings, env)
    speaker = make_speaker(settings, options, env)
    listener = VoiceListener(
        mic,
        recognizer,
        interactive=interactive,
        silence=settings.silence,
        max_pause=settings.max_pause,
        detector=make_detector(settings.vad, note),
        denoise=make_denoise(settings),
        denoise_when_noisy=noise_level(settings)[1],
        no_answer_timeout=settings.no_answer_timeout,
        max_answer=settings.max_answer,
        on_partial=partial_printer,
        keep_audio=options.keep_audio,
        vocabulary=reply_grammar,
        rating_pass=make_rating_pass(recognizer),
    )
    if options.input_file is not None and options.plan:
        plan, quiet = plan_recording(settings, options.input_file)
        listener.answer_ends, listener.planned_until, listener.planned_voiced = plan, quiet.seen, quiet.voiced
    return speaker, EchoListener(listener), mic


def plan_recording(settings: Settings, path) -> tuple[list[tuple[float, float]], Quiet]:
    """The gaps between the answers of a recording (speech_in/plan.py): the
    longest quiet stretches, one fewer than the questions, found with a
    detector (and noise suppression) of its own over the whole file first;
    and what that detector heard (the listener reads it in its place)."""
    from assistant.audio.pcm import read_chunks
    from assistant.dialogue.script import load_all
    from assistant.speech_in.plan import plan_answer_ends, quiet_stretches
    from assistant.speech_in.vad import make_detector

    script, _ = load_all()
    quiet = quiet_stretches(
        read_chunks(path, CHUNK_SECONDS),
        make_detector(settings.vad, lambda _text: None),  # the listener's own parts say any fallback
        silence=settings.silence,
        denoise=make_denoise(settings, lambda _text: None),
        limit=len(script.stages) * settings.max_answer,
    )
    return plan_answer_ends(quiet.stretches, len(script.stages)), quiet
