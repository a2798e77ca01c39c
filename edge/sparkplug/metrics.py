"""The line's tags as Sparkplug metrics: which device, name, alias and datatype each has (sans-IO).

Each station (a connection of the line; ``vision`` for the edge's own derived
tags) is a Sparkplug device; a tag ``conveyor.speed_actual`` is the metric
``conveyor/speed_actual`` (Sparkplug's folder separator). Aliases number the
tags in name order from 1, unique across the edge node as the specification
requires, so they stay the same from one birth to the next while the line file
does.

Datatypes follow the profile: bool -> Boolean, int16/uint16/int32 -> the same,
float32/float64 and scaled integers -> Float/Double, string -> String. A uint32
point is sent as UInt64: Sparkplug 3.0 puts UInt32 in ``int_value`` while
Eclipse Tahu's decoders (JavaScript sparkplug-payload 1.0.3, Java) read it from
``long_value``; UInt64 means ``long_value`` to all of them and holds every uint32.
DATA metrics carry their datatype too (the specification says they SHOULD NOT):
Tahu's decoders find no value in a metric without one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smarthall.devices.profiles import DataType
from smarthall.devices.quality import Quality

from ..errors import EdgeError
from ..tags import TagValue
from .sparkplug_b_pb2 import DataType as SpDataType
from .sparkplug_b_pb2 import Payload

QUALITY_CODES = {Quality.BAD: 0, Quality.GOOD: 192, Quality.STALE: 500}
"""Sparkplug's 'Quality' property values (an Int32 property, sent when a value is not GOOD)."""

if TYPE_CHECKING:
    from ..config import Tag

_INTS = {DataType.INT16: SpDataType.Int16, DataType.UINT16: SpDataType.UInt16, DataType.INT32: SpDataType.Int32,
         DataType.UINT32: SpDataType.UInt64}
_SIGNED = (SpDataType.Int8, SpDataType.Int16, SpDataType.Int32)  # two's complement in the uint32 int_value


class CommandError(EdgeError, ValueError):
    """A command metric that names no writable metric or carries no usable value; the message says which."""


@dataclass(frozen=True)
class MetricSpec:
    """One tag as a Sparkplug metric of a device."""

    tag: str
    device: str
    name: str
    alias: int
    datatype: int
    unit: str
    low: float | None
    high: float | None
    writable: bool


def sparkplug_datatype(tag: Tag) -> int:
    point = tag.point
    if point.is_bool:
        return SpDataType.Boolean
    if point.type is DataType.STRING:
        return SpDataType.String
    if point.type is DataType.FLOAT32 and point.scale == 1 and point.offset == 0:
        return SpDataType.Float
    if point.type.is_float or point.scale != 1 or point.offset != 0:
        return SpDataType.Double
    return _INTS[point.type]


def catalogue(tags: Mapping[str, Tag]) -> dict[str, MetricSpec]:
    """Every tag's metric, by tag name; aliases 1.. in tag-name order."""
    specs = {}
    for alias, name in enumerate(sorted(tags), start=1):
        tag = tags[name]
        point = tag.point
        ranged = not point.is_bool and point.type is not DataType.STRING and (
            not point.type.is_float or point.min is not None or point.max is not None)  # a float's limits are no range
        low, high = point.range if ranged else (None, None)
        specs[name] = MetricSpec(
            tag=name, device=tag.connection or tag.device.name, name=name.replace(".", "/"), alias=alias,
            datatype=sparkplug_datatype(tag), unit=tag.unit,
            low=low, high=high, writable=point.writable and not tag.derived)
    return specs


def _long(value) -> int:
    return int(value) & 0xFFFF_FFFF_FFFF_FFFF


def _int(value) -> int:
    return int(value) & 0xFFFF_FFFF


_FIELDS: dict[int, tuple[str, Callable[[Any], object]]] = {SpDataType.Boolean: ("boolean_value", bool), SpDataType.String: ("string_value", str),
           SpDataType.Float: ("float_value", float), SpDataType.Double: ("double_value", float),
           SpDataType.Int64: ("long_value", _long), SpDataType.UInt64: ("long_value", _long)}
