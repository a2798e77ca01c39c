"""The real-time pacer: steps the plant every tick of wall time, scaled.

The plant itself never sleeps; this loop is the only place where plant time
meets wall time. A time scale above 1 runs the plant faster (in substeps no
longer than one plant tick, so photo-eyes never miss a part); a tick that
comes too late is counted as an overrun and the schedule moves on rather than
bursting to catch up.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass
class ClockStats:
    """What the pacer did: ticks run and ticks that started late."""

    ticks: int = 0
    overruns: int = 0

    @property
    def overrun_rate(self) -> float:
        return self.overruns / self.ticks if self.ticks else 0.0


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
        """Pace forever (until cancelled)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        next_hook = deadline
        while True:
            deadline += self.tick
            self.advance()
            self.stats.ticks += 1
            if self.after_steps is not None and loop.time() >= next_hook:
                next_hook = loop.time() + self.after_every
                await self.after_steps()
            delay = deadline - loop.time()
            if delay < 0:
                self.stats.overruns += 1
                deadline = loop.time()
                delay = 0
            await asyncio.sleep(delay)
