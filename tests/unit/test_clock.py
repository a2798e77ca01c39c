"""The pacer: substeps (a faster time scale never steps the plant more than one tick at once), ticks run when
due even inside a loop turn (`keep_time`), overruns, the lateness histogram, errors."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from smarthall.simulators.clock import LATE_BUCKET_S, LATE_BUCKETS, ClockStats, Pacer, keep_time
from smarthall.stopping import stop
from tests.waiting import until


@pytest.mark.parametrize(("scale", "expected"), [
    (1.0, [0.01]), (0.5, [0.005]), (3.0, [0.01, 0.01, 0.01]), (2.5, [0.025 / 3] * 3),
])
def test_advance_splits_a_scaled_tick_into_substeps(scale, expected):
    steps: list[float] = []
    Pacer(steps.append, tick=0.01, time_scale=scale).advance()
    assert steps == pytest.approx(expected)


def test_time_scale_is_bounded():
    pacer = Pacer(lambda dt: None)
    pacer.set_time_scale(100)
    with pytest.raises(ValueError, match="expected 0.1..100, got 150"):
        pacer.set_time_scale(150)
    assert pacer.time_scale == 100


def _hold_the_loop_past(pacer: Pacer, loop: asyncio.AbstractEventLoop) -> None:
    """Keep the loop busy for one tick, so the pacer's next tick falls due, as a burst of requests does."""
    due = loop.time() + pacer.tick
    while loop.time() < due:
        pass


@contextlib.asynccontextmanager
async def _pacing(pacer: Pacer):
    """The pacer running, from its first tick on."""
    pacing = asyncio.create_task(pacer.run())
    try:
        await until(lambda: pacer.stats.ticks >= 1)
        yield asyncio.get_running_loop()
    finally:
        await stop(pacing)


async def test_keep_time_runs_a_due_tick_at_once():
    """Regression: a due tick waited for the loop's turn to end (behind a burst of polls), and came late."""
    pacer = Pacer(lambda dt: None, tick=0.5)  # long enough that the loop reaches the test before it is due
    async with _pacing(pacer) as loop:
        ticks = pacer.stats.ticks
        _hold_the_loop_past(pacer, loop)
        keep_time(loop)
        assert pacer.stats.ticks == ticks + 1
        keep_time(loop)  # not due again yet
        assert pacer.stats.ticks == ticks + 1


async def test_a_late_tick_is_counted_as_overrun_and_in_the_lateness():
    pacer = Pacer(lambda dt: None, tick=0.02)
    async with _pacing(pacer) as loop:
        ticks = pacer.stats.ticks
        _hold_the_loop_past(pacer, loop)
        _hold_the_loop_past(pacer, loop)  # two ticks' time: the next tick ends after the one after it was due
        await until(lambda: pacer.stats.ticks > ticks)
    assert pacer.stats.overruns >= 1
    assert pacer.stats.lateness(1.0) >= 0.02


def test_lateness_quantiles_come_from_the_histogram():
    stats = ClockStats()
    stats.late[0] = 98  # within 0.5 ms
    stats.late[4] = 1  # 2.0-2.5 ms
    stats.late[-1] = 1  # 49.5 ms or later
    assert stats.lateness(0.5) == pytest.approx(0.0005)
    assert stats.lateness(0.99) == pytest.approx(0.0025)
    assert stats.lateness(1.0) == pytest.approx(LATE_BUCKET_S * LATE_BUCKETS)
    assert ClockStats().lateness(0.99) == 0.0


@pytest.mark.parametrize("where", ["step", "after_steps"])
async def test_an_error_in_a_step_or_the_hook_ends_run_with_it(where):
    def step(dt):
        if where == "step":
            raise RuntimeError("plant broke")

    async def after_steps():
        raise RuntimeError("plant broke")

    pacer = Pacer(step, tick=0.01, after_steps=after_steps if where == "after_steps" else None)
    with pytest.raises(RuntimeError, match="plant broke"):
        async with asyncio.timeout(30):
            await pacer.run()
    ticks, loop = pacer.stats.ticks, asyncio.get_running_loop()
    _hold_the_loop_past(pacer, loop)
    keep_time(loop)  # a stopped pacer is not stepped any more
    assert pacer.stats.ticks == ticks
