"""Offline speech recognisers behind the Recognizer protocol.

- VoskRecognizer: a Kaldi model directory (e.g. vosk-model-small-en-us-0.15).
- PocketsphinxRecognizer: the English model shipped inside the pocketsphinx
  wheel; always available, less accurate.
- load_recognizer: picks one (auto: Vosk when a model is found).

Short replies ("number", "yesno") use a grammar: the listed phrases plus an
out-of-grammar path, so free speech is not forced onto a listed phrase.
  * Vosk: the phrases plus "[unk]". A model whose vocabulary lacks "[unk]"
    (the small Korean model, for one) would silently make the grammar closed,
    and a closed grammar turns any speech into listed words (measured:
    "안녕하세요 감사합니다" came back as "둘 둘 네 네 둘"), so such a model
    stays free-form unless closed_grammar=True.
  * pocketsphinx: a JSGF grammar `<phrase> | <garbage>+`, where the garbage
    loop is common English words minus anything that sounds like a listed
    word ("to" for "two", "for" for "four"), both in prompts/speech.toml.
    Out-of-grammar speech comes back as "[unk]". Measured on flite voices
    (scripts/bench_asr.py): 32/32 short replies right with the grammar
    against 26/32 with the language model, and 16/16 free sentences rejected.
vosk and pocketsphinx are imported inside the constructors.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from assistant.audio.pcm import RATE, WIDTH, Resampler
from assistant.errors import EngineError, ModelError
from assistant.interfaces import UNK, AudioChunk, Utterance
from assistant.settings import Environment
from assistant.speech_in.vocabulary import speech_words
from assistant.speech_in.vosk_models import check_vosk_model_dir, find_vosk_model, no_model

NBEST = 20  # hypotheses weighed for pocketsphinx's word confidences
# The most a pocketsphinx N-best share may claim. Measured on realistic answers
# read by a natural voice, the lessons whose every word had a share of 0.9 or
# more were still wrong in 9% (dev) and 21% (held-out) of their words, so
# this engine's confidence never reaches the summary's quoting threshold (0.9):
# with it, lessons are stated, not quoted. Vosk's word posteriors are kept as they are.
NBEST_CEILING = 0.85
FALLBACK_NOTE = (
    "No Vosk model found; using the built-in pocketsphinx English engine. "
    "Run `debrief download-model` for better accuracy."
)
LM_NOTE = (
    "pocketsphinx is using its general language model; run `debrief build-lm` once "
    "(about half a minute) to hear answers and ratings better."
)


@contextlib.contextmanager
def _quiet_stderr():
    """Silence C-level stderr (Kaldi/OpenFST print there despite SetLogLevel)."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _pcm16(chunk: AudioChunk, state: dict) -> bytes:
    if chunk.rate == RATE and chunk.width == WIDTH and chunk.channels == 1:
        return chunk.audio
    r = state.get(chunk.rate)
    if r is None:
        r = state[chunk.rate] = Resampler(chunk.rate)
    return r.process(chunk).audio


