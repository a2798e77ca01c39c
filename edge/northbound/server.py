"""NorthboundServer: the running agent's line as an OPC UA server (asyncua).

The agent hands it every value it publishes (`offer`, cheap, from the scan) and
starts and stops it; the server owns no connection to the line. See the package
docstring for what it serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from asyncua import Server, ua

from smarthall.devices.opcua import server_limits
from smarthall.devices.opcua.standard_space import init_server

from ..alarms import AlarmEvent
from ..errors import EdgeError
from ..tags import TagValue
from ._asyncua import route_sessions
from .conditions import Conditions
from .health import HealthNodes
from .identity import Identities
from .operations import call_method, write_route
from .publisher import Publisher
from .security import secure
from .settings import NorthboundSettings
from .space import NAMESPACE, SpaceBuilder

log = logging.getLogger(__name__)

STOP_S = 5.0  # longest wait for the server's connections to close
_CURRENT_TIME = ua.NodeId(ua.ObjectIds.Server_ServerStatus_CurrentTime)
_STATUS = ua.NodeId(ua.ObjectIds.Server_ServerStatus)


class NorthboundError(EdgeError):
    """The northbound server could not start (port in use, unreadable certificate...); the message says which."""


class NorthboundServer:
    """Serves one agent's tags over OPC UA while started."""

    def __init__(self, agent, settings: NorthboundSettings) -> None:
        self._agent = agent
        self.settings = settings
        self._server: Server | None = None
        self._publisher: Publisher | None = None
        self._conditions: Conditions | None = None
        self._tasks: list[asyncio.Task] = []
        self._url: str | None = None

    @property
    def endpoint_url(self) -> str:
        """The endpoint clients connect to, with the port actually bound."""
        if self._url is None:
            raise RuntimeError("the northbound server is not started")
        return self._url

    async def start(self) -> None:
        """Build the address space, publish the agent's latest values and listen."""
        agent, settings = self._agent, self.settings
        config = agent.config
        identities = Identities(config.users, settings.anonymous)
        server = Server(user_manager=identities)
        server_limits.guard(server)
        await init_server(server)
        server.disable_clock()  # its task makes stop() wait up to a second; `_clock` keeps the time instead
        server.set_endpoint(settings.endpoint)
        server.set_server_name(f"Smart Hall edge: {config.title.en}")
        uri = NAMESPACE.format(line=config.name)
        await server.set_application_uri(uri)
        server.set_identity_tokens([ua.UserNameIdentityToken] +
                                   [ua.AnonymousIdentityToken] * (identities.anonymous is not None))
        await secure(server, settings.pki, settings.security, uri)
        idx = await server.register_namespace(uri)
        space = SpaceBuilder(server.nodes.objects, idx, config)
        line = await space.build(lambda name, *args: call_method(agent, name, *args))
        route_sessions(server, {node.nodeid: write_route(agent, node) for node in space.tags.values()})
        self._conditions = Conditions(server, agent)
        await self._conditions.build(line, idx, {name: node.nodeid for name, node in space.tags.items()})
        health = HealthNodes(server, agent)
        await health.build(line, idx)
        self._publisher = Publisher(server, space.tags)
        for value in list(agent.latest.values()):
            self._publisher.offer(value)
        try:
            await server.start()
        except OSError as exc:
            await server.stop()
            raise NorthboundError(f"OPC UA server on {self.settings.host}:{self.settings.port}: {exc.strerror}; "
                                  "set another port in the line file's [northbound] table (0 picks a free one)") from None
        self._server = server
        assert server.bserver is not None  # started
        self._url = f"opc.tcp://{self.settings.host}:{server.bserver.port}"
        self._tasks = [asyncio.create_task(self._publisher.run(), name="northbound publisher"),
                       asyncio.create_task(self._conditions.run(), name="northbound alarms"),
                       asyncio.create_task(health.run(), name="northbound health"),
                       asyncio.create_task(_clock(server, server_limits.Collector(server)), name="northbound clock")]

    def offer(self, value: TagValue) -> None:
        """A value the agent published (the agent's listener; cheap, it runs in the scan)."""
        if self._publisher is not None:
            self._publisher.offer(value)

    def offer_alarm(self, event: AlarmEvent) -> None:
        """An alarm event of the agent (its alarm listener; cheap)."""
        if self._conditions is not None:
            self._conditions.offer(event)

    async def close(self) -> None:
        """Stop listening; sessions end."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._server is not None:
            try:
                async with asyncio.timeout(STOP_S):
                    await self._server.stop()
            except TimeoutError:  # asyncua waits for every connection to detach, one that never does included
                log.warning("OPC UA server on %s: connections still open after %g s; closed anyway", self._url, STOP_S)
            self._server = None
            self._url = None


async def _clock(server: Server, collector: server_limits.Collector) -> None:
    """Keep ServerStatus/CurrentTime, once a second; collect garbage after clients left."""
    while True:
        collector.check()
        now = datetime.now(UTC)
        status = server.read_attribute_value(_STATUS).Value
        if status is not None:
            status.Value.CurrentTime = now
            await server.write_attribute_value(_STATUS, ua.DataValue(status))
        await server.write_attribute_value(_CURRENT_TIME, ua.DataValue(ua.Variant(now, ua.VariantType.DateTime)))
        await asyncio.sleep(1)
