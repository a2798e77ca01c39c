"""`edge.stopping.stop` ends a task that swallows a cancellation (as asyncio.wait_for on Python 3.11 can, inside
aiomqtt and pymodbus): the Sparkplug node's close waited for ever on one such task."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from smarthall.edge.stopping import stop


async def test_a_task_that_swallows_a_cancellation_is_stopped():
    async def swallows_once() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(100)
        await asyncio.sleep(100)

    task = asyncio.create_task(swallows_once())
    await asyncio.sleep(0)
    async with asyncio.timeout(10):
        await stop(task, patience=0.05)
    assert task.cancelled()


async def test_a_task_that_failed_raises_its_error():
    async def fails() -> None:
        raise OSError("port gone")

    task = asyncio.create_task(fails())
    await asyncio.sleep(0)
    with pytest.raises(OSError, match="port gone"):
        await stop(task)
