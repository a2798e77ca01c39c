"""`number`: a number question with a fixed answer (`computed` when the answer comes from the line)."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.reference import Entry, Key

from ..answers import Answer
from ..base import Check
from ..registry import CheckType, register


@dataclass(frozen=True)
class NumberAnswer(Check):
    answer: float
    tolerance: float


class Number(Answer):
    def right_answer(self) -> float:
        return self.check.answer

    def judge(self, value: float) -> bool:
        return abs(value - self.check.answer) <= self.check.tolerance + 1e-9


def parse(reader, data, where: str) -> NumberAnswer:
    return NumberAnswer(float(reader.get(data, "answer", where, (int, float))),
                        float(reader.number(data, "tolerance", where, 0, 1e9, 0)))


register(CheckType(
    Entry("number", "a number question", (Key("type", '"number"', ""), Key("answer", "number", "the right answer"),
                                          Key("tolerance", "number >= 0", "allowed difference", 0)),
          "a wrong answer is refused, the solution's answer accepted"),
    NumberAnswer, parse, Number, ("quiz", "fault-drill"), probe="answer"))
