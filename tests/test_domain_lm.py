"""debrief's language model for pocketsphinx (speech_in/domain_lm.py): the
binary reader against pocketsphinx's own scores, the mixture's arithmetic,
the build and its stamp, the engine choice, the command, and what it does to
real speech."""

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.errors import ModelError
from assistant.speech_in import domain_lm
from assistant.speech_in.domain_lm import (
    LM_NAME,
    UNITS_PER_LOG10,
    build,
    domain_model,
    find_domain_lm,
    general_model,
    general_path,
    is_current,
    mix,
    read_text,
    read_trie,
    stamp_file,
)
from assistant.speech_in.recognizer import FALLBACK_NOTE, LM_NOTE, PocketsphinxRecognizer, load_recognizer
from tests.test_recognizer import env_at, no_vosk_cache  # noqa: F401  (fixture)

TINY_ARPA = """\\data\\
ngram 1=8
ngram 2=9
ngram 3=4

\\1-grams:
-1.2\t</s>
-99\t<s>\t-0.5
-0.9\ta\t-0.4
-1.0\tfour\t-0.3
-1.1\tfor\t-0.3
-1.3\tgive\t-0.2
-1.0\tit\t-0.3
-1.4\ttwo\t-0.3

\\2-grams:
-0.6\t<s> give\t-0.1
-0.8\t<s> it\t-0.2
-0.3\tgive it\t-0.2
-0.5\tit a\t-0.1
-0.6\tit for\t0.0
-0.9\ta four\t0.0
-0.7\ta two\t0.0
-0.2\tfour </s>\t0.0
-0.3\ttwo </s>\t0.0

\\3-grams:
-0.2\t<s> give it
-0.4\tgive it a
-0.3\tgive it for
-0.5\tit a two

\\end\\
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A small trigram model in pocketsphinx's binary format (made by pocketsphinx)."""
    from pocketsphinx import NGramModel

    folder = tmp_path_factory.mktemp("tiny")
    (folder / "tiny.arpa").write_text(TINY_ARPA)
    model = NGramModel.readfile(str(folder / "tiny.arpa"))
    model.write(str(folder / "tiny.lm.bin"), NGramModel.str_to_type("bin"))
    return folder / "tiny.lm.bin"


def scores(path):
    from pocketsphinx import NGramModel

    return NGramModel.readfile(str(path))


def log10_of(lm, words):
    """pocketsphinx's log10 P(words[-1] | words[:-1]), as its decoder scores it."""
    return lm.prob(list(reversed(words))) / UNITS_PER_LOG10


def test_the_reader_gives_what_pocketsphinx_scores_with_the_general_model():
    """Read straight from en-us.lm.bin; each n-gram, explicit or backed off,
    scores what pocketsphinx itself gives it."""
    from pocketsphinx import Decoder

    trie = read_trie(general_path())
    model = general_model(trie)
    lm = Decoder(loglevel="FATAL").get_lm()
    wid = {w: i for i, w in enumerate(trie.words)}
    cases = [["i'd", "like"], ["<s>", "four"], ["give", "it", "a"], ["it", "a", "four"], ["a", "four"],
             ["the", "traffic"], ["in", "the", "traffic"], ["three", "and", "a"], ["zyuganov", "four"]]
    for words in cases:
        ids = [np.array([wid[w]]) for w in words]
        mine = model.trigram(*ids)[0] if len(words) == 3 else model.bigram(*ids)[0]
        assert mine == pytest.approx(log10_of(lm, words), abs=2e-4), words
    assert len(trie.words) == 72547 and len(model.k3) == 1669625


def test_the_reader_on_a_small_model_and_its_backoffs(tiny):
    trie = read_trie(tiny)
    model = general_model(trie)
    lm = scores(tiny)
    wid = {w: i for i, w in enumerate(trie.words)}
    for words in (["give", "it", "a"], ["it", "a", "two"], ["<s>", "give", "it"], ["a", "four"], ["four", "two"],
                  ["two", "it", "for"], ["it", "for"]):
        ids = [np.array([wid[w]]) for w in words]
        mine = model.trigram(*ids)[0] if len(words) == 3 else model.bigram(*ids)[0]
        assert mine == pytest.approx(log10_of(lm, words), abs=2e-3), words


