"""debrief's language model for pocketsphinx: the general English model
mixed with one made from how people talk about an interview on the way home.

The general model in the pocketsphinx wheel (en-us.lm.bin, a 70,000-word
trigram model) expects news-like English, so "i'd give it a four" comes back
as "i'd give it before" and "three and a half" as "three in a half". A small
trigram model of debrief answers (prompts/lm_text.txt: about 6,100 spoken
lines, written for it and not taken from any evaluation set) is mixed in by
static interpolation: every n-gram of either model gets

    p(w | h) = weight * p_general(w | h) + (1 - weight) * p_domain(w | h)

(each with its own backoff), and the backoff weights are renormalised so the
mixture stays a proper distribution. Measured on 98 rated answers read by a
natural voice (dev and held-out 9, clean, whole answers, the transcript
rules alone): word errors 27.5% -> 21.8% and ratings 49 -> 69 with weight
0.6 (0.8: 22.7%, 65).

pocketsphinx cannot write its binary model back as ARPA (its writer asserts
on this model), so `read_trie` reads the binary trie itself: unigrams with
their backoffs, then bit-packed bigrams and trigrams stored backwards (the
last word first), with 16-bit quantised probabilities. The mixture is written
as ARPA text and turned into pocketsphinx's binary format by pocketsphinx
itself (NGramModel), then moved into place atomically, with a stamp beside
it: when the text, the weight or the general model change, the model is
stale and is not used.

numpy and pocketsphinx are imported inside the functions that need them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import struct
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import ModelError
from assistant.prompts import prompts_dir

LM_NAME = "debrief-en-us.lm.bin"
STAMP_SUFFIX = ".json"
WEIGHT = 0.6  # the general model's share of the mixture (see the module docstring)
DISCOUNT = 0.7  # absolute discounting for the domain model's counts
FORMAT = 1  # bump when the way the model is built changes
TRIE_HEADER = b"Trie Language Model"
# pocketsphinx keeps log probabilities in base 1.0001: this many units per log10
UNITS_PER_LOG10 = math.log(10) / math.log(1.0001)
_LINE = re.compile(r"[a-z']+( [a-z']+)*")


def text_path() -> Path:
    return prompts_dir() / "lm_text.txt"


def general_path() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us" / "en-us.lm.bin"


def read_text(path: Path | None = None) -> list[str]:
    """The domain text's lines (comments and blank lines left out). Each line
    is lower-case words and apostrophes, one space apart; anything else is
    one clear error naming the line."""
    path = path or text_path()
    lines = []
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ModelError(f"The language model text {path} cannot be read ({e.strerror}); reinstall debrief.") from None
    for n, line in enumerate(raw.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not _LINE.fullmatch(line):
            raise ModelError(
                f"{path}, line {n}: only lower-case words and apostrophes belong in the language model text; "
                f"fix the line {line[:40]!r}."
            )
        lines.append(line)
    if not lines:
        raise ModelError(f"The language model text {path} has no lines; add some spoken sentences to it.")
    return lines


@dataclass
class Trie:
    """A trigram model read from pocketsphinx's binary trie: log10 probabilities
    and backoffs, bigrams as (history word, word), trigrams as (h2, h1, word)."""

    words: list[str]
    p1: Any  # numpy arrays from here on
    b1: Any
    h1: Any  # bigrams
    w2: Any
    p2: Any
    b2: Any
    h2: Any  # trigrams
    h13: Any
    w3: Any
    p3: Any


def read_trie(path: Path) -> Trie:
    """Read pocketsphinx's binary trigram model (the "Trie Language Model"
    format of its lm_trie.c). N-grams are stored backwards: each unigram
    points at the bigrams it ends (by their first word), each of those at the
    trigrams it ends. Probabilities of bigrams and trigrams are 16-bit codes
    into float tables that come first."""
    import numpy as np

    data = path.read_bytes()
    if not data.startswith(TRIE_HEADER):
        raise ModelError(f"{path} is not a pocketsphinx binary language model; reinstall pocketsphinx.")
    p = len(TRIE_HEADER)
    order = data[p]
    p += 1
    if order != 3:
        raise ModelError(f"{path} is a {order}-gram model; debrief mixes only trigram models.")
    counts = struct.unpack_from("<3I", data, p)
    p += 12 + 4  # the counts, then a field that once held the quantisation type
    table = np.frombuffer(data, dtype="<f4", count=3 * 65536, offset=p)
    p += 4 * 3 * 65536
    mid_prob, mid_bo, long_prob = table[:65536], table[65536:131072], table[131072:]
    uni = np.frombuffer(
        data, dtype=np.dtype([("prob", "<f4"), ("bo", "<f4"), ("next", "<u4")]), count=counts[0] + 1, offset=p
    )
    p += 12 * (counts[0] + 1)
    word_bits, next_bits = counts[0].bit_length(), counts[2].bit_length()
    mid_total, long_total = word_bits + 32 + next_bits, word_bits + 16
    mid_size = ((1 + counts[1]) * mid_total + 7) // 8 + 8
    long_size = ((1 + counts[2]) * long_total + 7) // 8 + 8
    mid = np.frombuffer(data, dtype=np.uint8, count=mid_size, offset=p)
    p += mid_size
    lng = np.frombuffer(data, dtype=np.uint8, count=long_size, offset=p)
    p += long_size
    (size,) = struct.unpack_from("<i", data, p)
    words = [w.decode("utf-8", "replace") for w in data[p + 4 : p + 4 + size].split(b"\0")[: counts[0]]]
    if len(words) != counts[0]:
        raise ModelError(f"{path} is damaged (its word list is short); reinstall pocketsphinx.")

    def field(mem, index, total: int, offset: int, bits: int):
        at = index.astype(np.int64) * total + offset
        byte, shift = at >> 3, (at & 7).astype(np.uint64)
        value = np.zeros(len(index), np.uint64)
        for b in range(5):  # a field of up to 25 bits after a shift of up to 7
            value |= mem[byte + b].astype(np.uint64) << np.uint64(8 * b)
        return ((value >> shift) & np.uint64((1 << bits) - 1)).astype(np.int64)

    unext = uni["next"].astype(np.int64)
    per_word = np.maximum(np.diff(unext), 0)
    rows = np.arange(unext[0], unext[0] + per_word.sum())
    w2 = np.repeat(np.arange(counts[0]), per_word)
    h1 = field(mid, rows, mid_total, 0, word_bits)
    b2 = mid_bo[field(mid, rows, mid_total, word_bits, 16)].astype(np.float64)
    p2 = mid_prob[field(mid, rows, mid_total, word_bits + 16, 16)].astype(np.float64)
    nxt = field(mid, np.append(rows, rows[-1] + 1), mid_total, word_bits + 32, next_bits)
    per_bigram = np.maximum(nxt[1:] - nxt[:-1], 0)
    owner = np.repeat(np.arange(len(rows)), per_bigram)
    starts = np.repeat(nxt[:-1], per_bigram)
    k = starts + (np.arange(len(owner)) - np.repeat(np.cumsum(per_bigram) - per_bigram, per_bigram))
    h2 = field(lng, k, long_total, 0, word_bits)
    p3 = long_prob[field(lng, k, long_total, word_bits, 16)].astype(np.float64)
    scale = 1.0 / UNITS_PER_LOG10
    return Trie(
        words=words,
        p1=uni["prob"][: counts[0]].astype(np.float64) * scale,
        b1=uni["bo"][: counts[0]].astype(np.float64) * scale,
        h1=h1,
        w2=w2,
        p2=p2 * scale,
        b2=b2 * scale,
        h2=h2,
        h13=h1[owner],
        w3=w2[owner],
        p3=p3 * scale,
    )


def pair_key(h1, w, size: int):
    """One int64 per bigram (history, word): how n-grams are sorted and looked up."""
    return h1.astype("int64") * size + w


def triple_key(h2, h1, w, size: int):
    return (h2.astype("int64") * size + h1) * size + w


def pair_ids(keys, size: int):
    """pair_key's (history, word) id columns back from the keys."""
    return keys // size, keys % size


