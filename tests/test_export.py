"""Export as Markdown and JSON; JSON imports back to the same JSON."""

import json
import os
import stat


from assistant.review import export, importer
from assistant.storage.store import Store
from tests.support import TYPED_ANSWERS as ANSWERS, run, saved_id, typed_debrief



def start(*extra, lines=ANSWERS):
    return saved_id(typed_debrief(*extra, lines=lines))


def test_markdown_reads_like_a_journal_entry(debrief_home):
    sid = start("--company", "Acme", "--role", "Engineer")
    result = run("export", str(sid))
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith("## ") and "Acme, Engineer" in md
    assert "### Getting there and waiting (3/5)" in md
    assert "> 3, some traffic on the way so I was rushing" in md
    assert "### One thing to improve" in md and "**To improve:**" in md and "**Nailed:**" in md
    assert "**Where it turned:** talking about your experience" in md
    assert "**Summary:**" in md and "migration" in md


def test_json_round_trips_through_import(debrief_home, tmp_path, monkeypatch):
    first = start("--company", "Acme")
    start(lines=ANSWERS[:2])  # an interrupted one
    run("edit", str(first), "--stage", "tough", "--rating", "3")
    store = Store.open()
    store.record_nudges(first, ["stage:tough"], [])
    store.close()
    out = tmp_path / "all.json"
    assert run("export", "--all", "--format", "json", "-o", str(out)).exit_code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    data = json.loads(out.read_text())
    assert data["format"] == "debrief-export" and len(data["debriefs"]) == 2
    assert data["debriefs"][0]["edits"][0]["field"] == "rating"
    assert data["debriefs"][0]["nudges"][0]["pattern"] == "stage:tough"
    assert "wav" not in out.read_text()

    monkeypatch.setenv("DEBRIEF_HOME", str(tmp_path / "fresh"))
    result = run("import", str(out))
    assert result.exit_code == 0, result.output
    assert "Imported 2 debriefs" in result.stderr
    again = run("export", "--all", "--format", "json").stdout
    assert again == out.read_text()
    # importing the same file again changes nothing
    result = run("import", str(out))
    assert result.exit_code == 0 and "2 already here" in result.stderr
    assert run("export", "--all", "--format", "json").stdout == again
    # search works on imported answers (the index was filled)
    assert json.loads(run("search", "stumped", "--json").stdout)


def test_load_json_into_a_fresh_store(debrief_home):
    sid = start()
    text = run("export", str(sid), "--format", "json").stdout
    fresh = Store.memory()
    ids, skipped = importer.load_json(fresh, text)
    assert ids == [sid] and skipped == 0
    assert export.to_json(export.documents(fresh, None)) == text


def test_import_into_a_store_whose_id_is_taken(debrief_home, tmp_path, monkeypatch):
    start("--company", "Acme")
    text = run("export", "--format", "json").stdout
    monkeypatch.setenv("DEBRIEF_HOME", str(tmp_path / "other"))
    start("--company", "Globex")
    result = run("import", "-", input=text)
    assert result.exit_code == 0 and result.stdout.strip() == "2"
    rows = json.loads(run("list", "--json").stdout)
    assert [(r["id"], r["company"]) for r in rows] == [(1, "Globex"), (2, "Acme")]  # newest first


def test_export_selected_ids_and_latest(debrief_home):
    a = start("--company", "Alpha")
    b = start("--company", "Beta")
    docs = json.loads(run("export", "--format", "json").stdout)["debriefs"]
    assert [d["id"] for d in docs] == [b]
    docs = json.loads(run("export", str(a), str(b), "--format", "json").stdout)["debriefs"]
    assert [d["company"] for d in docs] == ["Alpha", "Beta"]
    md = run("export", str(a), str(b)).stdout
    assert sum(line.startswith("## ") for line in md.splitlines()) == 2 and "\n---\n" in md


def test_export_errors(debrief_home, tmp_path):
    result = run("export")
    assert result.exit_code == 1 and "debrief start" in result.stderr
    start()
    result = run("export", "42")
    assert result.exit_code == 1 and "no debrief with id 42" in result.stderr
    result = run("export", "1", "--all")
    assert result.exit_code == 2 and "not both" in result.stderr
    bad = tmp_path / "bad.json"
    for content, message in [("{", "is not JSON"), ('{"a": 1}', "not a debrief export"),
                             ('{"format": "debrief-export", "version": 9, "debriefs": []}', "version 9"),
                             ('{"format": "debrief-export", "version": 1, "debriefs": [{"x": 1}]}', "malformed")]:
        bad.write_text(content)
        result = run("import", str(bad))
        assert result.exit_code == 1 and message in result.stderr, (content, result.output)
    result = run("import", str(tmp_path / "missing.json"))
    assert result.exit_code == 1 and "Cannot read" in result.stderr


def test_crumpled_debrief_exports_without_words(debrief_home):
    sid = start()
    run("crumple", str(sid), "--yes")
    md = run("export", str(sid)).stdout
    assert "rushing" not in md and "no words kept" in md and "crumpled" in md
    doc = json.loads(run("export", str(sid), "--format", "json").stdout)["debriefs"][0]
    assert doc["crumpled_at"] and all(t["answer"] is None for t in doc["turns"])
