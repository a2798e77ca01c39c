"""LiveLine: the line as the console sees it, kept through the edge's client API (`edge.client.Client`).

The console never touches the agent: one `watch` of every tag keeps `latest`, and the
operator's alarm list and each connection's health are asked for on a timer. The line's
shape (connections, tags, units, title) is its line file's (`config`), known before anything
connects, so the screens draw at once and fill in as the values come.

    line = LiveLine(config, session)   # session(): an async context manager giving a connected Client
    app = LabApp(catalogue, line, ...)  # the app runs `line.run()` in a worker while it runs
    client = await line.client()        # for the lesson runs: the same session

A lost agent is logged once (one line in the lab) and the values stop changing; nothing is raised
into the screens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from smarthall.edge.alarms.events import AlarmState, operator_list
from smarthall.edge.client import Client
from smarthall.edge.config import LineConfig
from smarthall.edge.errors import EdgeError
from smarthall.edge.health import ConnectionHealth
from smarthall.edge.tags import TagValue

log = logging.getLogger(__name__)

ALARMS_S = 0.5
HEALTH_S = 1.0
Session = Callable[[], AbstractAsyncContextManager[Client]]


class LiveLine:
    """Latest values, the operator's alarm list and connection health of one line, through one client session."""

    def __init__(self, config: LineConfig, session: Session) -> None:
        self.config = config
        self.latest: dict[str, TagValue] = {}
        self.alarms: list[AlarmState] = []  # the operator's list (edge.alarms.events.operator_list)
        self.health: tuple[ConnectionHealth, ...] = ()
        self.loaded = False  # alarms and health asked for once, the watch started
        self.valued = asyncio.Event()  # the first value came
        self._session = session
        self._client: asyncio.Future[Client] | None = None

    def _connected(self) -> asyncio.Future[Client]:
        if self._client is None:
            self._client = asyncio.get_running_loop().create_future()
        return self._client

    async def client(self) -> Client:
        """The session's client once `run` has connected it (the error, if it could not)."""
        return await asyncio.shield(self._connected())

    async def run(self) -> None:
        """Connect and keep everything fresh until cancelled (the app's worker)."""
        connected = self._connected()
        try:
            async with self._session() as client:
                connected.set_result(client)
                await self.refresh_alarms()
                self.health = tuple(await client.health())
                async with asyncio.TaskGroup() as tasks:
                    tasks.create_task(self._watch(client))
                    self.loaded = True
                    tasks.create_task(self._every(ALARMS_S, self.refresh_alarms))
                    tasks.create_task(self._every(HEALTH_S, self._refresh_health))
        except* EdgeError as group:
            exc = group.exceptions[0]
            if not connected.done():
                connected.set_exception(exc)
            log.warning("the console lost the edge agent: %s", exc)

    async def refresh_alarms(self) -> None:
        """Ask for the alarms now (after an acknowledgement: the list shows it at once)."""
        self.alarms = operator_list(await (await self.client()).alarms())

    async def _refresh_health(self) -> None:
        self.health = tuple(await (await self.client()).health())

    async def _watch(self, client: Client) -> None:
        async with contextlib.aclosing(client.watch(sorted(self.config.tags))) as values:
            async for value in values:
                self.latest[value.tag] = value
                self.valued.set()

    @staticmethod
    async def _every(period_s: float, refresh) -> None:
        while True:
            await asyncio.sleep(period_s)
            await refresh()

    def unit_of(self, name: str) -> str:
        tag = self.config.tags.get(name)
        return tag.unit if tag is not None else ""