def triple_ids(keys, size: int):
    """triple_key's (h2, h1, word) id columns back from the keys."""
    return keys // (size * size), (keys // size) % size, keys % size


class Backoff:
    """A backoff trigram model over word ids (log10), looked up many at a time."""

    def __init__(self, size: int, p1, b1, k2, p2, b2, k3, p3):
        import numpy as np

        self.np = np
        self.V = size
        self.p1, self.b1 = p1, b1
        o = np.argsort(k2, kind="stable")
        self.k2, self.p2, self.b2 = k2[o], p2[o], b2[o]
        o = np.argsort(k3, kind="stable")
        self.k3, self.p3 = k3[o], p3[o]

    def key2(self, h1, w):
        return pair_key(h1, w, self.V)

    def key3(self, h2, h1, w):
        return triple_key(h2, h1, w, self.V)

    def bigram_ids(self):
        return pair_ids(self.k2, self.V)

    def trigram_ids(self):
        return triple_ids(self.k3, self.V)

    def _find(self, keys, query):
        np = self.np
        if len(keys) == 0:
            return np.zeros(len(query), np.int64), np.zeros(len(query), bool)
        i = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        return i, keys[i] == query

    def backoff2(self, h2, h1):
        i, hit = self._find(self.k2, self.key2(h2, h1))
        return self.np.where(hit, self.b2[i] if len(self.b2) else 0.0, 0.0)

    def bigram(self, h1, w):
        i, hit = self._find(self.k2, self.key2(h1, w))
        return self.np.where(hit, self.p2[i] if len(self.p2) else 0.0, self.b1[h1] + self.p1[w])

    def trigram(self, h2, h1, w):
        i, hit = self._find(self.k3, self.key3(h2, h1, w))
        return self.np.where(hit, self.p3[i] if len(self.p3) else 0.0, self.backoff2(h2, h1) + self.bigram(h1, w))


