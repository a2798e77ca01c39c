"""Values as drivers return them: a value, its quality, a source timestamp and why it is not good."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum

Value = bool | int | float | str


class Quality(StrEnum):
    GOOD = "good"
    BAD = "bad"
    STALE = "stale"


@dataclass(frozen=True)
class Reading:
    """One point's value as read. `value` is None when bad and no value; `reason` says why (BAD/STALE)."""

    value: Value | None
    quality: Quality
    timestamp: float
    reason: str = ""

    @classmethod
    def good(cls, value: Value, timestamp: float | None = None) -> Reading:
        return cls(value, Quality.GOOD, time.time() if timestamp is None else timestamp)

    @classmethod
    def bad(cls, reason: str, timestamp: float | None = None) -> Reading:
        return cls(None, Quality.BAD, time.time() if timestamp is None else timestamp, reason)
