"""The dialogue engine: asks the script's questions, understands the answers,
and says the summary. It does no I/O of its own: it talks to a Speaker, a
Listener and a Recorder, and knows nothing about click, SQLite or audio.

Interactive listeners get follow-ups (the number, once) and one shorter
reprompt after an empty answer. Non-interactive ones (a pipe, a recording) get
exactly one input per question, in order: an input that is only a command
word acts as that command, and an empty one skips.

An answer that starts as the rest of the one before ("and then ...", see
understanding/pauses.carries_on), right after a short pause ended that one
(Heard.quick_end: a spoken answer the pause rules took as finished), is kept
with it, and the question is asked again; unless it names the lesson the
question asks for ("and next time i should ..." to "one thing you'd do
differently").
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from assistant.console import rating_text
from assistant.dialogue.answers import (
    Answer,
    Outcome,
    add_followup,
    carry_on,
    conclusions,
    rating_in_doubt,
    understand,
)
from assistant.dialogue.script import Phrases, Script, Stage
from assistant.dialogue.summary import compose, quoted
from assistant.errors import DeviceLostError
from assistant.interfaces import Heard, Listener, Speaker
from assistant.understanding import extract as rules
from assistant.understanding.pauses import carries_on

FOLLOW_UP_TURNS = 3  # times a follow-up is asked or listened for ("say that again", "hang on")


class Recorder(Protocol):
    # `adding`: a follow-up adds to the answer already saved (its audio stays)
    def save_answer(
        self, position: int, stage: Stage, answer: Answer, heard: Heard | None, *, adding: bool = False
    ) -> None: ...
    def finish(self, outcome: Outcome) -> None: ...
    def crumple(self) -> None: ...  # let go of the transcript, keep the lessons


class Flow:
    def __init__(
        self,
        script: Script,
        phrases: Phrases,
        speaker: Speaker,
        listener: Listener,
        recorder: Recorder,
        *,
        rng: random.Random | None = None,
        company: str | None = None,
        extra_lines: Callable[[dict[str, Answer]], list[str]] | None = None,
        show_summary: Callable[[str], None] | None = None,
        speak_summary: bool = True,
    ):
        self.script = script
        self.phrases = phrases
        self.speaker = speaker
        self.listener = listener
        self.recorder = recorder
        self.rng = rng or random.Random()
        self.company = company
        self.extra_lines = extra_lines
        self.show_summary = show_summary
        self.speak_summary = speak_summary
        self._replies = 0  # follow-up questions asked so far

    def say(self, key: str, **values) -> None:
        self.speaker.say(self.phrases.pick(key, self.rng, **values))

    def run(self, answers: dict[str, Answer] | None = None) -> Outcome:
        answers = dict(answers or {})
        stages = self.script.stages
        resuming = bool(answers)
        if not resuming:
            if self.company:
                self.say("greeting_company", company=self.company)
            else:
                self.say("greeting")
        i = next((n for n, s in enumerate(stages) if s.id not in answers), len(stages))
        reprompted = False
        waiting = False  # "hang on": listen again without asking again
        cut_short: int | None = None  # the answer just given, when a short pause ended it
        while i < len(stages):
            stage = stages[i]
            question = stage.short if reprompted else stage.question
            if reprompted:
                question = f"{self.phrases.pick('reprompt', self.rng)} {question}"
            if not waiting:
                self.speaker.say(question)
                self._prepare(stages[i + 1].question if i + 1 < len(stages) else None)
            waiting = False
            heard = self._listen_keeping_partial(answers, i, stage)
            if heard is None:
                return self._stop(answers, stopped=False)
            text = heard.text.strip()
            command = rules.command_word(text) if text else None
            if command == "stop":
                self.say("stop_ack")
                return self._stop(answers, stopped=True)
            if command in ("repeat", "help"):
                if command == "help":
                    self.say("help")
                reprompted = False  # asked for on purpose: the full question again
                continue
            if command == "wait":  # a moment to think: the answer is still to come
                self.say("take_time")
                waiting = True
                continue
            more = "" if command == "more" else rules.more_said_first(text)
            if more is not None:  # "hang on, i wasn't finished": the last answer was ended too soon
                step = self._carry_on(answers, i, more, heard)
                if step == "stop":
                    return self._stop(answers, stopped=True)
                reprompted = False  # then this question again, in full
                waiting = step == "wait"  # nothing to carry on yet: a moment to think
                continue
            if command == "back":
                if i == 0:
                    self.say("back_at_start")
                else:
                    self.say("back_ack")
                    i -= 1
                reprompted = False
                continue
            if command == "skip" or (not text and (reprompted or not self.listener.interactive)):
                self.say("skip_ack" if command == "skip" else "no_answer")
                self._accept(answers, i, Answer(stage.id, None), heard if text else None)
                i, reprompted = i + 1, False
                continue
            if not text:
                reprompted = True
                continue
            if cut_short == i - 1 and carries_on(text) and not rules.names_its_lesson(text, stage.kind):
                # "... in one quarter, | and the hiring manager unmuted ...": the last
                # answer went on after the pause that ended it; then this question again.
                # Not when it names what this question asks for: "and system design i
                # should draw the big picture first" answers "one thing you'd do differently"
                self._carry_on(answers, i, text, heard, done="carried_on")
                cut_short = i - 1 if heard.quick_end else None
                reprompted = False
                continue
            answer = understand(
                stage, text, heard.rating, heard.words, heard_adds=heard.rating_adds, heard_sure=heard.rating_sure
            )
            self._accept(answers, i, answer, heard)
            replies = self._replies
            if self.listener.interactive and self._follow_ups(answers, i, stage) == "stop":
                return self._stop(answers, stopped=True)
            cut_short = i if heard.quick_end and self._replies == replies else None
            i, reprompted = i + 1, False
        return self._finish(answers)

    def _carry_on(
        self, answers: dict[str, Answer], i: int, more: str, heard: Heard, done: str = "more_done"
    ) -> str | None:
        """The person was cut off: what they say next (`more`, the words after
        "sorry, i wasn't finished", or, when they said only that, the reply to
        "Sorry, go on.") is kept with the last answer, whose rules read it
        whole. "wait" before the first answer, when there is nothing to carry
        on (it is a moment to think); "stop" when the person said stop."""
        last = next((k for k in range(i - 1, -1, -1) if self.script.stages[k].id in answers), None)
        if last is None:
            self.say("take_time")
            return "wait"
        stage = self.script.stages[last]
        if not more:
            reply, more, command = self._reply("answer" if stage.rated else "lesson", "more_ack")
            if command == "stop":
                return "stop"
            if reply is None or not more or command is not None:
                return None
            heard = reply
        else:
            heard = replace(heard, text=more)
        self._accept(answers, last, carry_on(stage, answers[stage.id], more, heard), heard, adding=True)
        self.say(done)
        return None

    def _prepare(self, text: str | None) -> None:
        """Let a speaker that can render ahead get the likely next prompt ready
        while the person answers, so the turn is quick."""
        if text:
            self.speaker.prepare(text)

    def _listen_keeping_partial(self, answers: dict[str, Answer], i: int, stage: Stage) -> Heard | None:
        """Listen for an answer; if the microphone is lost mid-answer, keep
        what was heard so far as the answer, then let the caller handle it."""
        try:
            return self.listener.listen("answer" if stage.rated else "lesson")
        except DeviceLostError:
            partial = self.listener.partial_heard
            if partial is not None and partial.text.strip():
                text = partial.text.strip()
                answer = understand(
                    stage,
                    text,
                    partial.rating,
                    partial.words,
                    heard_adds=partial.rating_adds,
                    heard_sure=partial.rating_sure,
                )
                self._accept(answers, i, answer, partial)
            raise

    def _accept(
        self, answers: dict[str, Answer], i: int, answer: Answer, heard: Heard | None, *, adding: bool = False
    ) -> None:
        answers[answer.stage] = answer
        self.recorder.save_answer(i, self.script.stages[i], answer, heard, adding=adding)

    def _follow_ups(self, answers: dict[str, Answer], i: int, stage: Stage) -> str | None:
        """The short questions an interactive debrief may add after an answer,
        each at most once: the number when none was heard (or a yes/no when
        the one heard is in doubt), "even something small?" after a
        non-answer to the improvement or the win, and, after the last rated
        stage, why it turned where it did. "stop" when the person said stop."""
        answer = answers[stage.id]
        step: str | None = None
        if rating_in_doubt(answer):
            step = self._confirm_rating(answers, i, stage)
        elif stage.rated and answer.rating is None:
            step = self._follow_up(answers, i, stage)
        elif stage.kind in ("improve", "nailed") and getattr(answer, stage.kind) is None and answer.text:
            if rules.is_non_answer(answer.text):
                step = self._ask_again(answers, i, stage, "lesson_nudge")
        if step != "stop" and stage.rated and stage is self._last_rated():
            step = self._ask_why(answers)
        return step

    def _last_rated(self) -> Stage | None:
        return next((s for s in reversed(self.script.stages) if s.rated), None)

    def _ask_again(self, answers: dict[str, Answer], i: int, stage: Stage, key: str, **values: str) -> str | None:
        """One gentle follow-up question; the reply is kept with that stage's
        answer and read by the rules."""
        _, reply, command = self._reply("lesson", key, **values)
        if command == "stop":
            return "stop"
        if not reply or command is not None or rules.is_non_answer(reply):
            return None
        self._accept(answers, i, add_followup(stage, answers[stage.id], reply), None, adding=True)
        return None

    def _ask_why(self, answers: dict[str, Answer]) -> str | None:
        """Where it went downhill, when the answer there named no reason: ask
        why, once."""
        downhill, _, _ = conclusions(self.script, answers)
        if downhill is None or downhill not in answers or answers[downhill].text is None:
            return None
        turned = answers[downhill]
        if [c for c in turned.causes if c not in turned.positive] or turned.followup:
            return None
        stage = self.script.get(downhill)
        return self._ask_again(answers, self.script.ids().index(downhill), stage, "ask_why", label=stage.label)

    def _confirm_rating(self, answers: dict[str, Answer], i: int, stage: Stage) -> str | None:
        """A rating heard in doubt, checked in one short yes/no turn; "no"
        leads to the number question."""
        rating = answers[stage.id].rating
        assert rating is not None
        heard, text, command = self._reply("yesno", "rating_confirm", rating=rating_text(rating))
        if command == "stop":
            return "stop"
        if heard is None or command is not None:
            return None
        said = rules.yes_no(text)
        if said is False:
            return self._follow_up(answers, i, stage)
        if said:  # checked: the rating stands, beyond doubt now
            self._accept(answers, i, replace(answers[stage.id], rating_sure=True), None, adding=True)
        return None

    def _follow_up(self, answers: dict[str, Answer], i: int, stage: Stage) -> str | None:
        heard, text, command = self._reply("number", "number_followup", label=stage.label)
        if command == "stop":
            return "stop"
        if heard is None or not text:
            return None
        rating = heard.rating if heard.rating is not None else rules.extract(text, stage.kind).rating
        if rating is not None:
            self._accept(answers, i, replace(answers[stage.id], rating=rating, rating_sure=True), None, adding=True)
        return None

    def _reply(self, kind: str, key: str, **values: str) -> tuple[Heard | None, str, str | None]:
        """Ask a follow-up (the phrase `key`) and take the reply: what was
        heard, its text and the command it is (None if none). "Say that
        again" asks it again and "hang on" listens again, a few times at
        most; "stop" is acknowledged here and the caller stops."""
        self.say(key, **values)
        self._replies += 1
        for _ in range(FOLLOW_UP_TURNS):
            heard = self.listener.listen(kind)
            text = heard.text.strip() if heard is not None else ""
            command = rules.command_word(text) if text else None
            if command == "stop":
                self.say("stop_ack")
            if heard is None or command not in ("repeat", "help", "wait"):
                return heard, text, command
            if command == "wait":
                self.say("take_time")
            else:
                if command == "help":
                    self.say("help")
                self.say(key, **values)
        return None, "", None

    def _stop(self, answers: dict[str, Answer], *, stopped: bool) -> Outcome:
        downhill, improve, nailed = conclusions(self.script, answers)
        outcome = Outcome("interrupted", answers, downhill, improve, nailed, None, stopped)
        self.recorder.finish(outcome)
        return outcome

    def _finish(self, answers: dict[str, Answer]) -> Outcome:
        downhill, improve, nailed = conclusions(self.script, answers)
        extra = self.extra_lines(answers) if self.extra_lines else []
        summary = compose(self.script, self.phrases, answers, downhill, improve, nailed, self.rng, extra)
        outcome = Outcome("complete", answers, downhill, improve, nailed, summary)
        outcome.quotes = quoted(self.script, answers, improve, nailed)
        self.recorder.finish(outcome)
        if self.show_summary:
            self.show_summary(summary)
        if self.speak_summary:
            self.speaker.say(summary)
        if self.listener.interactive:
            self._offer_crumple(outcome)
        self.say("closing")
        return outcome

    def _offer_crumple(self, outcome: Outcome) -> None:
        """The method's last step: keep the lesson, throw away the paper."""
        self.say("crumple_offer")
        heard = self.listener.listen("yesno")
        if heard is not None and rules.yes_no(heard.text):
            self.recorder.crumple()
            outcome.crumpled = True
            self.say("crumple_done")
