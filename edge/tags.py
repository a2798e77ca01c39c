"""The tag model: one named value of the line with its quality and timestamp."""

from __future__ import annotations

from dataclasses import dataclass

from smarthall.devices.quality import Quality, Value


@dataclass(frozen=True, init=False)
class TagValue:
    """A tag's value at one instant; tag names are "<device>.<point>" (e.g. "conveyor.motor_run").

    `__init__` is written out because one is made for every value scanned: it fills the instance's
    dict directly, at half the cost of the frozen dataclass's generated one (one object.__setattr__
    per field); the instance is as frozen as any other.
    """

    tag: str
    value: Value | None  # bool, int, float or str (a string point); None when bad and no value
    quality: Quality
    timestamp: float  # epoch seconds
    reason: str = ""
    unit: str = ""

    def __init__(self, tag: str, value: Value | None, quality: Quality, timestamp: float, reason: str = "",
                 unit: str = "") -> None:
        fields = self.__dict__
        fields["tag"] = tag
        fields["value"] = value
        fields["quality"] = quality
        fields["timestamp"] = timestamp
        fields["reason"] = reason
        fields["unit"] = unit
