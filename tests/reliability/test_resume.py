"""Resume: a debrief interrupted by the end of input, by `stop` or by Ctrl-C
is finished by `debrief resume` (typed or from a recording), complete, with
all seven stages and the earlier answers exactly as they were."""

from __future__ import annotations

import signal
import subprocess

import pytest

from rel_support import STAGES, clear_error, connect, fault, last_id, popen, run, saved_stages, session
from rel_support import TYPED_ANSWERS as TEXT_ANSWERS



def rows(home, sid):
    with connect(home) as conn:
        return conn.execute("select stage, answer, rating, causes, answered_at from turns "
                            "where session_id = ? order by position", [sid]).fetchall()


def interrupt_by_text(home, how: str) -> tuple[int, int]:
    """(session id, answers kept) after a typed debrief ended early."""
    lines = TEXT_ANSWERS[:3] + (["stop"] if how == "stop" else [])
    proc = run(["start", "--text"], home, input="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    sid = last_id(proc.stdout)
    assert f"debrief resume {sid}" in proc.stderr
    assert ("Stopped" if how == "stop" else "Input ended") in proc.stderr
    return sid, 3


def interrupt_by_ctrl_c(home, recording) -> tuple[int, int]:
    # Ctrl-C must reach the child even when the tests themselves were started in the
    # background (`cmd &` in a script ignores SIGINT, and children inherit that).
    proc = popen(["start", "--input", recording, "--engine", "pocketsphinx", "--no-speak"], home,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                 preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    err = []
    try:
        for line in proc.stderr:  # wait for the second saved answer, then press Ctrl-C
            err.append(line)
            if len(saved_stages("".join(err))) == 2:
                proc.send_signal(signal.SIGINT)
                break
        out, rest = proc.communicate(timeout=30)
    finally:
        proc.kill()
    fault()
    stderr = "".join(err) + rest
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    sid = last_id(out)
    hints = [line for line in stderr.splitlines() if "debrief resume" in line]
    assert hints == [f"Stopped. Your answers so far are saved; continue with `debrief resume {sid}`."], stderr
    kept = saved_stages(stderr)
    assert kept[:2] == STAGES[:2]
    return sid, len(kept)


@pytest.mark.parametrize("how,resume_with", [
    ("eof", "text"), ("stop", "input"), ("ctrl-c", "text"), ("ctrl-c", "input"),
])
def test_interrupted_debrief_is_resumed_to_complete(debrief_home, voice_audio, how, resume_with):
    home = debrief_home
    if how == "ctrl-c":
        sid, kept = interrupt_by_ctrl_c(home, voice_audio.full)
    else:
        sid, kept = interrupt_by_text(home, how)
    before = rows(home, sid)
    assert [r[0] for r in before] == STAGES[:kept]
    assert session(home, sid)["status"] == "interrupted"

    args = ["resume"] + ([str(sid)] if how != "eof" else [])  # without ID: the latest interrupted
    if resume_with == "text":
        proc = run(args + ["--text"], home, input="\n".join(TEXT_ANSWERS[kept:]) + "\n")
    else:
        rest = voice_audio.recording(kept)
        proc = run(args + ["--input", rest, "--engine", "pocketsphinx", "--no-speak"], home)
    assert proc.returncode == 0, proc.stderr
    assert last_id(proc.stdout) == sid
    assert f"Resuming debrief {sid}" in proc.stderr
    after = rows(home, sid)
    assert [r[0] for r in after] == STAGES
    assert after[:kept] == before, "an earlier answer changed on resume"
    assert all(r[1] for r in after), after
    s = session(home, sid)
    assert s["status"] == "complete" and s["summary"]
    if resume_with == "text":
        assert [r[1] for r in after[kept:]] == TEXT_ANSWERS[kept:]
    # resumed questions start at the first unanswered one: the earlier ones are not asked again
    assert "getting there and waiting" not in proc.stderr


def test_resume_of_complete_or_unknown_is_one_sentence(debrief_home):
    home = debrief_home
    proc = run(["resume"], home)
    assert "no interrupted debrief" in clear_error(proc)
    done = run(["start", "--text"], home, input="\n".join(TEXT_ANSWERS) + "\n")
    sid = last_id(done.stdout)
    msg = clear_error(run(["resume", str(sid), "--text"], home, input="x\n"))
    assert "already complete" in msg and f"debrief show {sid}" in msg
    msg = clear_error(run(["resume", "999", "--text"], home, input="x\n"))
    assert "no debrief with id 999" in msg
    msg = clear_error(run(["resume", "seven"], home))
    assert "not a debrief id" in msg
    # only complete debriefs: resume without an id has nothing to continue
    assert "no interrupted debrief" in clear_error(run(["resume", "--text"], home, input="x\n"))
