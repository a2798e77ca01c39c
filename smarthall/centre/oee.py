"""OEE of a line over the centre's watch: availability x performance x quality (sans-IO).

From two readings of the line's counters (the window's start and now):

- availability = motor run time / elapsed time;
- performance = parts in x ideal cycle / run time, at most 1 — the ideal cycle is the feeder's
  set interval (the pace the line is planned for: one part per `feed_interval_ms`);
- quality = good / (good + rejected).

Each is None until its denominator is above zero, and OEE with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Counters:
    """The line's counters at one moment (seconds of the centre's clock)."""

    at: float
    run_s: float
    parts_in: float
    good: float
    rejected: float
    ideal_cycle_s: float

    def went_back_from(self, earlier: Counters) -> bool:
        return any(now < before for now, before in ((self.run_s, earlier.run_s), (self.parts_in, earlier.parts_in),
                                                    (self.good, earlier.good), (self.rejected, earlier.rejected)))


@dataclass(frozen=True)
class Oee:
    availability: float | None
    performance: float | None
    quality: float | None

    @property
    def oee(self) -> float | None:
        parts = (self.availability, self.performance, self.quality)
        if any(p is None for p in parts):
            return None
        return self.availability * self.performance * self.quality  # type: ignore[operator]


def oee(start: Counters, now: Counters) -> Oee:
    elapsed, run_s = now.at - start.at, now.run_s - start.run_s
    made = (now.good - start.good) + (now.rejected - start.rejected)
    return Oee(availability=min(1.0, run_s / elapsed) if elapsed > 0 else None,
               performance=min(1.0, (now.parts_in - start.parts_in) * now.ideal_cycle_s / run_s) if run_s > 0 else None,
               quality=(now.good - start.good) / made if made > 0 else None)
