"""Running one debrief: the flow engine wired to the store.

`StoreRecorder` writes each accepted answer the moment the flow accepts it,
and the outcome at the end.
"""

from __future__ import annotations

from collections.abc import Callable

from assistant.dialogue.answers import Answer, Outcome
from assistant.dialogue.script import Stage
from assistant.interfaces import Heard
from assistant.storage.store import Store


class StoreRecorder:
    def __init__(
        self,
        store: Store,
        session_id: int,
        *,
        keep_audio: bool = True,
        on_saved: Callable[[Stage, Answer, Heard | None], None] | None = None,
    ):
        self.store = store
        self.session_id = session_id
        self.keep_audio = keep_audio
        self.on_saved = on_saved
        self.saved = 0

    def save_answer(
        self, position: int, stage: Stage, answer: Answer, heard: Heard | None, *, adding: bool = False
    ) -> None:
        self.store.save_answer(
            self.session_id,
            position,
            stage.id,
            stage.question,
            answer.text,
            answer.rating,
            answer.causes,
            answer.improve,
            answer.nailed,
            audio=heard.audio if (heard and self.keep_audio) else None,
            confidence=heard.confidence if heard else None,
            words=answer.words,
            followup=answer.followup,
            positive=answer.positive,
            rating_sure=answer.rating_sure,
            keep_heard=adding,
        )
        self.saved += 1
        if self.on_saved:
            self.on_saved(stage, answer, heard)

    def finish(self, outcome: Outcome) -> None:
        self.store.finish(
            self.session_id,
            status=outcome.status,
            downhill=outcome.downhill,
            improve=outcome.improve,
            nailed=outcome.nailed,
            summary=outcome.summary,
            quotes=outcome.quotes,
        )

    def crumple(self) -> None:
        self.store.crumple(self.session_id)