def total(model, history, size):
    """The sum over the vocabulary (but <s>) of P(w | history)."""
    w = np.arange(size)
    if len(history) == 2:
        p = model.trigram(np.full(size, history[0]), np.full(size, history[1]), w)
    else:
        p = model.bigram(np.full(size, history[0]), w)
    return float(np.sum(10 ** p))


def test_the_mixture_is_the_weighted_sum_of_the_two_models(tiny):
    trie = read_trie(tiny)
    words = trie.words
    wid = {w: i for i, w in enumerate(words)}
    general = general_model(trie)
    domain, unknown = domain_model(["i'd give it a four", "give it a four", "a four", "four it was"], words)
    assert unknown == 2  # "i'd" and "was" are not in the small vocabulary
    mixed = mix(general, domain, 0.6)
    for words_ in (["give", "it", "a"], ["it", "a", "four"], ["a", "four"], ["it", "a", "two"]):
        ids = [np.array([wid[w]]) for w in words_]
        pick = (lambda m: m.trigram(*ids)[0]) if len(ids) == 3 else (lambda m: m.bigram(*ids)[0])
        want = math.log10(0.6 * 10 ** pick(general) + 0.4 * 10 ** pick(domain))
        assert pick(mixed) == pytest.approx(want, abs=1e-9), words_


def test_the_domain_text_makes_rating_words_likelier_in_the_real_model():
    """The mixture with debrief's text: 'a four' after 'give it', and a bare
    number to start an answer, are far likelier than in the general model."""
    trie = read_trie(general_path())
    wid = {w: i for i, w in enumerate(trie.words)}
    general = general_model(trie)
    domain, _ = domain_model(read_text(), trie.words)
    mixed = mix(general, domain)
    ids = lambda *ws: [np.array([wid[w]]) for w in ws]  # noqa: E731
    assert mixed.trigram(*ids("it", "a", "four"))[0] > general.trigram(*ids("it", "a", "four"))[0] + 1
    assert mixed.bigram(*ids("<s>", "four"))[0] > general.bigram(*ids("<s>", "four"))[0] + 0.4
    assert abs(mixed.bigram(*ids("the", "government"))[0] - general.bigram(*ids("the", "government"))[0]) < 0.3
    # and it stays a distribution: over the vocabulary, P(w | history) sums to 1
    mixed.p1[wid["<s>"]] = -99.0  # as written: a sentence never predicts its start
    for history in (["give", "it"], ["in", "the"], ["a"], ["<s>"], ["i'd"]):
        assert total(mixed, [wid[w] for w in history], len(trie.words)) == pytest.approx(1.0, abs=0.005), history


def test_build_writes_a_model_pocketsphinx_loads_and_its_stamp(tiny, tmp_path):
    text = tmp_path / "lm_text.txt"
    text.write_text("# a comment\ngive it a four\n\na four\n")
    out = tmp_path / "models" / LM_NAME
    built = build(out, text=text, general=tiny)
    assert built.lines == 2 and out.is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == [LM_NAME, LM_NAME + ".json"]  # no temporary files
    lm = scores(out)
    trie = read_trie(tiny)
    wid = {w: i for i, w in enumerate(trie.words)}
    mixed = mix(general_model(trie), domain_model(read_text(text), trie.words)[0])
    want = mixed.trigram(*[np.array([wid[w]]) for w in ("it", "a", "four")])[0]
    assert log10_of(lm, ["it", "a", "four"]) == pytest.approx(want, abs=0.01)
    assert is_current(out, text=text, general=tiny)
    text.write_text("give it a two\n")  # the text changed: the model is stale
    assert not is_current(out, text=text, general=tiny)
    stamp_file(out).write_text("{not json")
    assert not is_current(out, text=text, general=tiny)


def test_bad_lines_in_the_text_are_one_clear_error(tmp_path):
    text = tmp_path / "lm_text.txt"
    text.write_text("give it a four\nGive it a Five!\n")
    with pytest.raises(ModelError, match=r"line 2: only lower-case words"):
        read_text(text)
    text.write_text("# only a comment\n")
    with pytest.raises(ModelError, match="has no lines"):
        read_text(text)
    with pytest.raises(ModelError, match="cannot be read"):
        read_text(tmp_path / "missing.txt")


def test_the_shipped_text_reads():
    lines = read_text()
    assert len(lines) > 4000


