"""Point specs and the base class of stations whose points are attributes."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from .errors import WriteRejected

Value = bool | int | float


@dataclass(frozen=True)
class PointSpec:
    """Type, access and writable range of one point (engineering units)."""

    type: type[bool] | type[int] | type[float]
    writable: bool = False
    lo: float = -math.inf
    hi: float = math.inf

    def coerce(self, name: str, value: object) -> Value:
        """The value as the PLC stores it, or WriteRejected saying why not."""
        if not self.writable:
            raise WriteRejected(f"{name} is read-only")
        if self.type is bool:
            if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
                return bool(value)
            raise WriteRejected(f"{name} takes 0 or 1, got {value!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise WriteRejected(f"{name} takes a number, got {value!r}")
        if self.type is int and not float(value).is_integer():
            raise WriteRejected(f"{name} takes a whole number, got {value!r}")
        if not self.lo <= value <= self.hi:
            raise WriteRejected(f"{name} must be in {self.lo:g}..{self.hi:g}, got {value!r}")
        return self.type(value)


def ro(kind: type[bool] | type[int] | type[float]) -> PointSpec:
    """A read-only point."""
    return PointSpec(kind)


def rw(kind: type[bool] | type[int] | type[float], lo: float = -math.inf, hi: float = math.inf) -> PointSpec:
    """A writable point with its allowed range."""
    return PointSpec(kind, True, lo, hi)


class Station:
    """A device whose points are attributes (or properties) named like the profile's points."""

    POINTS: ClassVar[Mapping[str, PointSpec]]

    def read(self, point: str) -> Value:
        """The point's value in its point type (engineering units)."""
        return self.POINTS[point].type(getattr(self, point))

    def read_many(self, points: Sequence[str]) -> list[Value]:
        """`read` of each point, in order."""
        specs = self.POINTS
        return [specs[point].type(getattr(self, point)) for point in points]

    def write(self, point: str, value: Value) -> None:
        """Store an already coerced value; stations override this for points with side effects."""
        setattr(self, point, value)
