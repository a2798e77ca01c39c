"""`tag`: the tag's value compared with a value, held for `hold_s`."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.profiles import Text
from smarthall.devices.quality import Quality
from smarthall.devices.reference import Entry, Key
from smarthall.edge.tags import TagValue

from ..base import (
    DEFAULT_TIMEOUT_S,
    HOLD,
    NO_VALUE,
    TAG,
    TIMEOUT,
    Check,
    Held,
    compare,
    quality_said,
    same,
    say,
    value_said,
)
from ..registry import CheckType, register

OPERATORS = ("==", "!=", "<", "<=", ">", ">=")
WANT = Text(ko="{seen} (목표 {op} {value})", en="{seen} (want {op} {value})")


@dataclass(frozen=True)
class TagCondition(Check):
    """`tag op value` must hold for hold_s seconds within timeout_s."""

    tag: str
    op: str
    value: bool | int | float
    hold_s: float = 0.0
    timeout_s: float = DEFAULT_TIMEOUT_S


class TagHeld(Held):
    def condition(self, value: TagValue) -> bool:
        return value.quality is Quality.GOOD and value.value is not None and compare(
            self.check.op, value.value, self.check.value)

    def shown(self, value: TagValue | None) -> Text:
        tag = self.check.tag
        if value is None:
            seen = say(NO_VALUE, tag=tag)
        elif value.quality is not Quality.GOOD:
            seen = say(same("{tag}: {q}"), tag=tag, q=quality_said(value))
        else:
            seen = say(same("{tag} = {value}"), tag=tag, value=value_said(value.value))
        return say(WANT, seen=seen, op=self.check.op, value=value_said(self.check.value))


def operator_of(reader, data, where: str) -> str:
    """The check's `op`, one of OPERATORS."""
    op = reader.get(data, "op", where, str)
    if op not in OPERATORS:
        listed = " ".join(OPERATORS)
        raise reader.fail(f"{where}.op", Text(ko=f"알 수 없는 연산자 {op!r}: {listed} 중 하나여야 합니다",
                                              en=f"unknown operator {op!r}: expected one of {listed}"))
    return op


def parse(reader, data, where: str) -> TagCondition:
    tag = reader.tag(data, where)
    op = operator_of(reader, data, where)
    value = reader.get(data, "value", where, (bool, int, float))
    if reader.line is not None:
        reader.value_fits(tag, value, f"{where}.value")
    if isinstance(value, bool) and op not in ("==", "!="):
        raise reader.fail(f"{where}.op", Text(ko=f"{tag}는 bool과 비교합니다: {op}가 아니라 == 나 != 를 쓰세요",
                                              en=f"{tag} is compared with a bool: use == or !=, not {op}"))
    return TagCondition(tag, op, value, reader.hold(data, where), reader.timeout(data, where))


LIVE = "fails on the untouched line for 0.5 s, passes within its timeout after the reference solution"
register(CheckType(
    Entry("tag", "the tag's value compared with `value` (float equality within 1e-6); a BAD value never holds",
          (Key("type", '"tag"', ""), TAG, Key("op", " ".join(OPERATORS), "the comparison (a bool: == or != only)"),
           Key("value", "bool or number", "what the value is compared with"), HOLD, TIMEOUT), LIVE),
    TagCondition, parse, TagHeld, ("read-and-do", "fault-drill"), inner=True))
