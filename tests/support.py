"""Driving the CLI in tests: a typed debrief that touches every rule, and
small wrappers around click's CliRunner."""

from click.testing import CliRunner

from assistant.cli import cli

# A typed debrief that touches every rule: a rating per stage, causes
# (late, examples, technical), an improvement and a win.
TYPED_ANSWERS = [
    "3, some traffic on the way so I was rushing",
    "four, the small talk was easy",
    "2 because I couldn't think of good examples of my work",
    "two, a coding question stumped me",
    "three, I had questions ready",
    "next time I should practise my examples out loud",
    "I nailed the story about the migration",
]


def run(*args, input=None):
    """Invoke `debrief ARGS...` in-process (stdout and stderr kept apart)."""
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def typed_debrief(*extra, lines=TYPED_ANSWERS):
    """`debrief start --text` with one line per answer; must succeed."""
    result = run("start", "--text", *extra, input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return result


def saved_id(result) -> int:
    """The debrief id: the last line a debrief prints on stdout."""
    return int(result.stdout.strip().splitlines()[-1])


def prompts_copy(tmp_path, monkeypatch, cached):
    """A copy of the prompts folder that debrief reads instead (DEBRIEF_PROMPTS),
    with the loader `cached` (an lru_cache'd function) cleared now and after
    the test; yields the folder."""
    import shutil
    from pathlib import Path

    folder = tmp_path / "prompts"
    shutil.copytree(Path(__file__).resolve().parent.parent / "prompts", folder)
    monkeypatch.setenv("DEBRIEF_PROMPTS", str(folder))
    cached.cache_clear()
    yield folder
    cached.cache_clear()
