"""`reading`: the number the trainee reads off the line equals the tag's live value within `tolerance`."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.reference import Entry, Key

from ..answers import Answer
from ..base import TAG, Check
from ..registry import CheckType, register

TOLERANCE = Key("tolerance", "number >= 0", "allowed difference")


@dataclass(frozen=True)
class ReadingMatches(Check):
    """The number the trainee read off the line equals the tag's live value within tolerance."""

    tag: str
    tolerance: float


class Reading(Answer):
    def __init__(self, check: ReadingMatches, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.secret = self.tags  # the step's tag table leaves out what the trainee is asked to find

    def right_answer(self) -> float | None:
        live = self.good(self.check.tag)
        return None if live is None else live.value

    def judge(self, value: float) -> bool | None:
        right = self.right_answer()
        return None if right is None else abs(value - right) <= self.check.tolerance + 1e-9


def parse(reader, data, where: str) -> ReadingMatches:
    return ReadingMatches(reader.tag(data, where), reader.number(data, "tolerance", where, 0, 1e9))


register(CheckType(
    Entry("reading", "the number the trainee reads off the line equals the tag's live value within `tolerance`; the"
          " step's tag table leaves the tag out", (Key("type", '"reading"', ""), TAG, TOLERANCE),
          "a wrong answer is refused, the live value is accepted"),
    ReadingMatches, parse, Reading, ("read-and-do", "quiz", "fault-drill"), probe="answer"))
