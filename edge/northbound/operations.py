"""Client writes and method calls, through the agent's checked path for the session's user.

A write of a tag's value goes to `EdgeAgent.write_as` with the signed-in user (on the
agent's loop, through the server's `AgentLink`), which
checks their right (edge.users), the value against the profile, writes and logs it
(refusals too). The answer is the item's status: BadUserAccessDenied (role or team),
BadNotWritable (read-only or derived), BadTypeMismatch, BadOutOfRange, or the
device's failure as a status (BadNotConnected, BadTimeout, its own Bad status).
Method calls go to `EdgeAgent.call_as` the same way; BadInvalidArgument for wrong
arguments.
"""

from __future__ import annotations

import logging

from asyncua import ua
from asyncua.crypto.permission_rules import User as UaUser

from smarthall.devices.errors import DriverError
from smarthall.devices.profiles import DataType
from smarthall.devices.quality import Quality

from ..errors import CallRejected, Forbidden, WriteRejected
from ._asyncua import WriteRoute, caller
from .identity import person
from .link import AgentLink
from .space import TagNode
from .status import status_code

log = logging.getLogger(__name__)
_SCALARS = (bool, int, float, str)


def write_route(link: AgentLink, node: TagNode) -> WriteRoute:
    """The route of client writes to one tag's variable."""

    async def write(user: UaUser, variant: ua.Variant) -> ua.StatusCode:
        value = variant.Value
        if not isinstance(value, _SCALARS) or variant.is_array:
            return ua.StatusCode(ua.StatusCodes.BadTypeMismatch)
        try:
            await link.run(link.agent.write_as, person(user), node.tag.name, value)
        except Forbidden as exc:
            log.info("OPC UA write refused: %s", exc)
            return ua.StatusCode(ua.StatusCodes.BadUserAccessDenied)
        except WriteRejected:
            return ua.StatusCode(_rejection(node, value))
        except DriverError as exc:
            return ua.StatusCode(status_code(Quality.BAD, exc.reason))
        return ua.StatusCode()

    return write


def _rejection(node: TagNode, value: bool | float | str) -> int:
    """Why the profile refused value: not writable, the wrong type, or out of its range."""
    tag, point = node.tag, node.tag.point
    if tag.derived or not point.writable:
        return ua.StatusCodes.BadNotWritable
    if isinstance(value, str) != (point.type is DataType.STRING) or point.is_bool or isinstance(value, bool):
        return ua.StatusCodes.BadTypeMismatch
    try:
        point.check(value)
    except ValueError:
        return ua.StatusCodes.BadOutOfRange
    return ua.StatusCodes.BadTypeMismatch  # a fraction for a whole-number point


async def call_method(link: AgentLink, name: str, *variants: ua.Variant) -> ua.CallMethodResult:
    """Call a device's method (``process.StartBatch``) for the calling session's user."""
    args = [v.Value for v in variants]
    try:
        await link.run(link.agent.call_as, person(caller()), name, args)
    except Forbidden as exc:
        log.info("OPC UA call refused: %s", exc)
        code = ua.StatusCodes.BadUserAccessDenied
    except CallRejected:
        code = ua.StatusCodes.BadInvalidArgument
    except DriverError as exc:
        code = status_code(Quality.BAD, exc.reason)
    else:
        code = ua.StatusCodes.Good
    return ua.CallMethodResult(StatusCode=ua.StatusCode(code))
