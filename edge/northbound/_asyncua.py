"""The one place that reaches into asyncua's server internals (ARCHITECTURE.md, convention 15).

asyncua (2.1) gives a method callback no way to know who called it, and answers a
write it refuses with one status whatever the reason. Each client session is made
here as a `_Session` instead (by replacing `InternalServer.create_session`), which

- runs method calls with `caller()` telling the session's user (a ContextVar
  set around asyncua's own call path, which awaits the callback in the same task);
- hands the Value writes of routed nodes, item by item, to a `WriteRoute` that
  answers that item's status itself; every other write takes asyncua's path;
- on a channel with security None, ignores the client certificate of CreateSession
  (as OPC UA Part 4, 5.6.2 says; asyncua validates any certificate it is sent, and
  node-opcua sends its own on every channel): found through the session's UaProcessor,
  among the binary server's connections.

tests/unit/test_northbound_asyncua.py fails loudly when these internals change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar

from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.internal_session import InternalSession

WriteRoute = Callable[[User, ua.Variant], Awaitable[ua.StatusCode]]
"""Applies one client write of a node's value for the session's user; returns the item's status."""

_CALLER: ContextVar[User | None] = ContextVar("OPC UA caller", default=None)


def caller() -> User | None:
    """The user of the session whose method call is running (None outside a client's call)."""
    return _CALLER.get()


def route_sessions(server: Server, routes: Mapping[ua.NodeId, WriteRoute]) -> None:
    """Make every client session of server a `_Session` sending writes of these nodes to their routes."""
    iserver = server.iserver

    def secured(session: InternalSession) -> bool:
        """Whether the session's channel signs (or encrypts); True when it cannot be told (the certificate is checked)."""
        for protocol in server.bserver.clients if server.bserver is not None else ():
            processor = protocol.processor
            if processor is not None and processor.session is session:
                return processor._connection.security_policy.Mode != ua.MessageSecurityMode.None_
        return True

    def create_session(name: str, user: User = User(role=UserRole.Anonymous), external: bool = False) -> _Session:
        return _Session(routes, secured, iserver, iserver.aspace, iserver.subscription_service, name, user=user,
                        external=external)

    iserver.create_session = create_session  # type: ignore[method-assign]  # the one patch this module exists for


class _Session(InternalSession):
    """A client session that tells method callbacks its user, routes chosen writes and ignores a certificate
    sent over a channel without security."""

    def __init__(self, routes: Mapping[ua.NodeId, WriteRoute], secured: Callable[[InternalSession], bool],
                 *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._routes = routes
        self._secured = secured

    async def create_session(self, params: ua.CreateSessionParameters, sockname=None) -> ua.CreateSessionResult:
        if not self._secured(self):  # security None: the certificate is not used, so it is not checked either
            params.ClientCertificate = None
        return await super().create_session(params, sockname=sockname)

    async def call(self, params: list[ua.CallMethodRequest]) -> list[ua.CallMethodResult]:
        token = _CALLER.set(self.user)
        try:
            return await super().call(params)
        finally:
            _CALLER.reset(token)

    async def write(self, params: ua.WriteParameters) -> list[ua.StatusCode]:
        results: list[ua.StatusCode] = []
        for item in params.NodesToWrite:
            route = self._routes.get(item.NodeId) if item.AttributeId == ua.AttributeIds.Value else None
            if route is None:
                results += await super().write(ua.WriteParameters(NodesToWrite=[item]))
            else:
                results.append(await route(self.user, item.Value.Value))
        return results
