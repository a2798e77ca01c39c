"""One simulated OPC UA server on one endpoint: start, go offline and back, close.

Security is None (a teaching line on loopback) with anonymous logins only.
Port 0 binds a free port; `url` is the endpoint actually bound. Going offline
closes the listening socket and every connection, as a PLC that lost its
network would; coming back listens on the same port again.

asyncua's clock task (ServerStatus/CurrentTime) makes every stop() wait up to a
second, so it is off; `tick()`, called with every sync, keeps the time instead,
and runs a garbage collection after clients left (see
`smarthall.devices.opcua.server_limits`, which also bounds what clients can
make the server hold).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from copy import copy
from datetime import UTC, datetime

from asyncua import Server, ua
from asyncua.common.callback import CallbackType, ServerItemCallback

from smarthall.devices.opcua import server_limits as limits
from smarthall.devices.opcua.standard_space import init_server

_STATUS = ua.NodeId(ua.ObjectIds.Server_ServerStatus)
_CURRENT_TIME = ua.NodeId(ua.ObjectIds.Server_ServerStatus_CurrentTime)


class UaEndpoint:
    """An asyncua server with no security, its namespace and its listener."""

    def __init__(self, endpoint: str, name: str, namespace: str) -> None:
        self.server = Server()
        limits.guard(self.server)
        self._collector = limits.Collector(self.server)
        self._endpoint = endpoint
        self._name = name
        self._namespace = namespace
        self._url: str | None = None
        self._clock: datetime | None = None
        self.online = False

    async def init(self) -> int:
        """Set up the address space; returns the namespace index for our nodes."""
        await init_server(self.server)
        self.server.disable_clock()
        self.server.set_endpoint(self._endpoint)
        self.server.set_server_name(self._name)
        await self.server.set_application_uri(f"{self._namespace}:server")
        self.server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        self.server.set_identity_tokens([ua.AnonymousIdentityToken])
        return await self.server.register_namespace(self._namespace)

    def delay_requests(self, latency_s: Callable[[], float]) -> None:
        """Hold each client's Read and Write request for latency_s() seconds (a `latency` fault; 0: none)."""
        async def delay(event: ServerItemCallback, _dispatcher: object) -> None:
            if event.is_external and (seconds := latency_s()) > 0:
                await asyncio.sleep(seconds)

        for callback in (CallbackType.PreRead, CallbackType.PreWrite):
            self.server.subscribe_server_callback(callback, delay)

    async def start(self) -> None:
        """Start listening; the bound address is `url`."""
        await self.server.start()
        bound = self.server.bserver
        self._url = f"opc.tcp://{bound.hostname}:{bound.port}"
        self.online = True

    @property
    def url(self) -> str:
        """The endpoint URL actually bound (port 0 resolved)."""
        if self._url is None:
            raise RuntimeError("the server is not started")
        return self._url

    async def tick(self) -> None:
        """Advance ServerStatus/CurrentTime, at most once a second; collect garbage after clients left."""
        self._collector.check()
        now = datetime.now(UTC)
        if self._clock is not None and (now - self._clock).total_seconds() < 1:
            return
        self._clock = now
        status = copy(self.server.read_attribute_value(_STATUS).Value.Value)
        status.CurrentTime = now
        await self.server.write_attribute_value(_STATUS, ua.DataValue(ua.Variant(status, ua.VariantType.ExtensionObject)))
        await self.server.write_attribute_value(_CURRENT_TIME, ua.DataValue(ua.Variant(now, ua.VariantType.DateTime)))

    async def follow(self, offline: bool) -> None:
        """With every sync: go offline or back as the `offline` fault says, and keep the server's time."""
        await self.set_online(not offline)
        await self.tick()

    async def set_online(self, online: bool) -> None:
        """Stop answering (listener and connections closed) or listen again on the same port."""
        if online == self.online or self._url is None:
            return
        if online:
            await self.server.bserver.start()
        else:
            await self.server.bserver.stop()
        self.online = online

    async def close(self) -> None:
        """Stop the server and end sessions left open by dropped clients."""
        if self._url is None:
            return
        await self.server.stop()
        # asyncua keeps the session of a dropped client that has subscriptions
        # (for reconnects) and leaves its timeout task running after stop().
        for session in list(self.server.iserver._external_sessions.values()):
            await session.close_session()
        self._url = None
        self.online = False
