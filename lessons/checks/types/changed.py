"""`changed`: the tag's value differed once from the first good value seen after the step started; kept."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.reference import Entry, Key
from smarthall.edge.tags import TagValue

from ..base import DEFAULT_TIMEOUT_S, NO_GOOD_VALUE, TAG, TIMEOUT, Check, Latest, compare, same, say, value_said
from ..registry import CheckType, register
from .tag import LIVE

WANT_CHANGE = Text(ko="{tag} = {value} (변화 기다림)", en="{tag} = {value} (want a change)")


@dataclass(frozen=True)
class TagChanged(Check):
    """The tag's value differs from its value when the step started."""

    tag: str
    timeout_s: float = DEFAULT_TIMEOUT_S


class Changed(Latest):
    """Keeps that it changed: once the value differed from the first one seen, the check holds."""

    def __init__(self, check: TagChanged, started: float) -> None:
        super().__init__(check, started)
        self.tags = frozenset({check.tag})
        self.baseline = None
        self.changed: tuple[object, float] | None = None  # (the new value, when)

    def seen(self, value: TagValue) -> None:
        if self.good(value.tag) is None:
            return
        if self.baseline is None:
            self.baseline = value.value
        elif self.changed is None and not compare("==", value.value, self.baseline):
            self.changed = (value.value, value.timestamp)

    def since(self) -> float | None:
        return None if self.changed is None else self.changed[1]

    def describe(self, now: float) -> Text:
        tag = self.check.tag
        if self.baseline is None:
            return say(NO_GOOD_VALUE, tag=tag)
        if self.changed is not None:
            return say(same("{tag}: {old} -> {new}"), tag=tag, old=value_said(self.baseline),
                       new=value_said(self.changed[0]))
        return say(WANT_CHANGE, tag=tag, value=value_said(self.baseline))


def parse(reader, data, where: str) -> TagChanged:
    return TagChanged(reader.tag(data, where), reader.timeout(data, where))


register(CheckType(
    Entry("changed", "the value differed once from the first good value seen after the step started; keeps it",
          (Key("type", '"changed"', ""), TAG, TIMEOUT), LIVE),
    TagChanged, parse, Changed, ("read-and-do", "fault-drill"), inner=True))
