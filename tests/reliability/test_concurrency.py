"""Two debriefs at the same moment: every writer takes the write lock with
`BEGIN IMMEDIATE` and waits its turn, so two `start --text` processes
answering at the same instant, an `edit` and the review commands running
alongside all succeed, and no answer is lost. No command probes a shared
file to see whether the folder is writable."""

from __future__ import annotations

import json
import threading

from rel_support import (STAGES, Stepper, concurrent_round, fault, last_id, lost, run, session, turns)

ROUNDS = 20
QUESTIONS = ["getting there and waiting", "first impressions", "experience and examples",
             "toughest questions", "questions for them", "differently next time", "one thing you nailed"]


def answers_for(who: str, n: int) -> list[str]:
    return [
        f"three, {who} round {n} traffic was fine",
        f"four, {who} round {n} small talk was easy",
        f"two, {who} round {n} I could not think of examples",
        f"two, {who} round {n} a coding question stumped me",
        f"four, {who} round {n} I had questions ready",
        f"next time {who} should practise examples in round {n}",
        f"I nailed the {who} migration story in round {n}",
    ]


class Reviewers:
    """Review commands run over and over while the debriefs answer."""

    def __init__(self, home):
        self.home = home
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.runs = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        commands = [["list", "--json"], ["show", "--json"], ["search", "traffic"], ["trends", "--json"],
                    ["export", "--all", "--format", "json"], ["list"]]
        i = 0
        while not self.stop.is_set():
            args = commands[i % len(commands)]
            i += 1
            proc = run(args, self.home, timeout=60)
            self.runs += 1
            no_data_yet = "no debrief yet" in proc.stderr.lower() or "no debriefs" in proc.stderr.lower()
            if "Traceback" in proc.stderr or (proc.returncode != 0 and not no_data_yet):
                self.failures.append(f"{args}: exit {proc.returncode}: {proc.stderr[-500:]}")
            if args[0] == "export" and proc.returncode == 0:
                json.loads(proc.stdout)  # a whole, consistent document
            self.stop.wait(0.2)  # alongside, not crowding the two debriefs off the CPU

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=120)


def test_two_debriefs_answering_at_the_same_instant_keep_every_answer(tmp_path):
    home = tmp_path / "home"  # not created: the first round also races to create the database
    saved = 0
    with Reviewers(home) as reviewers:
        for n in range(ROUNDS):
            a_answers, b_answers = answers_for("alpha", n), answers_for("beta", n)
            a = Stepper(["start", "--text", "--company", f"Alpha {n}"], home)
            b = Stepper(["start", "--text", "--company", f"Beta {n}"], home)
            editor = None
            for i, question in enumerate(QUESTIONS):
                assert a.wait_for(question), f"round {n}: alpha was not asked '{question}': {''.join(a.err)[-800:]}"
                assert b.wait_for(question), f"round {n}: beta was not asked '{question}': {''.join(b.err)[-800:]}"
                if i == 2 and n:  # a correction of an earlier debrief lands at the same instant too
                    editor = threading.Thread(target=lambda: edits.append(
                        run(["edit", 1, "--stage", "opening", "--rating", str(2 + n % 3)], home)))
                    edits: list = []
                    editor.start()
                a.type(a_answers[i])  # both answers at the same instant
                b.type(b_answers[i])
            done_a, done_b = a.finish(timeout=60), b.finish(timeout=60)
            if editor is not None:
                editor.join(timeout=60)
                proc = edits[0]
                assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-1500:]
            for who, done, expected in (("alpha", done_a, a_answers), ("beta", done_b, b_answers)):
                assert "Traceback" not in done.stderr, done.stderr[-2000:]
                if done.returncode != 0:
                    lost(f"round {n}: {who} failed: {done.stderr.strip().splitlines()[-1:]}")
                    continue
                sid = last_id(done.stdout)
                stored = [answer for _, answer in turns(home, sid)]
                for stage, answer in zip(STAGES, expected, strict=True):
                    if answer not in stored:
                        lost(f"round {n}: {who} {stage} answer is not in debrief {sid}")
                assert stored == expected, (n, who, stored)
                assert session(home, sid)["status"] == "complete"
                saved += len(stored)
            concurrent_round()
            fault()
    assert reviewers.failures == [], reviewers.failures[:5]
    assert reviewers.runs >= ROUNDS, reviewers.runs
    assert saved == ROUNDS * 2 * len(STAGES)
    assert not list(home.glob(".write-check*")), "no shared probe file is written"
