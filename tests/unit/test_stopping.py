"""`edge.stopping.stop` ends a task that swallows a cancellation (as asyncio.wait_for on Python 3.11 can, inside
aiomqtt and pymodbus): the Sparkplug node's close waited for ever on one such task."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from smarthall.edge.stopping import stop


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
