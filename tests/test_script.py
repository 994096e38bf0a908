"""The prompts files are validated on load, naming the file and the key."""

import shutil
from pathlib import Path

import pytest

from assistant.errors import PromptsError
from assistant.prompts import prompts_dir
from assistant.dialogue.script import load_phrases, load_script


@pytest.fixture
def prompts(tmp_path, monkeypatch):
    folder = tmp_path / "prompts"
    shutil.copytree(prompts_dir(), folder)
    monkeypatch.setenv("DEBRIEF_PROMPTS", str(folder))
    return folder


def edit(path: Path, old: str, new: str):
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_default_script_stages_in_order():
    script = load_script()
    assert script.ids() == ["arrival", "opening", "experience", "tough", "closing", "improve", "nailed"]
    assert [s.rated for s in script.stages] == [True] * 5 + [False] * 2
    for s in script.stages[:5]:
        assert "1 to 5" in s.question and "what happened" in s.question


def test_found_from_an_installed_wheel_layout(tmp_path, monkeypatch):
    """In a wheel, prompts/ is force-included as assistant/prompts."""
    import assistant.prompts as p

    pkg = tmp_path / "assistant"
    shutil.copytree(prompts_dir(), pkg / "prompts")
    monkeypatch.setattr(p, "_HERE", pkg)
    assert p.prompts_dir() == pkg / "prompts"


@pytest.mark.parametrize(
    "file, old, new, message",
    [
        ("script.toml", 'id = "arrival"', 'id = "arrival', "script.toml is not valid TOML"),
        ("script.toml", 'short = "Getting there and waiting: 1 to 5, and what happened?"\n', "", "stage[0].short' is missing"),
        ("script.toml", 'rated = true\nlabel = "getting', 'rated = "yes"\nlabel = "getting', "stage[0].rated' must be true or false"),
        ("script.toml", 'kind = "stage"\nrated = true\nlabel = "getting', 'colour = "red"\nkind = "stage"\nrated = true\nlabel = "getting', "unknown key 'stage[0].colour'"),
        ("script.toml", 'kind = "improve"', 'kind = "stage"', "exactly one stage of kind 'improve'"),
        ("phrases.toml", "greeting = [", "greeting = 3\nunused = [", "unknown key 'unused'"),
        ("phrases.toml", "help = [", "helpp = [", "unknown key 'helpp'; rename it to 'help'."),
        ("phrases.toml", "The fix: $fix.", "The fix: $fixx.", "'summary.fix' uses an unknown placeholder $fixx"),
        ("phrases.toml", "What went well: $nailed.", "What went well: $ nailed.", "'summary.well' has a lone $"),
        ("phrases.toml", 'late = "leave extra early', 'late = "$leave extra early', "'advice.late' must be plain"),
        ("phrases.toml", 'laugh = [', 'laugh = [\n  "",', "'summary.laugh' must be a list of at least 1 non-empty strings"),
        ("phrases.toml", 'questions = "Having questions for them"\n', "", "'cause_names.questions' is missing"),
    ],
)
def test_malformed_prompts_name_file_and_key(prompts, file, old, new, message):
    edit(prompts / file, old, new)
    loader = load_script if file == "script.toml" else load_phrases
    with pytest.raises(PromptsError) as err:
        loader()
    assert file in str(err.value)
    assert message in str(err.value)


def test_missing_file(prompts):
    (prompts / "phrases.toml").unlink()
    with pytest.raises(PromptsError, match="phrases.toml is missing"):
        load_phrases()


def test_every_phrase_renders(prompts):
    import string

    phrases = load_phrases()
    values = dict(company="Acme", label="x", nailed="x", rating="4", improve="x", cause="x",
                  fix="x", before="2", after="4", why="x")
    for table in (phrases.top, phrases.summary):
        for variants in table.values():
            for v in variants:
                assert "$" not in string.Template(v).substitute(values)
