"""Limit and discrete evaluators, pure: is an alarm's process condition true for this value?

Only GOOD values are evaluated. For BAD or STALE quality, a missing value, NaN, or a value of the
wrong type for the alarm (a bool or a string for a limit), the evaluators answer None: the alarm
keeps its state (ISA-18.2: an unusable input neither raises nor clears an alarm; the diagnostic
is AlarmState.input_bad).
"""

from __future__ import annotations

from smarthall.devices.quality import Quality, Value

from .spec import AlarmKind, AlarmSpec


def limit_condition(kind: AlarmKind, limit: float, deadband: float, value: float, active: bool) -> bool:
    """HI/HIHI: true at value >= limit, false again only below limit - deadband; LO/LOLO mirror it."""
    if kind.is_high:
        return value >= (limit - deadband if active else limit)
    return value <= (limit + deadband if active else limit)


def discrete_condition(expected: Value, value: Value) -> bool:
    """True while the tag equals the alarm's value (e.g. conveyor.fault == true)."""
    return value == expected


def condition(spec: AlarmSpec, value: Value | None, quality: Quality, active: bool) -> bool | None:
    """The alarm's condition for a tag's value of that quality, given whether it is `active` now; None when
    unusable."""
    if quality is not Quality.GOOD or value is None:
        return None
    if spec.kind is AlarmKind.DISCRETE:
        return discrete_condition(spec.value, value)
    if value.__class__ is not float and isinstance(value, bool | str) or value != value:  # noqa: PLR0124 (NaN)
        return None
    return limit_condition(spec.kind, spec.limit, spec.deadband, value, active)
