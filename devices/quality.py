"""Values as drivers return them: a value, its quality, a source timestamp and why it is not good."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

Value = bool | int | float | str


class Quality(StrEnum):
    GOOD = "good"
    BAD = "bad"
    STALE = "stale"


@dataclass(frozen=True, init=False)
class Reading:
    """One point's value as read. `value` is None when bad and no value; `reason` says why (BAD/STALE).

    `__init__` fills the instance's dict directly (one is made per point read): half the cost of the
    frozen dataclass's generated one, as frozen.
    """

    value: Value | None
    quality: Quality
    timestamp: float
    reason: str = ""

    def __init__(self, value: Value | None, quality: Quality, timestamp: float, reason: str = "") -> None:
        fields = self.__dict__
        fields["value"] = value
        fields["quality"] = quality
        fields["timestamp"] = timestamp
        fields["reason"] = reason

    @classmethod
    def good(cls, value: Value, timestamp: float | None = None) -> Reading:
        return cls(value, Quality.GOOD, time.time() if timestamp is None else timestamp)

    @classmethod
    def bad(cls, reason: str, timestamp: float | None = None) -> Reading:
        return cls(None, Quality.BAD, time.time() if timestamp is None else timestamp, reason)


class AllGood(NamedTuple):
    """A batch read whole and GOOD: every point's value in order, all read at `timestamp` (no Reading per value)."""

    values: list[Value]
    timestamp: float
