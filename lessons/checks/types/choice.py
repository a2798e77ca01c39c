"""`choice`: a multiple-choice question; the choices are shown numbered from 1, the file counts from 0."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key

from ..answers import Answer
from ..base import Check, say
from ..registry import CheckType, register

CHOSEN = Text(ko="{n}번", en="choice {n}")


@dataclass(frozen=True)
class ChoiceAnswer(Check):
    """A multiple-choice question; `answer` is the index of the right choice."""

    choices: tuple[Text, ...]
    answer: int


class Choice(Answer):
    def right_answer(self) -> float:
        return self.check.answer

    def wrong_answer(self) -> float:
        return (self.check.answer + 1) % len(self.check.choices)

    def judge(self, value: float) -> bool:
        return value == self.check.answer

    def said(self, value: float) -> Text:
        return say(CHOSEN, n=int(value) + 1)  # shown to the trainee numbered from 1


def parse(reader, data, where: str) -> ChoiceAnswer:
    choices = reader.texts(data, "choices", where)
    if len(choices) < 2:
        raise reader.fail(f"{where}.choices", Text(ko="선택 문제에는 보기가 둘 이상 있어야 합니다",
                                                   en="a choice question needs at least two choices"))
    answer = reader.get(data, "answer", where, int)
    if not 0 <= answer < len(choices):
        span = f"0..{len(choices) - 1}"
        raise reader.fail(f"{where}.answer", Text(ko=f"보기의 번호({span}, 0부터)여야 합니다, 받은 값 {answer}",
                                                  en=f"expected the index of a choice, {span}, got {answer}"))
    return ChoiceAnswer(choices, answer)


register(CheckType(
    Entry("choice", "a multiple-choice question; the choices are shown numbered from 1",
          (Key("type", '"choice"', ""), Key("choices", "list of {ko, en}", "at least two"),
           Key("answer", "whole number", "the index of the right choice, counted from 0")),
          "a wrong choice is refused, the solution's answer accepted"),
    ChoiceAnswer, parse, Choice, ("quiz", "fault-drill"), probe="answer"))
