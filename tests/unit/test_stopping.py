"""`smarthall.stopping.stop` ends a task that swallows a cancellation (as asyncio.wait_for on Python 3.11 can, inside
aiomqtt and pymodbus): the Sparkplug node's close waited for ever on one such task."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from smarthall.lab_line import Started, StartingLine
from smarthall.stopping import stop


async def test_a_task_that_swallows_a_cancellation_is_stopped():
    started, never = asyncio.Event(), asyncio.Event()

    async def swallows_once() -> None:
        started.set()
        with contextlib.suppress(asyncio.CancelledError):
            await never.wait()
        await never.wait()

    task = asyncio.create_task(swallows_once())
    await started.wait()
    async with asyncio.timeout(10):
        await stop(task, patience=0.05)
    assert task.cancelled()


async def test_a_task_that_failed_raises_its_error():
    async def fails() -> None:
        raise OSError("port gone")

    task = asyncio.create_task(fails())
    await asyncio.wait({task})
    with pytest.raises(OSError, match="port gone"):
        await stop(task)


async def test_the_lab_line_closes_while_its_start_swallows_a_cancellation():
    """The close paths cancelled a child once and awaited it: a start stuck in pymodbus's connect (asyncio.wait_for
    on 3.11) swallowed that one cancellation and `aclose` waited for ever."""
    started, never = asyncio.Event(), asyncio.Event()

    async def start(stack: contextlib.AsyncExitStack) -> Started:
        started.set()
        with contextlib.suppress(asyncio.CancelledError):
            await never.wait()
        await never.wait()
        raise AssertionError("never reached")

    line = StartingLine(start)
    line.begin(lambda started: None, lambda failure: None)
    await started.wait()
    closing = asyncio.create_task(line.aclose())
    done, _ = await asyncio.wait({closing}, timeout=30)
    if not done:
        await stop(closing)
    assert done, "aclose waited for ever on a start that swallowed one cancellation"
