import pytest


@pytest.fixture(autouse=True)
def debrief_home(tmp_path, monkeypatch):
    """Tests never touch the real home: the data dir is a fresh temp dir."""
    home = tmp_path / "debrief-home"
    monkeypatch.setenv("DEBRIEF_HOME", str(home))
    monkeypatch.delenv("DEBRIEF_MODEL", raising=False)
    monkeypatch.delenv("DEBRIEF_PROMPTS", raising=False)
    return home
