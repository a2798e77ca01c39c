"""The tag model: one named value of the line with its quality and timestamp."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import repeat
from typing import NamedTuple

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


@dataclass(frozen=True, eq=False)
class BlockLayout:
    """The tags one device's batch is read for, in order, with their units and history deadbands (one per
    batch, made once): what a `TagBlock`'s values are values of."""

    tags: tuple[str, ...]
    units: tuple[str, ...]
    deadbands: tuple[float, ...]
    position: dict[str, int] = field(init=False, repr=False)  # a tag's index in `tags`

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", {tag: i for i, tag in enumerate(self.tags)})


class TagBlock(NamedTuple):
    """One device's values of one scan, read whole and GOOD at one timestamp, every one a finite number: kept as
    the list the driver decoded, a TagValue made only for a value someone asks for (no object per value)."""

    layout: BlockLayout
    values: list[Value]
    timestamp: float

    def tag_value(self, tag: str) -> TagValue:
        """The TagValue of one of the block's tags."""
        i = self.layout.position[tag]
        return TagValue(tag, self.values[i], Quality.GOOD, self.timestamp, "", self.layout.units[i])

    def tag_values(self) -> list[TagValue]:
        """Every value of the block as a TagValue, in the layout's order (in C passes)."""
        layout = self.layout
        return list(map(TagValue, layout.tags, self.values, repeat(Quality.GOOD), repeat(self.timestamp),
                        repeat(""), layout.units))
