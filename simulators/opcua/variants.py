"""Values between Python, the profile's data types and OPC UA variants.

Incoming variants are taken leniently, the way a PLC takes a number: any
integer variant fits an integer of the right range (a Python client sends 5 as
Int64), any number fits a float. Anything else is BadTypeMismatch.
"""

from __future__ import annotations

from datetime import UTC, datetime

from asyncua import Server, ua

from smarthall.devices.profiles import DataType

from .status import StatusError

VARIANT: dict[DataType, ua.VariantType] = {
    DataType.BOOL: ua.VariantType.Boolean,
    DataType.INT16: ua.VariantType.Int16,
    DataType.UINT16: ua.VariantType.UInt16,
    DataType.INT32: ua.VariantType.Int32,
    DataType.UINT32: ua.VariantType.UInt32,
    DataType.FLOAT32: ua.VariantType.Float,
    DataType.FLOAT64: ua.VariantType.Double,
    DataType.STRING: ua.VariantType.String,
}
"""The OPC UA variant type serving each profile data type."""

_INT_LIMITS = {VARIANT[t]: t.limits for t in DataType if t not in (DataType.BOOL, DataType.STRING) and not t.is_float}
_INTEGERS = frozenset({
    ua.VariantType.SByte, ua.VariantType.Byte, ua.VariantType.Int16, ua.VariantType.UInt16,
    ua.VariantType.Int32, ua.VariantType.UInt32, ua.VariantType.Int64, ua.VariantType.UInt64,
})
_FLOATS = frozenset({ua.VariantType.Float, ua.VariantType.Double})


def coerce(variant: ua.Variant | None, vtype: ua.VariantType, what: str) -> bool | int | float | str:
    """The Python value of variant as a vtype; StatusError naming `what` when it is not one."""
    given = variant.VariantType if variant is not None else ua.VariantType.Null
    value = variant.Value if variant is not None else None
    if isinstance(value, list) or variant is not None and variant.Dimensions:
        given = None
    if vtype in _INT_LIMITS and given in _INTEGERS:
        low, high = _INT_LIMITS[vtype]
        if not low <= value <= high:
            raise StatusError(ua.StatusCodes.BadOutOfRange, f"{what}: {value} does not fit a {vtype.name}")
        return int(value)
    if vtype in _FLOATS and given in _INTEGERS | _FLOATS:
        return float(value)
    if vtype is ua.VariantType.String and given in (ua.VariantType.String, ua.VariantType.Null):
        return value or ""
    if vtype == given:
        return value
    raise StatusError(ua.StatusCodes.BadTypeMismatch,
                      f"{what}: expected a {vtype.name}, got {given.name if given else 'an array'}")


class Publisher:
    """Puts values into a server's nodes from the server side, only when they change.

    Uses the fast path (`write_attribute_value`), which also notifies
    subscribers; an unchanged value or status is not rewritten, so the
    timestamps say when the value last changed.
    """

    def __init__(self, server: Server) -> None:
        self._server = server
        self._last: dict[ua.NodeId, object] = {}

    async def good(self, nodeid: ua.NodeId, value: object, vtype: ua.VariantType) -> None:
        """Publish a good value."""
        key = (vtype, value)
        if self._last.get(nodeid, ...) != key:  # asked every refresh: build the DataValue only for a change
            await self._write(nodeid, key, ua.DataValue(ua.Variant(value, vtype), **_now()))

    async def bad(self, nodeid: ua.NodeId, code: int) -> None:
        """Publish a Bad status with no value (a broken sensor, say)."""
        if self._last.get(nodeid, ...) != code:
            await self._write(nodeid, code, ua.DataValue(StatusCode=ua.StatusCode(code), **_now()))

    async def _write(self, nodeid: ua.NodeId, key: object, value: ua.DataValue) -> None:
        await self._server.write_attribute_value(nodeid, value)
        self._last[nodeid] = key


def _now() -> dict[str, datetime]:
    now = datetime.now(UTC)
    return {"SourceTimestamp": now, "ServerTimestamp": now}
