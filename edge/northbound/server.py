"""NorthboundServer: the running agent's line as an OPC UA server (asyncua), in a thread of its own.

The agent hands it every value it publishes (`offer`, cheap, from the scan) and
starts and stops it; the server owns no connection to the line. See the package
docstring for what it serves.

The server runs on its own event loop in its own thread (a `smarthall.portal.Portal`):
with ten clients subscribed to every tag, its publishing on the scan's loop delayed the
scan's cycles (jitter p99 13.5 -> 51.8 ms, benchmarks/northbound_opcua.py). Values and
alarm events cross over in thread-safe batches (`batches`); what a client asks of the
agent (writes, calls, acknowledgements) and the health figures run on the agent's loop
through an `AgentLink`, authorized there as on every other path.

A thread alone was not enough (jitter p99 26.6 -> 64.3 ms): each time the scan's thread
came back from a socket call it waited for the GIL up to Python's switch interval (5 ms)
while the server's thread encoded notifications. While the server runs, the interval is
`SWITCH_S` (0.5 ms), restored when it stops: 24.5 -> 23.6 ms, same run as the alone case.
The benchmark now runs both intervals in the same rounds. With 10 clients the scan's jitter
p99 was lower at 0.5 ms in two of three runs (62.6 vs 84.4, 65.9 vs 77.3 ms) and higher in
one (84.8 vs 73.0 ms), all at load 12-28, where the agent alone ranged 23-114 ms: no clear
answer there, and no clear CPU cost either. Kept on the evidence of the quieter run above
until a quiet machine's run says otherwise. It is process-wide: every thread of the agent
switches more often while the server runs.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from datetime import UTC, datetime

from asyncua import Server, ua

from smarthall.devices.opcua import server_limits
from smarthall.devices.opcua.standard_space import init_server
from smarthall.portal import Portal
from smarthall.stopping import stop

from ..alarms import AlarmEvent, AlarmState
from ..errors import EdgeError
from ..tags import TagValue
from ._asyncua import route_sessions
from .conditions import Conditions
from .health import HealthNodes
from .identity import Identities
from .link import AgentLink
from .operations import call_method, write_route
from .publisher import Publisher
from .security import secure
from .settings import NorthboundSettings
from .space import NAMESPACE, SpaceBuilder

log = logging.getLogger(__name__)

STOP_S = 5.0  # longest wait for the server's connections to close
SWITCH_S = 0.0005  # the GIL switch interval while the server runs (Python's default: 0.005)
_CURRENT_TIME = ua.NodeId(ua.ObjectIds.Server_ServerStatus_CurrentTime)
_STATUS = ua.NodeId(ua.ObjectIds.Server_ServerStatus)


class NorthboundError(EdgeError):
    """The northbound server could not start (port in use, unreadable certificate...); the message says which."""


class NorthboundServer:
    """Serves one agent's tags over OPC UA while started (the agent's side: start, offer, close)."""

    def __init__(self, agent, settings: NorthboundSettings) -> None:
        self._agent = agent
        self.settings = settings
        self._portal: Portal | None = None
        self._serving: _Serving | None = None
        self._url: str | None = None
        self._switch_s = sys.getswitchinterval()

    @property
    def endpoint_url(self) -> str:
        """The endpoint clients connect to, with the port actually bound."""
        if self._url is None:
            raise RuntimeError("the northbound server is not started")
        return self._url

    async def start(self) -> None:
        """Start the server's thread, build the address space there, publish the agent's latest values and listen."""
        self._switch_s = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_S)
        portal = Portal("northbound OPC UA server")
        self._serving = _Serving(AgentLink(self._agent, asyncio.get_running_loop()), self.settings)
        try:
            self._url = await portal.submit(self._serving.start())
        except BaseException:
            self._serving = None
            await asyncio.to_thread(portal.close)
            sys.setswitchinterval(self._switch_s)
            raise
        self._portal = portal

    def offer(self, value: TagValue) -> None:
        """A value the agent published (the agent's listener; cheap, it runs in the scan)."""
        if self._serving is not None:
            self._serving.offer(value)

    def offer_alarm(self, event: AlarmEvent) -> None:
        """An alarm event of the agent (its alarm listener; cheap)."""
        if self._serving is not None:
            self._serving.offer_alarm(event, self._agent.alarms.state(event.alarm_id))

    def offer_loaded(self, state: AlarmState) -> None:
        """An alarm the agent loaded while running: a condition of its own from now on (cheap)."""
        if self._serving is not None:
            self._serving.offer_alarm(None, state)

    async def close(self) -> None:
        """Stop listening (sessions end) and end the server's thread."""
        serving, portal = self._serving, self._portal
        self._serving = self._portal = self._url = None
        if portal is None or serving is None:
            return
        try:
            await portal.submit(serving.close())
        finally:
            await asyncio.to_thread(portal.close)
            sys.setswitchinterval(self._switch_s)


class _Serving:
    """The asyncua server and its tasks, in the server's thread."""

    def __init__(self, link: AgentLink, settings: NorthboundSettings) -> None:
        self._link = link
        self.settings = settings
        self._server: Server | None = None
        self._publisher: Publisher | None = None
        self._conditions: Conditions | None = None
        self._tasks: list[asyncio.Task] = []
        self._url: str | None = None

    async def start(self) -> str:
        """Build the address space, publish the agent's latest values and listen; the endpoint's URL."""
        link, settings = self._link, self.settings
        config = link.config
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
        line = await space.build(lambda name, *args: call_method(link, name, *args))
        route_sessions(server, {node.nodeid: write_route(link, node) for node in space.tags.values()})
        conditions = Conditions(server, link)
        await conditions.build(line, idx, {name: node.nodeid for name, node in space.tags.items()})
        self._conditions = conditions
        health = HealthNodes(server, link)
        await health.build(line, idx)
        publisher = self._publisher = Publisher(server, space.tags)
        if await link.run(_offer_latest, link.agent, publisher):
            await publisher.publish_next()  # in the address space before the first client can subscribe
        try:
            await server.start()
        except OSError as exc:
            await server.stop()
            raise NorthboundError(f"OPC UA server on {self.settings.host}:{self.settings.port}: {exc.strerror}; "
                                  "set another port in the line file's [northbound] table (0 picks a free one)") from None
        self._server = server
        assert server.bserver is not None  # started
        self._url = f"opc.tcp://{self.settings.host}:{server.bserver.port}"
        self._tasks = [asyncio.create_task(publisher.run(), name="northbound publisher"),
                       asyncio.create_task(conditions.run(), name="northbound alarms"),
                       asyncio.create_task(health.run(), name="northbound health"),
                       asyncio.create_task(_clock(server, server_limits.Collector(server)), name="northbound clock")]
        return self._url

    def offer(self, value: TagValue) -> None:
        """A value the agent published (in the agent's thread)."""
        if self._publisher is not None:
            self._publisher.offer(value)

    def offer_alarm(self, event: AlarmEvent | None, state: AlarmState) -> None:
        """An alarm event (None: an alarm just loaded) and the alarm's state then (in the agent's thread)."""
        if self._conditions is not None:
            self._conditions.offer(event, state)

    async def close(self) -> None:
        """Stop listening; sessions end."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            await stop(task)
        self._tasks.clear()
        if self._server is not None:
            try:
                async with asyncio.timeout(STOP_S):
                    await self._server.stop()
            except TimeoutError:  # asyncua waits for every connection to detach, one that never does included
                log.warning("OPC UA server on %s: connections still open after %g s; closed anyway", self._url, STOP_S)
            self._server = None
            self._url = None


def _offer_latest(agent, publisher: Publisher) -> int:
    """The agent's latest values to the publisher (in the agent's thread, in order with the scan's offers): how many."""
    values = list(agent.latest.values())
    for value in values:
        publisher.offer(value)
    return len(values)


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
