"""The line's address space: Line / Station objects, a variable per tag, the devices' methods.

Under Objects, one object for the line (browse name: the line's name), one per
station (a connection of the line; the derived vision.* tags under `vision`)
and, on a station with several devices (the RS-485 bus), one per device. Every
tag is a variable with NodeId ``ns=<urn:smarthall:edge:LINE>;s=<tag name>``
(``s=conveyor.speed_actual``), its EngineeringUnits and EURange properties, and
write access where the profile makes it writable. Methods are ``s=process.StartBatch``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from asyncua import Node, ua

from smarthall.devices.opcua.values import VARIANT
from smarthall.devices.profiles import Device, Method, Point

from ..config import LineConfig, Tag
from .units import eu_information

NAMESPACE = "urn:smarthall:edge:{line}"
MethodCallback = Callable[..., Awaitable[ua.CallMethodResult]]
"""Runs a method for a client: called with the method's name (``process.StartBatch``) and the input variants."""


@dataclass(frozen=True)
class TagNode:
    """A tag's variable: its NodeId and the variant type its values travel as."""

    tag: Tag
    nodeid: ua.NodeId
    vtype: ua.VariantType


def variant_type(point: Point) -> ua.VariantType:
    """The engineering value's type: a bool for bits, a Double for scaled registers, else the point's own."""
    if point.is_bool:
        return ua.VariantType.Boolean
    if point.scale != 1 or point.offset != 0:
        return ua.VariantType.Double
    return VARIANT[point.type]


def eu_range(point: Point) -> ua.Range | None:
    """The profile's range of a number; None for bools, strings and floats the profile leaves open."""
    if point.is_bool or point.type.value == "string":
        return None
    if point.type.is_float and point.scale == 1 and point.min is None and point.max is None:
        return None
    low, high = point.range
    return ua.Range(Low=float(low), High=float(high))


def described(text) -> ua.LocalizedText:
    return ua.LocalizedText(f"{text.en} / {text.ko}")


class SpaceBuilder:
    """Adds the line's objects, variables and methods to a server's namespace."""

    def __init__(self, objects: Node, idx: int, config: LineConfig) -> None:
        self._objects = objects
        self._idx = idx
        self._config = config
        self.stations: dict[str, Node] = {}
        self.tags: dict[str, TagNode] = {}

    async def build(self, call: MethodCallback) -> Node:
        """Every station, tag and method; returns the line's object."""
        config = self._config
        line = await self._object(self._objects, config.name, config.name, described(config.title))
        devices: dict[str, Node] = {}
        for tag in config.tags.values():
            station_name = tag.device.name if tag.derived else tag.connection
            if station_name not in self.stations:
                title = config.connection(station_name).profile.title if not tag.derived else tag.device.title
                self.stations[station_name] = await self._object(line, station_name, station_name, described(title))
            parent = self.stations[station_name]
            if tag.device.name != station_name:
                key = f"{station_name}/{tag.device.name}"
                if key not in devices:
                    devices[key] = await self._object(parent, key, tag.device.name, described(tag.device.title))
                parent = devices[key]
            self.tags[tag.name] = await self._variable(parent, tag)
        for connection in config.connections:
            for device in connection.profile.devices:
                for method in device.methods:
                    parent = devices.get(f"{connection.name}/{device.name}") or self.stations[connection.name]
                    await self._method(parent, device, method, call)
        return line

    async def _object(self, parent: Node, path: str, name: str, description: ua.LocalizedText) -> Node:
        node = await parent.add_object(ua.NodeId(path, self._idx), ua.QualifiedName(name, self._idx))
        await node.write_attribute(ua.AttributeIds.Description, ua.DataValue(ua.Variant(description)))
        return node

    async def _variable(self, parent: Node, tag: Tag) -> TagNode:
        point = tag.point
        vtype = variant_type(point)
        nodeid = ua.NodeId(tag.name, self._idx)
        node = await parent.add_variable(nodeid, ua.QualifiedName(point.name, self._idx),
                                         ua.Variant(ua.get_default_value(vtype), vtype),
                                         vtype, ua.NodeId(vtype.value))
        await node.write_attribute(ua.AttributeIds.Description, ua.DataValue(ua.Variant(described(point.text))))
        await node.write_value(ua.DataValue(StatusCode=ua.StatusCode(ua.StatusCodes.BadWaitingForInitialData)))
        if point.unit:
            await node.add_property(ua.NodeId(f"{tag.name}.EngineeringUnits", self._idx), "EngineeringUnits",
                                    eu_information(point.unit), ua.VariantType.ExtensionObject,
                                    ua.NodeId(ua.ObjectIds.EUInformation))
        if (span := eu_range(point)) is not None:
            await node.add_property(ua.NodeId(f"{tag.name}.EURange", self._idx), "EURange", span,
                                    ua.VariantType.ExtensionObject, ua.NodeId(ua.ObjectIds.Range))
        if point.writable and not tag.derived:
            await node.set_writable()
        return TagNode(tag, nodeid, vtype)

    async def _method(self, parent: Node, device: Device, method: Method, call: MethodCallback) -> None:
        name = f"{device.name}.{method.name}"
        inputs = [ua.Argument(Name=arg, DataType=ua.NodeId(VARIANT[dtype].value), ValueRank=-1, ArrayDimensions=[],
                              Description=ua.LocalizedText(str(dtype))) for arg, dtype in method.inputs]

        async def run(_object: ua.NodeId, *args: ua.Variant) -> ua.CallMethodResult:
            return await call(name, *args)

        node = await parent.add_method(ua.NodeId(name, self._idx), ua.QualifiedName(method.name, self._idx), run,
                                       inputs, [])
        await node.write_attribute(ua.AttributeIds.Description, ua.DataValue(ua.Variant(described(method.text))))
