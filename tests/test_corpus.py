"""The labelled corpus must stay above the floors in scripts/eval_rules.py."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from assistant.dialogue.script import load_all
from assistant.understanding.extract import CAUSES

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "corpus.jsonl"
STAGES = tuple(load_all()[0].ids())


def _eval_module():
    spec = importlib.util.spec_from_file_location("eval_rules", ROOT / "scripts" / "eval_rules.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures():
    ev = _eval_module()
    return ev, ev.evaluate(ev.load_corpus(CORPUS))


def well_formed_rows(path: Path) -> list[dict]:
    """The labelled answers in PATH, each checked: known stage and causes, no
    rating on improve/nailed, a rating inside its own tolerance and 1-5."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        assert row["stage"] in STAGES
        assert isinstance(row["text"], str) and row["text"].strip()
        assert set(row["causes"]) <= set(CAUSES)
        if row["stage"] in ("improve", "nailed"):
            assert row["rating"] is None
        if row["rating"] is not None:
            assert 1 <= row.get("rating_min", row["rating"]) <= row["rating"] <= row.get("rating_max", row["rating"]) <= 5
    return rows


def test_corpus_is_well_formed():
    rows = well_formed_rows(CORPUS)
    assert len(rows) >= 220
    for stage in STAGES:
        assert sum(r["stage"] == stage for r in rows) >= 20, stage
    for cause in CAUSES:
        assert sum(cause in r["causes"] for r in rows) >= 5, cause


def test_corpus_figures_meet_floors(figures):
    ev, fig = figures
    assert ev.failures(fig) == [], "\n".join(f"{m['text']} -> {m['problems']}" for m in fig["misses"])


def test_eval_script_check_and_json(capsys):
    ev = _eval_module()
    assert ev.main(["--check", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("rating_accuracy", "no_rating", "cause_precision", "cause_recall", "phrase_accuracy", "median_ms", "p99_ms"):
        assert key in out
