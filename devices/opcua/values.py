"""OPC UA data values to readings and engineering values to variants, sans-IO."""

from __future__ import annotations

import reprlib
import time
from collections.abc import Callable
from datetime import UTC, datetime

from asyncua import ua

from ..profiles import DataType, Point
from ..profiles.codec import from_raw, to_raw
from ..quality import Quality, Reading, Value
from .notifications import EPOCH_1601

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
    try:
        value = converter(point)(raw)
    except Mismatch as exc:
        return Reading.bad(str(exc), stamp)
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


_INTEGERS = {
    ua.VariantType.SByte: (-(2**7), 2**7 - 1), ua.VariantType.Byte: (0, 2**8 - 1),
    ua.VariantType.Int16: (-(2**15), 2**15 - 1), ua.VariantType.UInt16: (0, 2**16 - 1),
    ua.VariantType.Int32: (-(2**31), 2**31 - 1), ua.VariantType.UInt32: (0, 2**32 - 1),
    ua.VariantType.Int64: (-(2**63), 2**63 - 1), ua.VariantType.UInt64: (0, 2**64 - 1),
}
_FLOATS = {ua.VariantType.Float: 3.4028234663852886e38, ua.VariantType.Double: 1.7976931348623157e308}
_BUILTIN = (*_INTEGERS, *_FLOATS, ua.VariantType.Boolean, ua.VariantType.String)


def argument(name: str, dtype: DataType, value: Value, server: ua.Argument | None = None) -> ua.Variant:
    """A method argument: of the server's InputArguments type when it is a built-in scalar, else the profile's.

    ValueError (one line: the argument, its type, the range) when the value does not fit, before
    anything is sent: asyncua would fail packing it and drop the connection.
    """
    vtype = VARIANT[dtype]
    if server is not None:
        if server.ValueRank not in (-1, -3, 0) or server.ArrayDimensions:
            raise ValueError(f"argument {name}: the server expects an array")
        declared = server.DataType
        if declared.NamespaceIndex == 0 and isinstance(declared.Identifier, int) \
                and declared.Identifier in {t.value for t in _BUILTIN}:
            vtype = ua.VariantType(declared.Identifier)
    if vtype is ua.VariantType.String:
        if not isinstance(value, str):
            raise ValueError(f"argument {name} (String): expected text, got {value!r}")
        return ua.Variant(value, vtype)
    if isinstance(value, str):
        raise ValueError(f"argument {name} ({vtype.name}): expected a number, got {value!r}")
    if vtype is ua.VariantType.Boolean:
        if value not in (0, 1):
            raise ValueError(f"argument {name} (Boolean): expected 0 or 1, got {value!r}")
        return ua.Variant(bool(value), vtype)
    if vtype in _FLOATS:
        if not -_FLOATS[vtype] <= value <= _FLOATS[vtype]:
            raise ValueError(f"argument {name} ({vtype.name}): {value!r} is outside its range")
        return ua.Variant(float(value), vtype)
    low, high = _INTEGERS[vtype]
    if value != int(value) or not low <= value <= high:
        raise ValueError(f"argument {name} ({vtype.name}): expected a whole number {low}..{high}, got {value!r}")
    return ua.Variant(int(value), vtype)


class Mismatch(ValueError):
    """A server's value of a kind the point's type cannot take as it is; the message is the reading's reason."""


def converter(point: Point) -> Callable[[object], Value]:
    """The point's engineering value of a value the server sent, never rounded or reinterpreted: a
    whole number (or a float holding one) for an integer type, any number for a float type, a Boolean
    (or 0/1) for bool, text for string. Anything else (a fraction for an integer point, text or a
    Boolean for a number, an array, a structure) raises Mismatch naming the point's type and the value."""
    if point.type is DataType.BOOL:
        return _boolean
    if point.type is DataType.STRING:
        return _text
    take = _number if point.type.is_float else _whole
    if point.scale == 1 and point.offset == 0:
        return take
    return lambda raw: from_raw(point, take(raw))


def _whole(raw: object) -> int:
    if type(raw) is int:
        return raw
    if type(raw) is float and raw.is_integer():
        return int(raw)
    raise _mismatch("a whole number", raw)


def _number(raw: object) -> float:
    if type(raw) is float or type(raw) is int:
        return float(raw)
    raise _mismatch("a number", raw)


def _boolean(raw: object) -> bool:
    if type(raw) is bool or (type(raw) is int and raw in (0, 1)):
        return bool(raw)
    raise _mismatch("a Boolean", raw)


def _text(raw: object) -> str:
    if type(raw) is str:
        return raw
    raise _mismatch("text", raw)


def _mismatch(expected: str, raw: object) -> Mismatch:
    return Mismatch(f"type mismatch: expected {expected}, the server sent {type(raw).__name__} {reprlib.repr(raw)}")


def _epoch(stamp: datetime | None) -> float:
    if stamp is None:
        return time.time()
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


def change_sink(point: Point, deliver: Callable[[Point, Reading], None]) -> Callable[[object, int, int], None]:
    """Where a subscription's decoded data changes of point go: deliver(point, Reading) for each
    (value, status code, source timestamp in 1601 ticks; 0: none).

    The per-change path of subscriptions: the conversion is chosen once per point, and one call
    per change makes the Reading and delivers it (a reader and a sink apart cost a call more).
    """
    convert = converter(point)
    good, stale, bad = Quality.GOOD, Quality.STALE, Quality.BAD

    def sink(value: object, status: int, stamp: int) -> None:
        when = (stamp - EPOCH_1601) / 1e7 if stamp else time.time()
        try:
            if not status:
                reading = Reading(None, bad, when, "no value") if value is None else Reading(convert(value), good, when)
            elif status >> 30 >= 2:
                reading = Reading(None, bad, when, ua.StatusCode(status & 0xFFFF0000).name)
            elif value is None:
                reading = Reading(None, bad, when, "no value")
            elif status >> 30 == 1:
                reading = Reading(convert(value), stale, when, ua.StatusCode(status & 0xFFFF0000).name)
            else:
                reading = Reading(convert(value), good, when)
        except Mismatch as exc:
            reading = Reading(None, bad, when, str(exc))
        deliver(point, reading)

    return sink
