"""Client writes to chosen variables go through a handler, item by item.

asyncua answers every refused write with BadUserAccessDenied and cannot
validate a value against a range. `WriteGate` replaces the server's attribute
service: a write to the Value of a routed node is coerced to the node's type
(BadTypeMismatch), then handed to its handler, whose StatusError or plant error
becomes that item's status; a node routed as read-only answers BadNotWritable.
Every other write takes asyncua's own path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.address_space import AttributeService

from .status import StatusError, as_status_error
from .variants import coerce

logger = logging.getLogger(__name__)

WriteHandler = Callable[[object], Awaitable[None]]
"""Applies a client's value (already of the node's type); raises to refuse it."""


class WriteGate(AttributeService):
    """The attribute service of one server, with per-node write handlers."""

    def __init__(self, server: Server) -> None:
        super().__init__(server.iserver.aspace)
        self._routes: dict[ua.NodeId, tuple[str, ua.VariantType, WriteHandler] | None] = {}
        server.iserver.attribute_service = self

    def route(self, nodeid: ua.NodeId, name: str, vtype: ua.VariantType, handler: WriteHandler) -> None:
        """Send client writes of the node's value to handler."""
        self._routes[nodeid] = (name, vtype, handler)

    def read_only(self, nodeid: ua.NodeId) -> None:
        """Answer client writes of the node's value with BadNotWritable."""
        self._routes[nodeid] = None

    async def write(self, params: ua.WriteParameters, user: User = User(role=UserRole.Admin)) -> list[ua.StatusCode]:
        results = []
        for item in params.NodesToWrite:
            if item.AttributeId == ua.AttributeIds.Value and item.NodeId in self._routes:
                results.append(await self._gated(item))
            else:
                results += await super().write(ua.WriteParameters(NodesToWrite=[item]), user)
        return results

    async def _gated(self, item: ua.WriteValue) -> ua.StatusCode:
        route = self._routes[item.NodeId]
        try:
            if route is None:
                raise StatusError(ua.StatusCodes.BadNotWritable, f"{item.NodeId.to_string()} is read-only")
            name, vtype, handler = route
            await handler(coerce(item.Value.Value, vtype, name))
        except Exception as exc:
            error = as_status_error(exc)
            if error is None:
                raise
            logger.info("write refused (%s): %s", ua.StatusCode(error.code).name, error)
            return ua.StatusCode(error.code)
        return ua.StatusCode()
