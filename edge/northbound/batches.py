"""Batches: what the agent hands the northbound server from its scan, taken over by the server's thread in batches.

`put` is cheap and thread-safe (the scan's own task calls it, in the agent's thread: a list
append under a lock, and a wake-up of the server's loop only when the list was empty); `next`,
in the server's loop, waits for what piled up and takes all of it, in order. The publisher
(values) and the conditions (alarm events) each keep one.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class Batches(Generic[T]):
    def __init__(self) -> None:
        """Made in the loop that takes the batches."""
        self._loop = asyncio.get_running_loop()
        self._lock = threading.Lock()
        self._pending: list[T] = []
        self._arrived = asyncio.Event()

    def put(self, item: T) -> None:
        with self._lock:
            wake = not self._pending
            self._pending.append(item)
        if wake:
            self._loop.call_soon_threadsafe(self._arrived.set)

    async def next(self) -> list[T]:
        """Everything put since the last call, once there is something."""
        while True:
            await self._arrived.wait()
            self._arrived.clear()
            with self._lock:
                batch, self._pending = self._pending, []
            if batch:
                return batch
