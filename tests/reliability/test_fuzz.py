"""Fuzzing: the prompts loader and the audio reader only ever succeed or raise
their own error (PromptsError, AudioError), whatever they are given."""

from __future__ import annotations

import io
import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings, strategies as st

from assistant.audio.pcm import read_chunks
from assistant.errors import AudioError, PromptsError
from rel_support import ROOT, fuzzed

PROMPTS = ROOT / "prompts"
FILES = ("script.toml", "phrases.toml", "rules.toml")
# read once: the files in the checkout may be edited while the tests run
ORIGINAL = {name: (PROMPTS / name).read_text(encoding="utf-8") for name in FILES}
FAST = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))


def load(folder: Path, name: str):
    from assistant.understanding import extract
    from assistant.dialogue import script
    from assistant.prompts import load_toml

    if name == "script.toml":
        return script.load_script(folder)
    if name == "phrases.toml":
        return script.load_phrases(folder)
    path, data = load_toml("rules.toml", folder)
    return extract._build(path, data)


def only_prompts_error(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8", errors="surrogatepass")
    fuzzed()
    try:
        load(folder, name)
    except PromptsError as e:
        assert str(folder / name) in str(e)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("fuzz-prompts")
    for name in FILES:
        (d / name).write_text(ORIGINAL[name], encoding="utf-8")
    return d


def test_the_real_prompts_load(folder):
    for name in FILES:
        assert load(folder, name) is not None


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)


@FAST
@given(name=st.sampled_from(FILES), junk=text)
def test_random_text(folder, name, junk):
    original = ORIGINAL[name]
    try:
        only_prompts_error(folder, name, junk)
    finally:
        (folder / name).write_text(original, encoding="utf-8")


@FAST
@given(name=st.sampled_from(FILES), data=st.data())
def test_garbled_real_text(folder, name, data):
    original = ORIGINAL[name]
    t = original
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(t)))
        j = data.draw(st.integers(i, min(len(t), i + 40)))
        t = t[:i] + data.draw(st.sampled_from(["", "[", "]", '"', "=", "$", "\n", "[[", "x = 1\n", "${", "$$"]) | text) + t[j:]
    try:
        only_prompts_error(folder, name, t)
    finally:
        (folder / name).write_text(original, encoding="utf-8")


# -- structurally wrong values: the real data with one value replaced ------------------

def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def dumps(data: dict) -> str:
    return "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in data.items())


def paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node[:3]):
            yield from paths(v, prefix + (i,))


scalar = st.one_of(st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                   st.text(st.characters(blacklist_categories=("Cs",)), max_size=30))
value = st.recursive(scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(st.characters(blacklist_categories=("Cs",)), max_size=8),
                                                  inner, max_size=4)), max_leaves=8)


@FAST
@given(name=st.sampled_from(FILES), data=st.data())
def test_structurally_wrong_values(folder, name, data):
    original = ORIGINAL[name]
    tree = tomllib.loads(original)
    where = data.draw(st.sampled_from([p for p in paths(tree) if p]))
    node = tree
    for key in where[:-1]:
        node = node[key]
    action = data.draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "delete":
        del node[where[-1]]
    elif action == "add" and isinstance(node, dict):
        node[data.draw(st.text(max_size=10))] = data.draw(value)
    else:
        node[where[-1]] = data.draw(value)
    try:
        only_prompts_error(folder, name, dumps(tree))
    finally:
        (folder / name).write_text(original, encoding="utf-8")


def test_the_dumper_round_trips():
    for name in FILES:
        tree = tomllib.loads(ORIGINAL[name])
        assert tomllib.loads(dumps(tree)) == tree


# -- the audio reader -------------------------------------------------------------------

def read_all(path: Path) -> int:
    """Only AudioError or chunks of 16 kHz mono 16-bit; returns the samples read."""
    fuzzed()
    n = 0
    try:
        for chunk in read_chunks(path):
            assert (chunk.rate, chunk.width, chunk.channels) == (16000, 2, 1)
            assert len(chunk.audio) % 2 == 0
            n += len(chunk.audio) // 2
    except AudioError as e:
        assert str(e).endswith(".") and "\n" not in str(e)
    return n


@pytest.fixture(scope="module")
def audio_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-audio")


@FAST
@given(blob=st.binary(max_size=3000))
def test_random_bytes(audio_dir, blob):
    path = audio_dir / "random.wav"
    path.write_bytes(blob)
    read_all(path)


def _valid(fmt: str, subtype: str, rate: int, channels: int) -> bytes:
    x = (np.sin(np.arange(rate // 4) / 7.0) * 0.3).astype(np.float32)
    if channels > 1:
        x = np.stack([x] * channels, axis=1)
    buf = io.BytesIO()
    sf.write(buf, x, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


HEADERS = {
    ("WAV", "PCM_16"), ("WAV", "PCM_U8"), ("WAV", "PCM_24"), ("WAV", "FLOAT"),
    ("FLAC", "PCM_16"), ("FLAC", "PCM_24"),
}


@FAST
@given(kind=st.sampled_from(sorted(HEADERS)), rate=st.sampled_from([8000, 16000, 44100, 48000]),
       channels=st.integers(1, 3), keep=st.integers(0, 400), garbage=st.binary(max_size=3000),
       flips=st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), max_size=4))
def test_valid_header_then_garbage(audio_dir, kind, rate, channels, keep, garbage, flips):
    good = bytearray(_valid(kind[0], kind[1], rate, channels))
    head = good[: min(keep, len(good))]
    for at, byte in flips:  # and a few header bytes changed
        if at < len(head):
            head[at] = byte
    path = audio_dir / ("x." + kind[0].lower())
    path.write_bytes(bytes(head) + garbage)
    read_all(path)
