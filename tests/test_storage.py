import os
import sqlite3
import stat

import pytest

from assistant.errors import NotFoundError, StorageError
from assistant.storage.reader import SearchError, fts_query
from assistant.storage.store import Store


def test_creates_private_files_and_wal(debrief_home):
    store = Store.open()
    assert stat.S_IMODE(os.stat(debrief_home).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(debrief_home / "debrief.db").st_mode) == 0o600
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    sid = store.start_session()
    store.save_answer(sid, 0, "arrival", "Q", "late again", 2.0, ["late"], None, None)
    for name in os.listdir(debrief_home):
        assert stat.S_IMODE(os.stat(debrief_home / name).st_mode) & 0o077 == 0, name


def test_migrates_on_open_and_reopen_is_idempotent(debrief_home):
    Store.open().close()
    store = Store.open()
    from assistant.storage.schema import migrations

    applied = [r["name"] for r in store.db["_sqlite_migrations"].rows]
    assert applied[0] == "m001_initial" and len(applied) == len(set(applied))
    assert migrations.pending(store.db) == []


def test_session_lifecycle_and_answers_written_immediately(debrief_home):
    store = Store.open()
    sid = store.start_session(company="Acme")
    assert store.session(sid)["status"] == "interrupted"
    store.save_answer(sid, 0, "arrival", "Q?", "three, traffic", 3.0, ["late"], None, None, audio=b"RIFFxxxx")
    # another connection sees it at once: nothing waits for the end
    other = sqlite3.connect(debrief_home / "debrief.db")
    assert other.execute("select answer, rating, causes from turns").fetchall() == [("three, traffic", 3.0, '["late"]')]
    assert other.execute("select count(*) from audio").fetchone()[0] == 1
    store.finish(sid, status="complete", downhill="arrival", improve="x", nailed="y", summary="S")
    row = store.session(sid)
    assert row["status"] == "complete" and row["average_rating"] == 3.0 and row["summary"] == "S"


def test_reanswer_replaces_turn_and_its_audio(debrief_home):
    store = Store.open()
    sid = store.start_session()
    store.save_answer(sid, 0, "arrival", "Q", "first", 2.0, [], None, None, audio=b"a")
    store.save_answer(sid, 0, "arrival", "Q", "second", 4.0, [], None, None)
    assert [t["answer"] for t in store.turns(sid)] == ["second"]
    assert store.db["audio"].count == 0
    assert [h["answer"] for h in store.search("second")] == ["second"]
    assert store.search("first") == []


def test_search_stems_and_requires_all_words(debrief_home):
    store = Store.open()
    sid = store.start_session()
    store.save_answer(sid, 0, "tough", "Q", "I rambled on the second question", 2.0, ["rambling"], None, None)
    store.save_answer(sid, 1, "closing", "Q", "I had no questions to ask", 2.0, ["questions"], None, None)
    assert [h["stage"] for h in store.search("ramble")] == ["tough"]
    assert [h["stage"] for h in store.search("RAMBLING second")] == ["tough"]
    assert store.search("ramble ask") == []


@pytest.mark.parametrize("text", ['"', '""', "'", "*", "(", ")", "a*", '"unbalanced', "NOT", "OR AND", "[x]", "-x", "a:b", "^", "{}", "ramble\"d"])
def test_search_never_crashes_on_fts_syntax(debrief_home, text):
    store = Store.open()
    try:
        store.search(text)
    except SearchError:
        pass


@pytest.mark.parametrize("text", ["", "   ", '"', "***", "()"])
def test_search_without_words_is_a_clear_error(text):
    with pytest.raises(SearchError, match="at least one word"):
        fts_query(text)


def test_unknown_id_is_not_found(debrief_home):
    store = Store.open()
    with pytest.raises(NotFoundError, match="no debrief with id 42"):
        store.session(42)
    with pytest.raises(NotFoundError, match="no debrief yet"):
        store.session()


def test_unwritable_data_dir_is_clear(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    monkeypatch.setenv("DEBRIEF_HOME", str(locked / "home"))
    if os.geteuid() == 0:
        # root ignores permissions; a path under a regular file fails for everyone
        blocker = tmp_path / "file"
        blocker.write_text("x")
        monkeypatch.setenv("DEBRIEF_HOME", str(blocker / "home"))
    with pytest.raises(StorageError, match="DEBRIEF_HOME"):
        Store.open()


def test_busy_database_is_a_clear_error(debrief_home, monkeypatch):

    store = Store.open()
    sid = store.start_session()
    blocker = sqlite3.connect(debrief_home / "debrief.db", isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    store.db.execute("PRAGMA busy_timeout = 200")
    with pytest.raises(StorageError, match="busy in another program"):
        store.save_answer(sid, 0, "arrival", "Q", "x", None, [], None, None)
    blocker.execute("ROLLBACK")
    store.save_answer(sid, 0, "arrival", "Q", "x", None, [], None, None)
    assert store.turns(sid)[0]["answer"] == "x"


def test_the_rest_of_an_answer_ended_too_soon_keeps_its_audio_after_the_answer(debrief_home):
    """ "Hang on, I wasn't finished": the rest is saved with the answer
    (keep_heard), and its audio joins the answer's, not lost or replacing it."""
    import io
    import wave

    from assistant.audio.pcm import wav_bytes

    store = Store.open()
    sid = store.start_session()
    first, rest = b"\x01\x00" * 1600, b"\x02\x00" * 800
    words = [("two", 0.9)]
    store.save_answer(sid, 0, "arrival", "Q", "two the bus was late", 2.0, ["late"], None, None,
                      audio=wav_bytes(first), confidence=0.8, words=words)
    store.save_answer(sid, 0, "arrival", "Q", "two the bus was late and i got soaked", 2.0, ["late"], None, None,
                      audio=wav_bytes(rest), confidence=0.5, words=words + [("soaked", 0.7)], keep_heard=True)
    turn = store.db.execute("select id, answer, confidence, words from turns").fetchall()
    assert len(turn) == 1 and turn[0][1].endswith("soaked") and turn[0][2] == 0.8
    assert "soaked" in turn[0][3]
    (wav,) = store.db.execute("select wav from audio where turn_id = ?", [turn[0][0]]).fetchone()
    with wave.open(io.BytesIO(wav)) as w:
        assert w.readframes(w.getnframes()) == first + rest
    # a follow-up without audio keeps the answer's audio as it was
    store.save_answer(sid, 0, "arrival", "Q", "two the bus was late and i got soaked", 2.0, ["late"], None, None,
                      keep_heard=True)
    assert store.db.execute("select wav from audio").fetchone()[0] == wav
