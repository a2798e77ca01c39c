"""The feeder: magazine, pusher cycle, sequence numbers and auto feed."""

from collections.abc import Callable

from .parts import COLOR_CODES, Magazine, Part
from .points import Station, ro, rw

EXTEND_S = 0.3  # pusher stroke out
DWELL_S = 0.1  # pusher held out while the part leaves
RETRACT_S = 0.3  # pusher stroke back
CYCLE_S = EXTEND_S + DWELL_S + RETRACT_S
STANDBY_KW = 0.02
PUSHER_KW = 0.25


class Feeder(Station):
    """Pushes one part per cycle onto the belt entry.

    A cycle starts when the `feed` coil is 1 (the PLC clears the coil when the
    pusher is back, or at once if the magazine is empty) or, with `auto_feed`,
    after every feed_interval_ms of belt running time; either waits while a
    part is still on the entry eye. The part leaves the magazine, gets its
    sequence number and reaches the belt at full extension.
    """

    POINTS = {
        "feed": rw(bool),
        "auto_feed": rw(bool),
        "magazine_empty": ro(bool),
        "pusher_retracted": ro(bool),
        "pusher_extended": ro(bool),
        "magazine_count": ro(int),
        "parts_dispensed": ro(int),
        "last_part_id": ro(int),
        "last_part_color": ro(int),
        "feed_interval_ms": rw(int, 500, 60000),
    }

    def __init__(self, magazine: Magazine) -> None:
        self.feed = False
        self.auto_feed = False
        self.feed_interval_ms = 2000
        self.parts_dispensed = 0
        self.last_part_id = 0
        self.last_part_color = 0
        self._magazine = magazine
        self._cycle_s: float | None = None  # time into the pusher cycle, None when idle
        self._auto_s = 0.0  # belt running time since the last auto push

    @property
    def magazine_count(self) -> int:
        return len(self._magazine)

    @property
    def magazine_empty(self) -> bool:
        return not self._magazine

    @property
    def pusher_retracted(self) -> bool:
        return self._cycle_s is None

    @property
    def pusher_extended(self) -> bool:
        return self._cycle_s is not None and EXTEND_S <= self._cycle_s < EXTEND_S + DWELL_S

    @property
    def power_kw(self) -> float:
        return STANDBY_KW + (PUSHER_KW if self._cycle_s is not None else 0.0)

    def load(self, count: int, defect_rate: float) -> None:
        """Refill the magazine with `count` new blanks."""
        self._magazine.load(count, defect_rate)

    def step(self, dt: float, *, belt_running: bool, entry_clear: Callable[[], bool]) -> Part | None:
        """Advance the pusher; return the part that reached the belt, if any (entry_clear is asked only then)."""
        if self.auto_feed and belt_running:
            self._auto_s += dt
        auto_due = self.auto_feed and self._auto_s >= self.feed_interval_ms / 1000
        if self._cycle_s is None and (self.feed or auto_due) and entry_clear():
            self._auto_s = 0.0
            if self._magazine:
                self._cycle_s = 0.0
            else:
                self.feed = False
        if self._cycle_s is None:
            return None
        before, self._cycle_s = self._cycle_s, self._cycle_s + dt
        part = self._dispense() if before < EXTEND_S <= self._cycle_s else None
        if self._cycle_s >= CYCLE_S:
            self._cycle_s = None
            self.feed = False
        return part

    def _dispense(self) -> Part:
        part = self._magazine.take(self.last_part_id + 1)
        self.parts_dispensed += 1
        self.last_part_id = part.id
        self.last_part_color = COLOR_CODES[part.color]
        return part
