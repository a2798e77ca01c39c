"""OPC UA data values to readings and engineering values to variants, sans-IO."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from asyncua import ua

from ..profiles import DataType, Point
from ..profiles.codec import from_raw, to_raw
from ..quality import Quality, Reading, Value

VARIANT = {
    DataType.BOOL: ua.VariantType.Boolean, DataType.INT16: ua.VariantType.Int16,
    DataType.UINT16: ua.VariantType.UInt16, DataType.INT32: ua.VariantType.Int32,
    DataType.UINT32: ua.VariantType.UInt32, DataType.FLOAT32: ua.VariantType.Float,
    DataType.FLOAT64: ua.VariantType.Double, DataType.STRING: ua.VariantType.String,
}


def reading(point: Point, data: ua.DataValue) -> Reading:
    """Good: the value; Uncertain: STALE with the value; Bad: no value, the status name as reason."""
    status = data.StatusCode or ua.StatusCode(ua.StatusCodes.Good)
    stamp = _epoch(data.SourceTimestamp or data.ServerTimestamp)
    if status.is_bad():
        return Reading.bad(status.name, stamp)
    raw = data.Value.Value if data.Value is not None else None
    if raw is None:
        return Reading.bad("no value", stamp)
    value = _value(point, raw)
    if status.is_uncertain():
        return Reading(value, Quality.STALE, stamp, status.name)
    return Reading.good(value, stamp)


def variant(point: Point, value: Value) -> ua.Variant:
    """The variant a write of value to point sends (scale and offset undone)."""
    if point.type is DataType.STRING:
        return ua.Variant(str(value), VARIANT[point.type])
    if point.type is DataType.BOOL:
        return ua.Variant(bool(value), VARIANT[point.type])
    return ua.Variant(to_raw(point, value), VARIANT[point.type])


def argument(dtype: DataType, value: Value) -> ua.Variant:
    """A method argument of the profile's input type."""
    if dtype.is_float:
        value = float(value)
    elif dtype not in (DataType.BOOL, DataType.STRING):
        value = int(value)
    return ua.Variant(value, VARIANT[dtype])


def _value(point: Point, raw: object) -> Value:
    if point.type is DataType.BOOL:
        return bool(raw)
    if point.type is DataType.STRING:
        return str(raw)
    return from_raw(point, float(raw) if point.type.is_float else int(raw))


def _epoch(stamp: datetime | None) -> float:
    if stamp is None:
        return time.time()
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()