"""Each datatype's value field and conversion (looked up once: protobuf's enum attributes are slow to read)."""
_INT_FIELD: tuple[str, Callable[[Any], object]] = ("int_value", _int)
_BOOLEAN, _STRING, _DOUBLE, _INT32 = SpDataType.Boolean, SpDataType.String, SpDataType.Double, SpDataType.Int32


def set_value(metric: Payload.Metric, datatype: int, value) -> None:
    """Put value in the metric's field for its datatype; None sets is_null."""
    if value is None:
        metric.is_null = True
        return
    field, convert = _FIELDS.get(datatype, _INT_FIELD)
    setattr(metric, field, convert(value))


def get_value(metric: Payload.Metric, datatype: int):
    """The metric's value as Python reads it (two's complement undone for signed types); None if null or unset."""
    field = metric.WhichOneof("value")
    if metric.is_null or field is None:
        return None
    value = getattr(metric, field)
    if field == "int_value" and datatype in _SIGNED and value >= 1 << 31:
        value -= 1 << 32
    if field == "long_value" and datatype == SpDataType.Int64 and value >= 1 << 63:
        value -= 1 << 64
    return value


def add_property(metric: Payload.Metric, key: str, datatype: int, value) -> None:
    metric.properties.keys.append(key)
    prop = metric.properties.values.add()
    prop.type = datatype
    if datatype == _STRING:
        prop.string_value = value
    elif datatype == _DOUBLE:
        prop.double_value = value
    elif datatype == _BOOLEAN:
        prop.boolean_value = value
    else:
        prop.int_value = value


def fill_metric(metric: Payload.Metric, spec: MetricSpec, value: TagValue, birth: bool, historical: bool = False,
                with_quality: bool = False) -> None:
    """A tag value as a metric: name and properties on birth, else the alias (and the datatype) only.

    The Quality property is sent when the value is not GOOD (and on birth), or when
    with_quality says the previous one sent was not GOOD (so a return to GOOD shows).
    """
    metric.alias = spec.alias
    metric.timestamp = int(value.timestamp * 1000)
    metric.datatype = spec.datatype  # in DATA too: Tahu's decoders read no value without it (2 bytes a metric)
    if birth:
        metric.name = spec.name
        if spec.unit:
            add_property(metric, "engUnit", _STRING, spec.unit)
        if spec.low is not None:
            add_property(metric, "engLow", _DOUBLE, float(spec.low))
        if spec.high is not None:
            add_property(metric, "engHigh", _DOUBLE, float(spec.high))
        add_property(metric, "readOnly", _BOOLEAN, not spec.writable)
    if historical:
        metric.is_historical = True
    if birth or with_quality or value.quality is not Quality.GOOD:
        add_property(metric, "Quality", _INT32, QUALITY_CODES[value.quality])
    set_value(metric, spec.datatype, value.value)


def command_targets(payload: Payload, device: str, specs: Mapping[str, MetricSpec]) -> list[tuple[MetricSpec, object]]:
    """The (metric, value) pairs a DCMD asks to write on `device`; CommandError for an unknown or read-only one."""
    by_alias = {s.alias: s for s in specs.values() if s.device == device}
    by_name = {s.name: s for s in by_alias.values()}
    targets = []
    for metric in payload.metrics:
        spec = by_name.get(metric.name) if metric.name else by_alias.get(metric.alias)
        label = metric.name or f"alias {metric.alias}"
        if spec is None:
            raise CommandError(f"DCMD {device}: no metric {label} on this device")
        if not spec.writable:
            raise CommandError(f"DCMD {device}: {spec.name} is read-only")
        value = get_value(metric, spec.datatype)
        if value is None:
            raise CommandError(f"DCMD {device}: {spec.name} carries no value")
        targets.append((spec, value))
    return targets
