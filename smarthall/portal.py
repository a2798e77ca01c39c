"""A thread with its own event loop: for work that must not share the caller's loop.

The pytest plugin's simulated line and edge agent run in one (smarthall.testing): the line must
outlive one test's event loop (module and session scope), serve plain (sync) tests as well as async
ones, and go on running while a sync test waits. The edge's northbound OPC UA server runs in one so
that its clients' work never delays the scan (edge.northbound.server). Callers talk to it through
`Portal.run` (a plain caller blocks until the coroutine is done) or `Portal.submit` (an async caller
awaits it in its own loop); `bridged` picks between the two by whether the caller runs in an event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
S = TypeVar("S", bound="_Startable")


class _Startable(Protocol):
    async def start(self) -> None: ...


class Portal:
    """An event loop running in a thread of its own until `close`."""

    def __init__(self, name: str = "smarthall line") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run the coroutine in the portal and wait for its result (from a thread without a running loop)."""
        __tracebackhide__ = True  # a failed wait points at the test's line, not at these
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        concurrent.futures.wait([future])
        if (error := future.exception()) is not None:
            raise error  # from here, not from inside concurrent.futures
        return future.result()

    def start(self, server: S) -> S:
        """`await server.start()` in the portal (blocking); the server, started."""
        return self.run(_started(server))

    async def submit(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run the coroutine in the portal; the caller's event loop goes on while it runs."""
        __tracebackhide__ = True
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def close(self) -> None:
        """Cancel what still runs in the portal, stop its loop and join its thread."""
        if not self._thread.is_alive():
            return
        self.run(_cancel_others())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()


async def _started(server: S) -> S:
    await server.start()
    return server


async def _cancel_others(patience: float = 1.0) -> None:
    """Cancel every other task until it ends: a library may swallow one cancellation (wait_for on 3.11 does)."""
    current = asyncio.current_task()
    while others := [task for task in asyncio.all_tasks() if task is not current and not task.done()]:
        for task in others:
            task.cancel()
        await asyncio.wait(others, timeout=patience)


def bridged(method: Callable[..., Coroutine[Any, Any, T]]) -> Callable[..., Any]:
    """A coroutine method of an object with a `portal`, callable from plain tests and awaitable in async ones.

    Called where no event loop runs (a plain test), it runs in the portal and returns the result; called
    inside an event loop (an async test or fixture), it returns an awaitable to await there.
    """

    @functools.wraps(method)
    def call(self, *args, **kwargs) -> T | Awaitable[T]:
        __tracebackhide__ = True
        coroutine = method(self, *args, **kwargs)
        return self.portal.submit(coroutine) if _in_event_loop() else self.portal.run(coroutine)

    return call


def _in_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