def general_model(trie: Trie) -> Backoff:
    size = len(trie.words)
    k2 = pair_key(trie.h1, trie.w2, size)
    k3 = triple_key(trie.h2, trie.h13, trie.w3, size)
    return Backoff(size, trie.p1, trie.b1, k2, trie.p2, trie.b2, k3, trie.p3)


def domain_model(lines: list[str], words: list[str], discount: float = DISCOUNT) -> tuple[Backoff, int]:
    """An interpolated absolute-discounting trigram model of the lines, over
    the general model's vocabulary (a word it lacks breaks the n-grams around
    it). Unseen words share the left-over unigram mass, so no word is
    impossible. Returns the model and how many words were left out."""
    import numpy as np

    wid = {w: i for i, w in enumerate(words)}
    size = len(words)
    bos, eos = wid["<s>"], wid["</s>"]
    c1: Counter[int] = Counter()
    c2: Counter[tuple[int, int]] = Counter()
    c3: Counter[tuple[int, int, int]] = Counter()
    unknown = 0
    for line in lines:
        ids = [bos] + [wid.get(w, -1) for w in line.split()] + [eos]
        unknown += ids.count(-1)
        for i, x in enumerate(ids):
            if x < 0 or i == 0:
                continue
            c1[x] += 1
            if ids[i - 1] >= 0:
                c2[(ids[i - 1], x)] += 1
                if i >= 2 and ids[i - 2] >= 0:
                    c3[(ids[i - 2], ids[i - 1], x)] += 1
    total = sum(c1.values())
    p1 = np.full(size, discount * len(c1) / total / size)
    for x, c in c1.items():
        p1[x] += (c - discount) / total
    seen1: Counter[int] = Counter()
    types1: Counter[int] = Counter()
    for (a, _), c in c2.items():
        seen1[a] += c
        types1[a] += 1
    gamma1 = {a: discount * types1[a] / seen1[a] for a in seen1}
    p2d = {(a, x): (c - discount) / seen1[a] + gamma1[a] * p1[x] for (a, x), c in c2.items()}
    seen2: Counter[tuple[int, int]] = Counter()
    types2: Counter[tuple[int, int]] = Counter()
    for (a, b, _), c in c3.items():
        seen2[(a, b)] += c
        types2[(a, b)] += 1
    gamma2 = {ab: discount * types2[ab] / seen2[ab] for ab in seen2}
    p3d = {
        (a, b, x): (c - discount) / seen2[(a, b)] + gamma2[(a, b)] * p2d.get((b, x), gamma1.get(b, 1.0) * p1[x])
        for (a, b, x), c in c3.items()
    }
    b1 = np.zeros(size)
    for a, g in gamma1.items():
        b1[a] = math.log10(g)
    pairs = np.array(list(p2d), dtype=np.int64).reshape(-1, 2)
    k2 = pair_key(pairs[:, 0], pairs[:, 1], size)
    p2 = np.log10(np.array(list(p2d.values()), dtype=np.float64))
    b2 = np.array([math.log10(gamma2[ab]) if ab in gamma2 else 0.0 for ab in p2d], dtype=np.float64)
    triples = np.array(list(p3d), dtype=np.int64).reshape(-1, 3)
    k3 = triple_key(triples[:, 0], triples[:, 1], triples[:, 2], size)
    p3 = np.log10(np.array(list(p3d.values()), dtype=np.float64))
    return Backoff(size, np.log10(p1), b1, k2, p2, b2, k3, p3), unknown


