"""What the question check types share: an answer is right once, and wrong answers are counted."""

from __future__ import annotations

from smarthall.devices.profiles import Text
from smarthall.edge.tags import TagValue

from .base import Latest, say, shown

NO_ANSWER = Text(ko="아직 답 없음", en="no answer yet")
RIGHT = Text(ko="{said}: 정답", en="{said}: right")
WRONG = Text(ko="{said}: 오답 (지금까지 {wrong}번 틀림)", en="{said}: wrong ({wrong} wrong so far)")
SAID = Text(ko="답 {value}", en="answer {value}")


class Answer(Latest):
    """Right once the trainee gives a right answer; an answer that needs a live value is judged when one comes."""

    takes_answer = True

    def __init__(self, check, started: float) -> None:
        super().__init__(check, started)
        self.given: tuple[float, float] | None = None  # (answer, when), judged when a live value comes
        self.right: float | None = None  # when a right answer was given
        self.wrong = 0
        self.last: float | None = None  # the last answer given

    def answer(self, value: float, at: float | None = None) -> bool | None:
        at = self.started if at is None else at
        verdict = self.judge(value)
        self.given = (value, at) if verdict is None else None
        self._count(value, verdict, at)
        return verdict

    def _count(self, value: float, verdict: bool | None, at: float) -> None:
        self.last = value
        if verdict is False:
            self.wrong += 1
        elif verdict and self.right is None:
            self.right = at

    def seen(self, value: TagValue) -> None:
        if self.given is not None:
            answer, _ = self.given
            self.given = None
            self._count(answer, self.judge(answer), value.timestamp)

    def judge(self, value: float) -> bool | None:
        """Whether `value` is right now (None: not known until a live value comes)."""
        raise NotImplementedError

    def right_answer(self) -> float | None:
        """The right answer now (None: not known yet)."""
        raise NotImplementedError

    def wrong_answer(self) -> float | None:
        right = self.right_answer()
        return None if right is None else right + 10 * self.check.tolerance + 1

    def since(self) -> float | None:
        return self.right

    def said(self, value: float) -> Text:
        return say(SAID, value=shown(value))

    def describe(self, now: float) -> Text:
        if self.last is None:
            return NO_ANSWER
        if self.right is not None:
            return say(RIGHT, said=self.said(self.last))
        return say(WRONG, said=self.said(self.last), wrong=self.wrong)