def test_a_damaged_model_is_one_sentence_with_the_fix(tmp_path):
    bad = tmp_path / LM_NAME
    bad.write_bytes(b"Trie Language Model" + b"\0" * 40)
    with pytest.raises(ModelError, match="build-lm"):
        PocketsphinxRecognizer(lm=bad)
    (tmp_path / "x.bin").write_bytes(b"ARPA")
    with pytest.raises(ModelError, match="not a pocketsphinx binary"):
        read_trie(tmp_path / "x.bin")


def fake_current(path: Path) -> Path:
    """A file with a current stamp (enough for the lookup, which does not load it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    stamp_file(path).write_text(json.dumps(domain_lm.stamp()))
    return path


def test_the_engine_choice_uses_a_current_model_and_says_when_there_is_none(tmp_path, monkeypatch, no_vosk_cache):
    monkeypatch.setattr(domain_lm, "repo_models_dir", lambda: tmp_path / "checkout-models")
    home = tmp_path / "home"
    rec, note = load_recognizer("pocketsphinx", None, env_at(home))
    assert rec.lm_path is None and note == LM_NOTE
    rec, note = load_recognizer(None, None, env_at(home))
    assert rec.lm_path is None and note == f"{FALLBACK_NOTE} {LM_NOTE}"
    in_checkout = fake_current(tmp_path / "checkout-models" / LM_NAME)
    assert find_domain_lm(home) == in_checkout
    in_home = fake_current(home / "models" / LM_NAME)
    assert find_domain_lm(home) == in_home  # the data folder's own comes first
    stamp_file(in_home).write_text(json.dumps({**domain_lm.stamp(), "weight": 0.9}))
    assert find_domain_lm(home) == in_checkout  # a stale one is passed over


def test_build_lm_command(tmp_path, monkeypatch, tiny):
    monkeypatch.setattr(domain_lm, "general_path", lambda: tiny)
    monkeypatch.setenv("DEBRIEF_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(cli, ["build-lm"])
    assert result.exit_code == 0, result.output
    built = tmp_path / "home" / "models" / LM_NAME
    assert result.stdout.strip() == str(built) and is_current(built)
    result = CliRunner().invoke(cli, ["build-lm", "--if-stale"])
    assert result.exit_code == 0 and "up to date" in result.stderr
    result = CliRunner().invoke(cli, ["build-lm", "--to", str(tmp_path / "elsewhere")])
    assert (tmp_path / "elsewhere" / LM_NAME).is_file()
    (tmp_path / "a-file").write_text("")
    result = CliRunner().invoke(cli, ["build-lm", "--to", str(tmp_path / "a-file" / "models")])
    assert result.exit_code == 1
    assert "cannot be written into" in result.stderr and "--to" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # "Building..." and the one-sentence error


def test_the_checkout_has_its_model_built():
    """scripts/setup.sh builds it into models/: this is the model the
    debriefs of the speech tests and evaluations use."""
    found = find_domain_lm(Path("/nonexistent-debrief-home"))
    assert found == domain_lm.repo_models_dir() / LM_NAME, "run: .venv/bin/debrief build-lm --to models"


# Dev answers (tests/data/speech/dev.jsonl) whose rating the general model loses
# in a natural voice: "i'd say a five" heard as "i'd say if i", "four." as "or".
SPOKEN = [
    ("it was really relaxed. the two engineers were super friendly, we talked about, um, mechanical "
     "keyboards for a bit, which, yeah. i'd say a five.", 5),
    ("four. asked about mentoring and how code review works there.", 4),
    ("i asked whether interns get to go to client meetings, and she said that was a great question. "
     "so like a four.", 4),
    ("four, they were nice. the hiring manager had read my resume properly, like she quoted bits of it "
     "back to me, which, you know, doesn't always happen.", 4),
    ("four. bit formal at first, two pharmacists and a manager from head office, but it warmed up.", 4),
    ("five. i asked about the training budget and whether i could do my prescribing qualification. "
     "they said yes, they'd fund it.", 5),
]


def test_a_natural_voice_is_heard_better_with_debriefs_model(tmp_path_factory):
    """The same answers, read by the Piper voice, through the real engine with
    the general model and with debrief's: fewer word errors, and the rules
    read the rating from the transcript alone (no number pass): 6 of 6 against 2."""
    from assistant.interfaces import AudioChunk
    from assistant.understanding.extract import extract as read
    from tests.test_speech_english import wer
    from tests.test_end_of_answer import _module

    model = find_domain_lm(Path("/nonexistent-debrief-home"))
    assert model is not None, "run: .venv/bin/debrief build-lm --to models"
    synth = _module().Synth(tmp_path_factory.mktemp("piper"))
    audio = [synth.answer(text, 1.0, False)[0] for text, _ in SPOKEN]

    def hear(recognizer):
        texts = []
        for samples in audio:
            quiet = np.zeros(8000, np.float32)  # half a second before and after, as between turns
            pcm = (np.clip(np.concatenate([quiet, samples, quiet]), -1, 1) * 32767).astype("<i2").tobytes()
            for i in range(0, len(pcm), 3200):
                recognizer.accept(AudioChunk(16000, 2, 1, pcm[i : i + 3200]))
            texts.append(recognizer.finish().text)
        return texts

    general, ours = hear(PocketsphinxRecognizer()), hear(PocketsphinxRecognizer(lm=model))
    right = lambda texts: sum(read(t, "stage").rating == want for t, (_, want) in zip(texts, SPOKEN))  # noqa: E731
    said = [re.sub(r"[^a-z' ]", " ", text) for text, _ in SPOKEN]
    errors = lambda texts: sum(wer(ref, t) for t, ref in zip(texts, said)) / len(SPOKEN)  # noqa: E731
    assert right(general) <= 2, general
    assert right(ours) >= 5, ours
    assert errors(ours) < errors(general), (general, ours)  # 21% against 23% when written


def test_what_people_say_when_cut_off_is_heard_with_debriefs_model(tmp_path_factory):
    """ "Sorry, I wasn't finished", read by the Piper voice, is a command only
    if the recogniser hears it: the model's text has these lines (with the
    general model's words alone it was "sorry i was smooth finish", and "you
    cut me off" was "you got me off")."""
    from assistant.interfaces import AudioChunk
    from assistant.understanding.extract import command_word, more_said_first
    from tests.test_end_of_answer import _module

    model = find_domain_lm(Path("/nonexistent-debrief-home"))
    assert model is not None, "run: .venv/bin/debrief build-lm --to models"
    synth = _module().Synth(tmp_path_factory.mktemp("piper"))
    said = {"Sorry, I wasn't finished.": "more", "You cut me off.": "more", "Let me finish.": "more",
            "Wait, I'm not done.": "more", "One second.": "wait"}  # fmt: skip
    recognizer = PocketsphinxRecognizer(lm=model)
    heard = {}
    for text in said:
        samples = synth.answer(text, 1.0, False)[0]
        quiet = np.zeros(8000, np.float32)
        pcm = (np.clip(np.concatenate([quiet, samples, quiet]), -1, 1) * 32767).astype("<i2").tobytes()
        for i in range(0, len(pcm), 3200):
            recognizer.accept(AudioChunk(16000, 2, 1, pcm[i : i + 3200]))
        got = recognizer.finish().text
        heard[text] = command_word(got) or ("more" if more_said_first(got) == "" else None)
    assert sum(heard[t] == want for t, want in said.items()) >= 4, heard