def mix(general: Backoff, domain: Backoff, weight: float = WEIGHT) -> Backoff:
    """Static interpolation of two backoff models over the union of their
    n-grams, with the backoff weights renormalised: for a history h whose
    explicit words are E(h), bow(h) = (1 - sum_E p(w|h)) / (1 - sum_E p(w|h'))."""
    import numpy as np

    size = general.V
    ln10 = math.log(10)
    lg, ld = math.log(weight), math.log(1 - weight)

    def both(a, b):
        return np.logaddexp(a * ln10 + lg, b * ln10 + ld) / ln10

    p1 = both(general.p1, domain.p1)
    k2 = np.union1d(general.k2, domain.k2)
    h1, w2 = pair_ids(k2, size)
    p2 = both(general.bigram(h1, w2), domain.bigram(h1, w2))
    k3 = np.union1d(general.k3, domain.k3)
    h2, h13, w3 = triple_ids(k3, size)
    p3 = both(general.trigram(h2, h13, w3), domain.trigram(h2, h13, w3))

    def renorm(high, low):
        return np.log10(np.clip(1 - high, 1e-12, None)) - np.log10(np.clip(1 - low, 1e-12, None))

    high1 = np.bincount(h1, weights=10**p2, minlength=size)
    low1 = np.bincount(h1, weights=10 ** p1[w2], minlength=size)
    b1 = np.where(high1 > 0, renorm(high1, low1), 0.0)
    lower = Backoff(size, p1, b1, k2, p2, np.zeros(len(k2)), np.zeros(0, np.int64), np.zeros(0))
    contexts, which = np.unique(pair_key(h2, h13, size), return_inverse=True)
    high2 = np.bincount(which, weights=10**p3)
    low2 = np.bincount(which, weights=10 ** lower.bigram(h13, w3))
    b2 = np.zeros(len(k2))
    at = np.searchsorted(k2, contexts)
    if len(at) and not np.all(k2[np.minimum(at, len(k2) - 1)] == contexts):
        raise ModelError("A trigram's history is missing from the bigrams; the general model is damaged.")
    b2[at] = renorm(high2, low2)
    return Backoff(size, p1, b1, k2, p2, b2, k3, p3)


def write_arpa(model: Backoff, words: list[str], path: Path) -> None:
    size = model.V
    p1 = model.p1.copy()
    p1[words.index("<s>")] = -99.0  # a sentence never predicts its start
    h1, w2 = (ids.tolist() for ids in model.bigram_ids())
    h2, h13, w3 = (ids.tolist() for ids in model.trigram_ids())
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"\\data\\\nngram 1={size}\nngram 2={len(h1)}\nngram 3={len(h2)}\n\n\\1-grams:\n")
        f.writelines(f"{p:.4f}\t{w}\t{b:.4f}\n" for w, p, b in zip(words, p1.tolist(), model.b1.tolist(), strict=True))
        f.write("\n\\2-grams:\n")
        f.writelines(
            f"{p:.4f}\t{words[a]} {words[x]}\t{b:.4f}\n"
            for a, x, p, b in zip(h1, w2, model.p2.tolist(), model.b2.tolist(), strict=True)
        )
        f.write("\n\\3-grams:\n")
        f.writelines(
            f"{p:.4f}\t{words[a]} {words[b]} {words[x]}\n"
            for a, b, x, p in zip(h2, h13, w3, model.p3.tolist(), strict=True)
        )
        f.write("\n\\end\\\n")


