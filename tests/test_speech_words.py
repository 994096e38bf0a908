"""prompts/speech.toml: what a recogniser writes for the words the rules
listen for, validated on load; a broken file stops a spoken debrief before
its first question."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support import prompts_copy

from assistant.cli import cli
from assistant.errors import PromptsError
from assistant.speech_in import vocabulary
from assistant.speech_in.rating_pass import a_sound_before, sounds_like, sounds_like_another
from assistant.speech_in.recognizer import PocketsphinxRecognizer


@pytest.fixture
def speech_file(tmp_path, monkeypatch):
    for folder in prompts_copy(tmp_path, monkeypatch, vocabulary.speech_words):
        yield folder / "speech.toml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_number_pass_reads_its_mishearings_from_the_file(speech_file):
    assert sounds_like(["far"], "four out of five") and sounds_like_another(["far"], "five")
    assert a_sound_before("i think in five", "five") == ("i think a five", "a five")
    edit(speech_file, '"far", ', "")
    edit(speech_file, '"in", ', "")
    vocabulary.speech_words.cache_clear()
    assert not sounds_like(["far"], "four out of five") and not sounds_like_another(["far"], "five")
    assert a_sound_before("i think in five", "five") == (None, "five")


def test_the_reply_grammar_leaves_out_what_sounds_like_a_reply(speech_file):
    rec = PocketsphinxRecognizer.__new__(PocketsphinxRecognizer)  # the grammar text needs no decoder
    rec.garbage = True
    rec.known = lambda w: True
    loop = rec.grammar_jsgf(["four", "no"]).split("<garbage> = ")[1]
    assert " for " not in f" {loop} " and "know" not in loop and "the" in loop
    edit(speech_file, 'four = ["for", "fore"]', 'four = ["fore"]')
    edit(speech_file, '"the", "a", "i"', '"the", "a", "for", "i"')
    vocabulary.speech_words.cache_clear()
    loop = rec.grammar_jsgf(["four", "no"]).split("<garbage> = ")[1]
    assert " for " in f" {loop.replace(';', ' ')} "


@pytest.mark.parametrize(
    "old, new, needle",
    [
        ('one = ["one", "won"', 'one = ["won"', "'number_heard_as.one' must list 'one' itself"),
        ("five = [", "six = [", "unknown key 'number_heard_as.six'"),
        ('a_heard_as = ["a"', 'a_heard_as = [""', "'a_heard_as' must be a list of at least 1 non-empty strings"),
        ("garbage_words = [", "garbage = [", "unknown key 'garbage'"),
        ("[reply_heard_as]", "[reply_heard_as]\nten = 10", "'reply_heard_as.ten' must be a list"),
        ('"and on" = "hang on"', '"and on" = 3', "'command_heard_as.and on' must be the words said"),
        ('"and on" = "hang on"', '"and on" = " "', "'command_heard_as.and on' must be the words said"),
    ],
)
def test_bad_speech_words_are_one_clear_error(speech_file, old, new, needle):
    edit(speech_file, old, new)
    with pytest.raises(PromptsError) as info:
        vocabulary.speech_words()
    assert "speech.toml" in str(info.value) and needle in str(info.value), info.value


def test_a_broken_file_stops_a_spoken_debrief_before_the_first_question(speech_file, tmp_path, monkeypatch):
    monkeypatch.setenv("DEBRIEF_HOME", str(tmp_path / "home"))
    speech_file.write_text("number_heard_as = [\n", encoding="utf-8")
    recording = tmp_path / "nothing.wav"
    import wave

    with wave.open(str(recording), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000)
        w.writeframes(b"\0\0" * 16000)
    result = CliRunner().invoke(cli, ["start", "--input", str(recording), "--no-speak", "--engine", "pocketsphinx"])
    assert result.exit_code == 1 and "speech.toml" in result.stderr and "TOML" in result.stderr
    assert "How did you feel" not in result.stderr
    # typed debriefs never read it
    result = CliRunner().invoke(cli, ["start", "--text"], input="\n".join(["three, fine"] * 7 + ["no"] * 3) + "\n")
    assert "speech.toml" not in result.stderr


def test_a_command_misheard_whole_is_taken_as_said(speech_file):
    assert vocabulary.command_heard("and on") == "hang on"
    assert vocabulary.command_heard("and on the way in it rained") == "and on the way in it rained"
    edit(speech_file, '"and on" = "hang on"', '"and on" = "hold on"')
    vocabulary.speech_words.cache_clear()
    assert vocabulary.command_heard("And on") == "hold on"
