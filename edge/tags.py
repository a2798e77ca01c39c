"""The tag model: one named value of the line with its quality and timestamp."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.quality import Quality, Value


@dataclass(frozen=True)
class TagValue:
    """A tag's value at one instant; tag names are "<device>.<point>" (e.g. "conveyor.motor_run")."""

    tag: str
    value: Value | None  # bool, int, float or str (a string point); None when bad and no value
    quality: Quality
    timestamp: float  # epoch seconds
    reason: str = ""
    unit: str = ""