def stamp(text: Path | None = None, general: Path | None = None, weight: float = WEIGHT) -> dict:
    """What the model is built from: when any of it changes, a built model is stale."""
    text, general = text or text_path(), general or general_path()
    return {
        "format": FORMAT,
        "weight": weight,
        "text_sha256": hashlib.sha256(text.read_bytes()).hexdigest(),
        "general_bytes": general.stat().st_size,
    }


@dataclass(frozen=True)
class Built:
    path: Path
    lines: int
    unknown_words: int
    bigrams: int
    trigrams: int


def build(out: Path, *, text: Path | None = None, general: Path | None = None, weight: float = WEIGHT) -> Built:
    """Build the mixed model into `out` (a .lm.bin file) with its stamp beside
    it. Nothing is left half-written: both files are written under temporary
    names in the same folder and moved into place."""
    text, general = text or text_path(), general or general_path()
    lines = read_text(text)
    trie = read_trie(general)
    domain, unknown = domain_model(lines, trie.words)
    mixed = mix(general_model(trie), domain, weight)
    try:
        _write(out, mixed, trie.words, stamp(text, general, weight))
    except OSError as e:
        raise ModelError(
            f"The language model cannot be written into {out.parent} ({e.strerror or e}); "
            "free some space or choose another folder with --to."
        ) from None
    return Built(out, len(lines), unknown, len(mixed.k2), len(mixed.k3))


def _write(out: Path, mixed: Backoff, words: list[str], stamped: dict) -> None:
    """Write the model and its stamp under temporary names beside `out`, then move them into place."""
    from pocketsphinx import NGramModel

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, arpa = tempfile.mkstemp(prefix=".lm-", suffix=".arpa", dir=out.parent)
    os.close(fd)
    fd, binary = tempfile.mkstemp(prefix=".lm-", suffix=".bin", dir=out.parent)
    os.close(fd)
    try:
        write_arpa(mixed, words, Path(arpa))
        model = NGramModel.readfile(arpa)
        model.write(binary, NGramModel.str_to_type("bin"))
        del model
        stamp_tmp = binary + STAMP_SUFFIX
        Path(stamp_tmp).write_text(json.dumps(stamped), encoding="utf-8")
        os.chmod(binary, 0o644)
        os.replace(binary, out)
        os.replace(stamp_tmp, stamp_file(out))
    finally:
        for leftover in (arpa, binary, binary + STAMP_SUFFIX):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)


def stamp_file(model: Path) -> Path:
    return model.with_name(model.name + STAMP_SUFFIX)


def is_current(model: Path, *, text: Path | None = None, general: Path | None = None, weight: float = WEIGHT) -> bool:
    """Is `model` there, with a stamp that matches what it would be built from now?"""
    try:
        want = stamp(text, general, weight)
    except OSError:
        return False
    return _stamped(model, want)


def _stamped(model: Path, want: dict) -> bool:
    try:
        return model.is_file() and json.loads(stamp_file(model).read_text(encoding="utf-8")) == want
    except (OSError, ValueError):
        return False


def repo_models_dir() -> Path:
    """The models/ folder of a checkout (where scripts/setup.sh builds the model)."""
    return Path(__file__).resolve().parents[2] / "models"


def candidates(home: Path) -> list[Path]:
    return [home / "models" / LM_NAME, repo_models_dir() / LM_NAME]


def find_domain_lm(home: Path) -> Path | None:
    """The built model to use: in $DEBRIEF_HOME/models, else in the checkout's
    models/ folder; only one that is current (is_current). The stamp it must
    match is worked out once."""
    try:
        want = stamp()
    except OSError:
        return None
    return next((p for p in candidates(home) if _stamped(p, want)), None)
