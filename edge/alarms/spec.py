"""Alarm configuration: kinds, priorities and the frozen, validated AlarmSpec."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from smarthall.devices.quality import Value

from .errors import InvalidAlarmSpec


class AlarmKind(StrEnum):
    """What condition an alarm watches."""

    HI = "hi"
    HIHI = "hihi"
    LO = "lo"
    LOLO = "lolo"
    DISCRETE = "discrete"

    @property
    def is_high(self) -> bool:
        return self in (AlarmKind.HI, AlarmKind.HIHI)

    @property
    def is_limit(self) -> bool:
        return self is not AlarmKind.DISCRETE


class Priority(StrEnum):
    """ISA-18.2 priority, ordered; `severity` is the OPC UA Part 9 severity (1..1000)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Priority.LOW: 250, Priority.MEDIUM: 500, Priority.HIGH: 750, Priority.URGENT: 1000}


@dataclass(frozen=True)
class AlarmSpec:
    """One configured alarm.

    Limit kinds (hi, hihi, lo, lolo) use `limit` and `deadband`: a high alarm's condition
    becomes true at value >= limit and false again only below limit - deadband (low alarms
    mirror this). The discrete kind uses `value`: the condition is tag value == value.
    `delay_s` (on-delay) and `off_delay_s` are how long the condition must hold, resp. stay
    false, before the alarm activates, resp. returns.
    """

    id: str
    tag: str
    kind: AlarmKind
    text_ko: str
    text_en: str
    limit: float | None = None
    value: Value | None = None
    deadband: float = 0.0
    delay_s: float = 0.0
    off_delay_s: float = 0.0
    priority: Priority = Priority.MEDIUM

    def __post_init__(self) -> None:
        for name, enum in (("kind", AlarmKind), ("priority", Priority)):
            try:
                object.__setattr__(self, name, enum(getattr(self, name)))
            except ValueError:
                raise InvalidAlarmSpec(f"alarm {self.id!r}: {name} {getattr(self, name)!r} is not one of "
                                       f"{', '.join(member.value for member in enum)}") from None
        problem = self._problem()
        if problem:
            raise InvalidAlarmSpec(f"alarm {self.id!r}: {problem}")

    def _problem(self) -> str:
        """What is wrong with this spec, or "" when it is valid."""
        if not self.id or not self.tag:
            return "id and tag must not be empty"
        if not self.text_ko or not self.text_en:
            return "text_ko and text_en are both required"
        for name in ("deadband", "delay_s", "off_delay_s"):
            number = getattr(self, name)
            if not _is_number(number) or not math.isfinite(number) or number < 0:
                return f"{name} must be a finite number >= 0, got {number!r}"
        if self.kind.is_limit:
            if not _is_number(self.limit) or not math.isfinite(self.limit):
                return f"a {self.kind} alarm needs a finite numeric limit, got {self.limit!r}"
            if self.value is not None:
                return f"a {self.kind} alarm takes a limit, not a value"
        else:
            if self.value is None:
                return "a discrete alarm needs the value that raises it (e.g. value = true)"
            if self.limit is not None or self.deadband:
                return "a discrete alarm takes a value, not a limit or deadband"
        return ""

    @property
    def severity(self) -> int:
        return self.priority.severity


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)
