"""`increased`: the tag rose by `by` above the lowest value seen since the step started (a reset restarts it); kept."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key
from smarthall.edge.tags import TagValue

from ..base import DEFAULT_TIMEOUT_S, NO_GOOD_VALUE, TAG, TIMEOUT, Check, Latest, say, shown
from ..registry import CheckType, register
from .tag import LIVE

RISE = Text(ko="{tag}: +{rise} / 목표 +{by}", en="{tag}: +{rise} of +{by}")


@dataclass(frozen=True)
class CounterIncreased(Check):
    """The tag rose by at least `by` above the lowest value seen since the step started (a reset restarts it)."""

    tag: str
    by: float
    timeout_s: float = DEFAULT_TIMEOUT_S


class Increased(Latest):
    """Keeps that it rose: once the tag rose by `by` above the lowest value seen (a reset restarts it), it holds."""

    def __init__(self, check: CounterIncreased, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.lowest = None
        self.rise = 0.0
        self.reached: float | None = None

    def seen(self, value: TagValue) -> None:
        if self.good(value.tag) is None or isinstance(value.value, (bool, str)):
            return
        self.lowest = value.value if self.lowest is None else min(self.lowest, value.value)
        self.rise = max(self.rise, value.value - self.lowest)
        if self.reached is None and self.rise >= self.check.by - 1e-9:
            self.reached = value.timestamp

    def since(self) -> float | None:
        return self.reached

    def describe(self, now: float) -> Text:
        if self.lowest is None:
            return say(NO_GOOD_VALUE, tag=self.check.tag)
        return say(RISE, tag=self.check.tag, rise=shown(self.rise), by=shown(self.check.by))


def parse(reader, data, where: str) -> CounterIncreased:
    return CounterIncreased(reader.tag(data, where), reader.number(data, "by", where, 1e-9, 1e9),
                            reader.timeout(data, where))


register(CheckType(
    Entry("increased", "the value rose by `by` above the lowest seen since the step started (a reset restarts it);"
          " keeps it", (Key("type", '"increased"', ""), TAG, Key("by", "number > 0", "the rise wanted"), TIMEOUT),
          LIVE),
    CounterIncreased, parse, Increased, ("read-and-do", "fault-drill"), inner=True))
