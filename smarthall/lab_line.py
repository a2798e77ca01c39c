"""The lab's line, started behind its console: the console draws first, the line comes when it is ready.

`smarthall lab` shows the lesson list at once and then starts the simulated line, sim control, the edge agent
and its client-API service (`start`, given an exit stack that owns all of it) in a task. Meanwhile the console's
LiveLine waits in `session()` (its tags say "starting"), and `sim` is sim control that waits for the line
before each call. A line that does not start ends the console: `failure` is then its reason in one line.

    line = StartingLine(start)      # start(stack) -> Started, run by begin() in the console's loop
    live = LiveLine(config, line.session)
    line.begin(on_started, on_failed)
    ...
    await line.aclose()              # cancels a start still running and closes whatever had started
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from smarthall.stopping import stop

if TYPE_CHECKING:
    from smarthall.edge.client import Client
    from smarthall.edge.service import Service
    from smarthall.lessons.sim_control import SimControl

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Started:
    """The line once it runs: its client-API service, its sim control (None on a real line), what to tell the user."""

    service: Service
    sim: SimControl | None
    note: str


class StartingLine:
    """The line the console shows, started in a task of the console's own loop by `begin`."""

    def __init__(self, start: Callable[[contextlib.AsyncExitStack], Awaitable[Started]]) -> None:
        self._start = start
        self._stack = contextlib.AsyncExitStack()
        self._started: asyncio.Future[Started] | None = None
        self._task: asyncio.Task | None = None
        self.failure: BaseException | None = None  # why the line did not start

    def _future(self) -> asyncio.Future[Started]:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
        return self._started

    def begin(self, on_started: Callable[[Started], None], on_failed: Callable[[BaseException], None]) -> None:
        """Start the line now (once the console is drawn); tell on_started or on_failed how it went."""
        self._task = asyncio.create_task(self._run(on_started, on_failed), name="the lab's line starting")

    async def _run(self, on_started, on_failed) -> None:
        started = self._future()
        try:
            result = await self._start(self._stack)
        except Exception as exc:
            log.debug("the lab's line did not start", exc_info=True)
            self.failure = exc
            on_failed(exc)
            return  # the waiting session and sim calls wait on: the console is ending
        started.set_result(result)
        on_started(result)

    async def started(self) -> Started:
        """The line, once it runs."""
        return await asyncio.shield(self._future())

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Client]:
        """A client-API session on the line, once it runs (the console's LiveLine)."""
        started = await self.started()
        async with started.service.session() as client:
            yield client

    async def aclose(self) -> None:
        """Cancel a start still running, then close whatever had started, last started first."""
        if self._task is not None:
            await stop(self._task)
        await self._stack.aclose()


class SimWhenStarted:
    """The simulated line's sim control for the console and its lesson runs: each call waits for the line."""

    def __init__(self, line: StartingLine) -> None:
        self._line = line

    def __getattr__(self, name: str):
        async def call(*args, **kwargs):
            sim = (await self._line.started()).sim
            return await getattr(sim, name)(*args, **kwargs)

        return call
