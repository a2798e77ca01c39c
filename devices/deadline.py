"""Awaiting with a deadline without losing a cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(awaitable: Awaitable[T], seconds: float) -> T:
    """The awaitable's result, or TimeoutError once seconds have passed.

    Used instead of asyncio.wait_for: on Python 3.11 wait_for returns the
    result when the inner call finishes just as the caller is cancelled, so the
    cancellation is lost and a task being stopped keeps running (seen here as
    an edge agent that never closed).
    """
    async with asyncio.timeout(seconds):
        return await awaitable
