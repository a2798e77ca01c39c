"""Quality of a value read from the line, and one reading of one point."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Quality(StrEnum):
    """OPC-style quality of a value: usable, unusable, or old."""

    GOOD = "good"
    BAD = "bad"
    STALE = "stale"


@dataclass(frozen=True)
class Reading:
    """One point's value as a driver read it."""

    value: bool | int | float | None  # None when bad and no value
    quality: Quality
    timestamp: float  # source timestamp, epoch seconds (time.time()) when read
    reason: str = ""  # for BAD/STALE: "timeout", "not connected", "exception 02 ...", "BadSensorFailure", ...
