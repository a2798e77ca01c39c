"""Reconnect pacing, sans-IO: jittered exponential backoff and the gate a driver asks before reconnecting."""

from __future__ import annotations

import random


class Backoff:
    """Delays that double from `min` up to `max`, each drawn from the upper half of its step.

    The first delay is `min`; the n-th lies in [max(min, d/2), d] with d = min(max, min * 2**n),
    so clients that lost the same PLC spread out instead of reconnecting in step.
    """

    def __init__(self, min: float, max: float, rng: random.Random | None = None) -> None:
        if not 0 < min <= max:
            raise ValueError(f"backoff needs 0 < min <= max, got min {min}, max {max}")
        self.min, self.max = min, max
        self._rng = rng or random.Random()
        self._attempt = 0

    def next_delay(self) -> float:
        """Seconds to wait before the next attempt; each call counts one failed attempt."""
        step = min(self.max, self.min * 2 ** self._attempt)
        if step < self.max:
            self._attempt += 1
        return self._rng.uniform(max(self.min, step / 2), step)

    def reset(self) -> None:
        """Start again from `min` (after a success)."""
        self._attempt = 0


class RetryGate:
    """Whether a reconnect may be tried now: after a failure, not before its backoff delay has passed."""

    def __init__(self, backoff: Backoff) -> None:
        self.backoff = backoff
        self._not_before = float("-inf")

    @property
    def not_before(self) -> float:
        """The earliest time of the next attempt (-inf: now)."""
        return self._not_before

    def ready(self, now: float) -> bool:
        return now >= self._not_before

    def failed(self, now: float) -> float:
        """Note a failure at `now`; returns when the next attempt may be made."""
        self._not_before = now + self.backoff.next_delay()
        return self._not_before

    def succeeded(self) -> None:
        self.backoff.reset()
        self._not_before = float("-inf")
