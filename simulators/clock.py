"""The real-time pacer: steps the plant every tick of wall time, scaled.

The plant itself never sleeps; this loop is the only place where plant time
meets wall time. A time scale above 1 runs the plant faster (in substeps no
longer than one plant tick, so photo-eyes never miss a part); a tick that
comes too late is counted as an overrun and the schedule moves on rather than
bursting to catch up. The after_steps hook (the OPC UA servers' refresh)
runs as a task beside the ticks, at most one at a time.

A tick runs from a timer at its deadline, or earlier in the loop turn that passes it: the servers
call `keep_time` before each request they answer, so a due tick runs there and then instead of
waiting behind the rest of a burst. Fifty stations polled at once take longer to answer than a
10 ms tick (~0.1 ms each); the tick waited for all of them and came late.
"""

from __future__ import annotations

import asyncio
import math
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from smarthall.stopping import stop

LATE_BUCKET_S = 0.0005  # the lateness histogram's bucket width
LATE_BUCKETS = 100  # the last bucket holds every tick later than 49.5 ms


@dataclass
class ClockStats:
    """What the pacer did: ticks run, ticks that ended after the next one was due, and how late ticks started."""

    ticks: int = 0
    overruns: int = 0
    late: list[int] = field(default_factory=lambda: [0] * LATE_BUCKETS)  # ticks by lateness, LATE_BUCKET_S each

    @property
    def overrun_rate(self) -> float:
        return self.overruns / self.ticks if self.ticks else 0.0

    def lateness(self, quantile: float) -> float:
        """The start lateness (s) that `quantile` of the ticks stayed within (an upper bucket bound)."""
        wanted, seen = quantile * sum(self.late), 0
        for bucket, count in enumerate(self.late):
            seen += count
            if count and seen >= wanted:
                return (bucket + 1) * LATE_BUCKET_S
        return 0.0


_running: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Pacer, None]] = weakref.WeakKeyDictionary()


def keep_time(loop: asyncio.AbstractEventLoop) -> None:
    """Run the tick of every pacer on `loop` whose deadline has passed (servers call it before each request)."""
    pacers = _running.get(loop)
    if pacers:
        now = loop.time()
        for pacer in pacers:
            if now >= pacer._deadline:
                pacer._tick()


class Pacer:
    """Calls `step(dt)` every `tick` seconds of wall time with dt = tick x time scale."""

    def __init__(self, step: Callable[[float], None], tick: float = 0.01, time_scale: float = 1.0,
                 after_steps: Callable[[], Awaitable[None]] | None = None, after_every: float = 0.1) -> None:
        self.step = step
        self.tick = tick
        self.time_scale = time_scale
        self.after_steps = after_steps
        self.after_every = after_every
        self.stats = ClockStats()
        self._deadline = math.inf  # when the next tick is due (loop time)
        self._next_hook = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._hook: asyncio.Task | None = None  # after_steps, while it runs
        self._failed: asyncio.Future[None] | None = None  # set with the error that stopped the pacing

    def set_time_scale(self, factor: float) -> None:
        if not 0.1 <= factor <= 100:
            raise ValueError(f"time scale: expected 0.1..100, got {factor:g}")
        self.time_scale = factor

    def advance(self) -> None:
        """One wall tick of plant time, in substeps no longer than one tick."""
        plant_dt = self.tick * self.time_scale
        substeps = max(1, math.ceil(plant_dt / self.tick - 1e-9))
        for _ in range(substeps):
            self.step(plant_dt / substeps)

    async def run(self) -> None:
        """Pace forever (until cancelled); raises what a step or after_steps raised."""
        loop = self._loop = asyncio.get_running_loop()
        self._failed = loop.create_future()
        self._deadline = self._next_hook = loop.time()
        _running.setdefault(loop, {})[self] = None
        try:
            self._tick()
            await self._failed
        finally:
            _running.get(loop, {}).pop(self, None)
            self._deadline = math.inf
            if self._timer is not None:
                self._timer.cancel()
            if self._hook is not None:
                await stop(self._hook)

    def _tick(self) -> None:
        """Run the due tick and set the timer for the next one."""
        loop = self._loop
        started = loop.time()
        stats = self.stats
        stats.late[min(int((started - self._deadline) / LATE_BUCKET_S), LATE_BUCKETS - 1)] += 1
        self._deadline += self.tick
        try:
            self.advance()
        except BaseException as exc:
            self._stop(exc)
            return
        stats.ticks += 1
        now = loop.time()
        if self.after_steps is not None and self._hook is None and now >= self._next_hook:
            self._next_hook = now + self.after_every
            self._hook = loop.create_task(self.after_steps())
            self._hook.add_done_callback(self._hook_done)
        if now > self._deadline:
            stats.overruns += 1
            self._deadline = now
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_at(self._deadline, self._tick)

    def _hook_done(self, hook: asyncio.Task) -> None:
        self._hook = None
        if not hook.cancelled() and hook.exception() is not None:
            self._stop(hook.exception())

    def _stop(self, exc: BaseException) -> None:
        self._deadline = math.inf
        if self._timer is not None:
            self._timer.cancel()
        if self._failed is not None and not self._failed.done():
            self._failed.set_exception(exc)