def split_known(phrases: list[str], known: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """(phrases whose every word the model knows, the others), cleaned."""
    keep: list[str] = []
    dropped: list[str] = []
    for ph in _clean_phrases(phrases):
        (keep if all(known(w) for w in ph.split()) else dropped).append(ph)
    return keep, dropped


def _clean_phrases(phrases) -> list[str]:
    seen, out = set(), []
    for ph in phrases:
        ph = " ".join(str(ph).lower().split())
        if ph and ph != UNK and ph not in seen:
            seen.add(ph)
            out.append(ph)
    return out


class VoskRecognizer:
    def __init__(self, model_path: str | Path, *, closed_grammar: bool = False):
        self.model_path = check_vosk_model_dir(model_path)
        try:
            import vosk
        except ImportError as e:  # pragma: no cover - vosk is a dependency
            raise EngineError(f"The vosk package cannot be loaded ({e}); reinstall debrief.") from None
        vosk.SetLogLevel(-2)  # -1 still prints WARNINGs (e.g. a word dropped from a grammar)
        self._vosk = vosk
        try:
            with _quiet_stderr():
                self.model = vosk.Model(str(self.model_path))
        except Exception:
            raise ModelError(
                f"The Vosk model at {self.model_path} is damaged and cannot be loaded; "
                "run `debrief download-model` again or pass --engine pocketsphinx."
            ) from None
        self.closed_grammar = closed_grammar
        self.has_unk = self.known(UNK)
        self.grammar: list[str] | None = None  # what the decoder really uses
        self.dropped: list[str] = []  # phrases left out of the last grammar
        self._resamplers: dict = {}
        self._new_recognizer()

    def known(self, word: str) -> bool:
        return self.model.vosk_model_find_word(word) != -1

    def kaldi_recognizer(self, grammar: str | None = None):
        """A new Kaldi recogniser on this model (16 kHz, word times and
        confidences on), free or limited to a JSON list of phrases."""
        vosk = self._vosk
        rec = vosk.KaldiRecognizer(self.model, RATE, grammar) if grammar else vosk.KaldiRecognizer(self.model, RATE)
        rec.SetWords(True)
        return rec

    def _new_recognizer(self) -> None:
        self._rec = self.kaldi_recognizer(json.dumps(self.grammar, ensure_ascii=False) if self.grammar else None)
        self._texts: list[str] = []
        self._words: list[tuple[str, float]] = []
        self._shown = ""  # the text accept() last returned

    def _take(self, result_json: str) -> None:
        res = json.loads(result_json)
        text = res.get("text", "").strip()
        if text:
            self._texts.append(text)
        self._words.extend((str(w.get("word", "")), float(w.get("conf", 0.0))) for w in res.get("result", []))

    def accept(self, chunk: AudioChunk) -> str:
        data = _pcm16(chunk, self._resamplers)
        if not data:
            return self._shown
        if self._rec.AcceptWaveform(data):
            self._take(self._rec.Result())
            self._shown = " ".join(self._texts)
            return self._shown
        partial = json.loads(self._rec.PartialResult()).get("partial", "").strip()
        self._shown = " ".join(self._texts + ([partial] if partial else []))
        return self._shown

    def segment(self) -> str:
        """Kaldi ends its own utterances at pauses (AcceptWaveform returns
        True), so a pause needs nothing more: the text so far."""
        return self._shown

    def finish(self) -> Utterance:
        self._take(self._rec.FinalResult())
        text = " ".join(self._texts)
        words = tuple(self._words)
        conf = sum(c for _, c in words) / len(words) if words else None
        self.reset()
        return Utterance(text, conf, words)

    def reset(self) -> None:
        self._rec.Reset()
        self._texts, self._words = [], []
        self._shown = ""

    def usable_phrases(self, phrases: list[str]) -> list[str]:
        """The phrases whose every word the model knows (Vosk would drop the rest)."""
        keep, self.dropped = split_known(phrases, self.known)
        return keep

    def set_grammar(self, phrases: list[str] | None) -> None:
        grammar = None
        if phrases is not None:
            keep = self.usable_phrases(phrases)
            if keep and self.has_unk:
                grammar = keep + [UNK]
            elif keep and self.closed_grammar:
                grammar = keep
        if grammar != self.grammar:
            self.grammar = grammar
            self._new_recognizer()
        else:
            self.reset()


# How many of the acoustic model's Gaussians pocketsphinx scores per frame
# (its default is 4). Three cost a fifth less decoding time, most in road
# noise, for the same words (scripts/bench_stages.py; README "How well it hears").
TOPN = 3
# At most this many HMMs active per frame (pocketsphinx's default is 30000).
# In road noise the search keeps many more paths alive for the same words:
# capped here, on dev d01-d24 the ratings came out the same clean (104/107),
# 99 against 98 of 107 at 15 dB and 82 both at 5 dB (word errors within
# 0.3 points), and decoding took a fifth less time at 5 dB (real-time factor
# 0.27 to 0.22; README "How well it hears").
MAXHMMPF = 5000


class PocketsphinxRecognizer:
    """pocketsphinx's English engine. `lm`: debrief's language model
    (speech_in/domain_lm.py, built by `debrief build-lm`) in place of the
    wheel's general one; None keeps the general one."""

    def __init__(self, *, garbage: bool = True, lm: str | Path | None = None):
        try:
            from pocketsphinx import Decoder
        except ImportError as e:  # pragma: no cover - a dependency
            raise EngineError(f"The pocketsphinx package cannot be loaded ({e}); reinstall debrief.") from None
        self.lm_path = Path(lm) if lm is not None else None  # (self._lm is the name of its search)
        try:
            self._d = Decoder(
                loglevel="FATAL", topn=TOPN, maxhmmpf=MAXHMMPF, **({"lm": str(self.lm_path)} if self.lm_path else {})
            )
        except Exception as e:
            if self.lm_path is not None:
                raise ModelError(
                    f"The language model at {self.lm_path} cannot be loaded; run `debrief build-lm` again."
                ) from None
            raise EngineError(f"pocketsphinx could not start ({e}); reinstall debrief.") from None
        self.garbage = garbage
        self._lm = self._d.current_search()
        self.grammar: list[str] | None = None
        self.dropped: list[str] = []
        self._grammars: dict[tuple, str] = {}
        self._resamplers: dict = {}
        self._in_utt = False
        self._text = ""
        # What earlier pieces of this answer were heard as (segment()): final
        # hypotheses, their word confidences, and word times in frames counted
        # from the start of the answer.
        self._pieces: list[str] = []
        self._piece_words: list[tuple[str, float]] = []
        self._times: list[tuple[str, int, int]] = []
        # Each piece of the last answer as heard, with the other readings of
        # its N-best list, best first (the number pass reads them: alternatives()).
        self._alternatives: list[tuple[str, list[str]]] = []
        self._frames = 0  # frames of the answer before the current piece

    @property
    def decoder(self):
        """The pocketsphinx Decoder."""
        return self._d

    def word_times(self) -> list[tuple[str, int, int]]:
        """The last answer's words (fillers and silences too) with their start
        and end frames, counted from its first chunk across its pieces (the
        number pass reads these after finish())."""
        return list(self._times)

    def alternatives(self) -> list[tuple[str, list[str]]]:
        """The last answer's pieces as heard, each with the other readings of
        its N-best list (best first, without repeats). Read after finish(),
        like word_times()."""
        return [(text, list(alts)) for text, alts in self._alternatives]

    def known(self, word: str) -> bool:
        return self._d.lookup_word(word) is not None

    def _start(self) -> None:
        if not self._in_utt:
            if not self._pieces and not self._frames:
                self._times, self._alternatives = [], []  # a new answer
            self._d.start_utt()
            self._in_utt = True

    def accept(self, chunk: AudioChunk) -> str:
        data = _pcm16(chunk, self._resamplers)
        self._start()
        if data:
            self._d.process_raw(data, False, False)
        h = self._d.hyp()
        text = self._out(h.hypstr if h else "")
        self._text = "" if text == UNK else text  # no "[unk]" flicker in partials
        return " ".join(self._pieces + ([self._text] if self._text else []))

    def segment(self) -> str:
        """The speaker paused: end the utterance here, so what was said so far
        gets the decoder's final passes (its partial hypothesis comes from the
        first pass alone: "my coach slowly get" where the final one hears
        "little league and"), and go on in a new one. Returns the text so far.
        Free speech only; with a grammar it does nothing."""
        if self.grammar is None and self._in_utt:
            self._close_piece()
        return " ".join(self._pieces + ([self._text] if self._text else []))

    def _close_piece(self) -> None:
        """End the current utterance and keep what it was heard as."""
        self._d.end_utt()
        self._in_utt = False
        h = self._d.hyp()
        text = self._out(h.hypstr if h else "")
        self._text = ""
        if self.grammar is None:
            offset = self._frames
            self._times.extend((s.word, s.start_frame + offset, s.end_frame + offset) for s in self._d.seg() or [])
            self._frames += self._d.n_frames()
        if text:
            self._pieces.append(text)
            if self.grammar is None:
                scored = self._nbest()
                self._piece_words.extend(self._word_confidences(text, scored))
                others = dict.fromkeys(" ".join(words) for words, _ in scored if words)
                others.pop(text, None)
                self._alternatives.append((text, list(others)))

    def _out(self, text: str) -> str:
        text = " ".join(w for w in text.split() if not w.startswith(("<", "[", "+")))
        if self.grammar is not None and text and text not in self.grammar:
            # A decode that stops inside a phrase ("three and" when the speaker
            # said "three") keeps the longest listed phrase it starts with.
            words = text.split()
            for n in range(len(words) - 1, 0, -1):
                if " ".join(words[:n]) in self.grammar:
                    return " ".join(words[:n])
            return UNK  # the garbage loop won: not one of the listed replies
        return text

    def finish(self) -> Utterance:
        self._start()
        self._close_piece()
        text = " ".join(self._pieces)
        words = tuple(self._piece_words)
        self._pieces, self._piece_words = [], []
        self._frames = 0
        conf = sum(c for _, c in words) / len(words) if words else None
        return Utterance(text, conf, words)

    def _nbest(self) -> list[tuple[list[str], float]]:
        """The N best hypotheses of the utterance just ended: (words, score)."""
        scored = []
        for i, h in enumerate(self._d.nbest() or []):
            if i >= NBEST:
                break
            scored.append((self._out(h.hypstr).split(), max(0.0, float(h.score))))
        return scored

    def _word_confidences(self, text: str, scored: list[tuple[list[str], float]]) -> tuple[tuple[str, float], ...]:
        """Each word of the transcript with its share of the N-best list: the
        score-weighted fraction of the N best hypotheses that have that word at
        that place (aligned word by word). pocketsphinx's Python binding gives
        no segment posteriors (every `seg().prob` comes back as 1.0), so this
        is its posterior over the N-best list instead."""
        import difflib

        best = text.split()
        total = sum(s for _, s in scored)
        if not scored or total <= 0:
            return tuple((w, 0.0) for w in best)
        share = [0.0] * len(best)
        for words, score in scored:
            matcher = difflib.SequenceMatcher(a=best, b=words, autojunk=False)
            for block in matcher.get_matching_blocks():
                for k in range(block.size):
                    share[block.a + k] += score / total
        return tuple((w, round(min(NBEST_CEILING, s), 3)) for w, s in zip(best, share, strict=True))

    def reset(self) -> None:
        if self._in_utt:
            self._d.end_utt()
            self._in_utt = False
        self._text = ""
        self._pieces, self._piece_words, self._times, self._alternatives = [], [], [], []
        self._frames = 0

    def usable_phrases(self, phrases: list[str]) -> list[str]:
        """The phrases whose every word the model knows (Vosk would drop the rest)."""
        keep, self.dropped = split_known(phrases, self.known)
        return keep

    def grammar_jsgf(self, phrases: list[str]) -> str:
        alts = " | ".join(phrases)
        lines = ["#JSGF V1.0;", "grammar reply;"]
        words = {w for ph in phrases for w in ph.split()}
        vocabulary = speech_words()
        avoid = set(words)
        for w in words:
            avoid |= vocabulary.reply_heard_as.get(w, frozenset())
        garbage = [w for w in vocabulary.garbage_words if w not in avoid and self.known(w)]
        if self.garbage and garbage:
            lines.append("public <reply> = <phrase> | <garbage>+ ;")
            lines.append(f"<garbage> = {' | '.join(garbage)} ;")
        else:
            lines.append("public <reply> = <phrase> ;")
        lines.append(f"<phrase> = {alts} ;")
        return "\n".join(lines) + "\n"

    def set_grammar(self, phrases: list[str] | None) -> None:
        self.reset()
        keep = self.usable_phrases(phrases) if phrases is not None else []
        if not keep:
            self.grammar = None
            self._d.activate_search(self._lm)
            return
        key = tuple(keep)
        name = self._grammars.get(key)
        if name is None:
            name = self._grammars[key] = f"reply{len(self._grammars)}"
            self._d.add_jsgf_string(name, self.grammar_jsgf(keep))
        self._d.activate_search(name)
        self.grammar = keep


def choose_engine(engine: str | None, model: str | None, env: Environment) -> tuple[str, Path | None, str | None]:
    """Which engine to use, with its model found and checked but not loaded:
    ("vosk", model path, None) or ("pocketsphinx", debrief's language model
    or None, note or None). A missing or broken model the person asked for is
    a ModelError here, so it can be reported before the first question."""
    if engine not in (None, "auto", "vosk", "pocketsphinx"):
        raise EngineError(f"Unknown speech engine {engine!r}; use vosk or pocketsphinx.")
    if engine != "pocketsphinx":
        path = find_vosk_model(model, env)
        if path is not None:
            return "vosk", check_vosk_model_dir(path), None
        if engine == "vosk" or model:
            raise no_model(model or Path(env.home) / "models")
    from assistant.speech_in.domain_lm import find_domain_lm

    lm = find_domain_lm(Path(env.home))
    notes = ([] if engine == "pocketsphinx" else [FALLBACK_NOTE]) + ([] if lm else [LM_NOTE])
    return "pocketsphinx", lm, " ".join(notes) or None


def build_recognizer(kind: str, path: Path | None):
    """Load the engine `choose_engine` picked (the slow part)."""
    if kind == "vosk":
        assert path is not None  # choose_engine found and checked it
        return VoskRecognizer(path)
    return PocketsphinxRecognizer(lm=path)


def load_recognizer(engine: str | None, model: str | None, env: Environment):
    """(Recognizer, note or None). engine: "vosk", "pocketsphinx" or None (auto)."""
    kind, path, note = choose_engine(engine, model, env)
    return build_recognizer(kind, path), note
