"""The tag model: one named value of the line with its quality and timestamp."""

from __future__ import annotations

from dataclasses import dataclass

from devices.quality import Quality


@dataclass(frozen=True)
class TagValue:
    """A tag's value at one instant; tag names are "<device>.<point>" (e.g. "conveyor.motor_run")."""

    tag: str
    value: bool | int | float | None
    quality: Quality
    timestamp: float  # epoch seconds
    reason: str = ""
    unit: str = ""
