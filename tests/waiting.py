"""Waiting in tests: poll a condition until it holds, never a fixed sleep."""

from __future__ import annotations

import asyncio
import inspect


async def until(predicate, timeout: float = 10.0, every: float = 0.01):
    """The first truthy result of predicate (plain or async); TimeoutError once timeout has passed."""
    async with asyncio.timeout(timeout):
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            await asyncio.sleep(every)