def test_hang_on_alone_is_heard_as_the_command(tmp_path_factory):
    """ "Hang on." read by the Piper voice comes back as "and on" from the free
    decoder, with or without the model's command lines; the listener takes
    that whole transcript as "hang on" (prompts/speech.toml, command_heard_as),
    so the debrief waits instead of storing "and on" as the answer."""
    import wave

    from assistant.audio.pcm import FileMicrophone
    from assistant.speech_in.listen import VoiceListener
    from assistant.understanding.extract import command_word
    from tests.test_end_of_answer import _module

    model = find_domain_lm(Path("/nonexistent-debrief-home"))
    assert model is not None, "run: .venv/bin/debrief build-lm --to models"
    synth = _module().Synth(tmp_path_factory.mktemp("piper"))
    quiet = np.zeros(16000, np.float32)
    parts = [quiet]
    said = ["Hang on.", "Hang on a second.", "Two. The bus was late and on the way in it rained."]
    for text in said:
        parts += [synth.answer(text, 1.0, False)[0], quiet, quiet, quiet]
    pcm = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype("<i2").tobytes()
    path = tmp_path_factory.mktemp("hang") / "hang.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm)
    listener = VoiceListener(FileMicrophone(path), PocketsphinxRecognizer(lm=model), interactive=False)
    heard = [listener.listen("answer").text for _ in said]
    assert [command_word(h) for h in heard] == ["wait", "wait", None], heard
    assert "and on" in heard[2] or "bus" in heard[2], heard  # an answer with "and on" in it stays as heard
