"""Batches: what the agent hands the northbound server from its scan, taken over by the server's task in batches.

`put` is cheap (the scan's own task calls it: a list append and an event set); `next`
waits for what piled up and takes all of it, in order. The publisher (values) and the
conditions (alarm events) each keep one.
"""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


class Batches(Generic[T]):
    def __init__(self) -> None:
        self._pending: list[T] = []
        self._arrived = asyncio.Event()

    def put(self, item: T) -> None:
        self._pending.append(item)
        self._arrived.set()

    async def next(self) -> list[T]:
        """Everything put since the last call, once there is something."""
        await self._arrived.wait()
        self._arrived.clear()
        batch, self._pending = self._pending, []
        return batch
