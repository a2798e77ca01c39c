"""A PID controller with output limits and anti-windup, and a dead-time delay line."""

from collections import deque
from dataclasses import dataclass


@dataclass
class Pid:
    """Positional PID on 0..100 %, derivative on the measurement, conditional integration.

    The integral is kept in output units, so changing ki at run time causes no bump.
    """

    integral: float = 0.0
    last_pv: float | None = None

    def start(self, output: float, sp: float, pv: float, kp: float) -> None:
        """Take over bumplessly from the current output."""
        self.integral = output - kp * (sp - pv)
        self.last_pv = pv

    def update(self, sp: float, pv: float, dt: float, kp: float, ki: float, kd: float) -> float:
        """The output for this sample, in 0..100 %."""
        error = sp - pv
        slope = 0.0 if self.last_pv is None else (pv - self.last_pv) / dt
        self.last_pv = pv
        raw = kp * error + self.integral - kd * slope
        winding_up = (raw >= 100.0 and error > 0) or (raw <= 0.0 and error < 0)
        if not winding_up:
            self.integral += ki * error * dt
        return min(100.0, max(0.0, raw))


class DeadTime:
    """Delays a signal by a fixed time; the output is 0 until the first sample is old enough.

    Only changes are queued (a run of equal samples is its first one), so a steady signal costs no queue work.
    """

    def __init__(self, delay_s: float) -> None:
        self._delay_s = delay_s
        self._t = 0.0
        self._queue: deque[tuple[float, float]] = deque()
        self._last: float | None = None  # the last sample fed
        self._out = 0.0

    def push(self, value: float, dt: float) -> float:
        """Feed a new sample dt after the last one; return the value from delay_s ago."""
        self._t += dt
        if value != self._last:
            self._queue.append((self._t, value))
            self._last = value
        queue = self._queue
        while queue and queue[0][0] <= self._t - self._delay_s:
            self._out = queue.popleft()[1]
        return self._out
