"""`quality`: the tag's quality (good, bad, stale), held for `hold_s`."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key
from smarthall.edge.tags import TagValue

from ..base import DEFAULT_TIMEOUT_S, HOLD, NO_VALUE, TAG, TIMEOUT, Check, Held, named, quality_said, same, say
from ..registry import CheckType, register
from .tag import LIVE

QUALITIES = ("good", "bad", "stale")
WANT = Text(ko="{seen} (목표 {want})", en="{seen} (want {want})")


@dataclass(frozen=True)
class QualityCondition(Check):
    """The tag's quality must be `quality` for hold_s seconds within timeout_s."""

    tag: str
    quality: str
    hold_s: float = 0.0
    timeout_s: float = DEFAULT_TIMEOUT_S


class QualityHeld(Held):
    def condition(self, value: TagValue) -> bool:
        return value.quality == self.check.quality

    def shown(self, value: TagValue | None) -> Text:
        tag = self.check.tag
        seen = say(NO_VALUE, tag=tag) if value is None else say(same("{tag}: {q}"), tag=tag, q=quality_said(value))
        return say(WANT, seen=seen, want=named(self.check.quality))


def parse(reader, data, where: str) -> QualityCondition:
    return QualityCondition(reader.tag(data, where), reader.choice(data, "quality", where, QUALITIES),
                            reader.hold(data, where), reader.timeout(data, where))


register(CheckType(
    Entry("quality", "the tag's quality is `quality`",
          (Key("type", '"quality"', ""), TAG, Key("quality", " ".join(QUALITIES), ""), HOLD, TIMEOUT), LIVE),
    QualityCondition, parse, QualityHeld, ("read-and-do", "fault-drill"), inner=True))
