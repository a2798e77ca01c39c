"""Stopping an asyncio task for good (every layer's close uses it: drivers, simulators, the edge, lessons, the lab)."""

from __future__ import annotations

import asyncio
import contextlib


async def stop(task: asyncio.Task, patience: float = 1.0) -> None:
    """Cancel a task until it ends: a library may swallow one cancellation (asyncio.wait_for on 3.11 does: aiomqtt's
    and pymodbus's waits use it); the task's own error, if it ended with one, is raised."""
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=patience)
    with contextlib.suppress(asyncio.CancelledError):
        task.result()
