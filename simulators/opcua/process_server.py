"""The process (heat-treatment) station as an OPC UA server, served from a Plant.

The address space is built from the profile: one object per device
(`ProcessStation`) with a variable per point (NodeId ``ns=<urn>;s=<Object>.<Node>``,
browse name = the node name, Description = the English text, EURange and
EngineeringUnits properties where the profile has them), its methods and its
alarm events. Names tie profile to plant: a point reads and writes
``plant.read/write(device, point)``; a method ``StartBatch`` calls
``plant.start_batch``; an event ``OverTemperature`` follows
``plant.over_temperature``.

Client writes are checked against the profile (read-only: BadNotWritable,
wrong type: BadTypeMismatch, outside min..max: BadOutOfRange) before
``plant.write``; a refusal by the plant (HeaterOutput in auto mode) is
BadInvalidState. A broken sensor reads as BadSensorFailure, with no value.

Communication faults on the profile's name as target: ``offline`` closes the
listener and every connection until cleared (then the same port listens
again); ``latency`` {"ms"} delays each Read and Write request (browse, calls
and publish answer at once).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from asyncua import Node, ua

from smarthall.devices.profiles import Device, Method, Point, Profile
from smarthall.simulators.plant import Plant, SensorFailure

from .alarm import LimitAlarm
from .calls import Arg, MethodHandler, add_method
from .endpoint import UaEndpoint
from .nodes import add_variable, describe
from .status import StatusError
from .variants import VARIANT, Publisher
from .writes import WriteGate, WriteHandler

APPLICATION_NAME = "Smart Hall process station (simulated)"
_UNECE = {"°C": "CEL", "%": "P1"}
_UNITS_URI = "http://www.opcfoundation.org/UA/units/un/cefact"


class ProcessStationServer:
    """Serves the profile's OPC UA devices from a Plant; call `sync` after stepping the plant."""

    def __init__(self, plant: Plant, profile: Profile, endpoint: str | None = None) -> None:
        self._plant = plant
        self._profile = profile
        self._ua = UaEndpoint(endpoint or str(profile.transport["endpoint"]), APPLICATION_NAME,
                              str(profile.transport["namespace"]))
        self._publisher = Publisher(self._ua.server)
        self._points: list[tuple[Device, Point, ua.NodeId]] = []
        self._alarms: list[tuple[LimitAlarm, Callable[[], bool]]] = []
        for device in profile.devices:  # a profile naming what the plant lacks fails here, not at start
            for item in (*device.methods, *device.events):
                _plant_attribute(plant, item.name)

    @property
    def endpoint_url(self) -> str:
        """The endpoint actually bound, e.g. opc.tcp://127.0.0.1:40123."""
        return self._ua.url

    async def start(self) -> None:
        """Build the address space from the profile, publish the plant's values and listen."""
        idx = await self._ua.init()
        gate = WriteGate(self._ua.server)
        for device in self._profile.devices:
            await self._add_device(idx, device, gate)
        self._ua.delay_requests(self._latency_s)
        await self._ua.start()
        await self.sync()

    async def sync(self) -> None:
        """Publish the plant's values, raise or clear alarms, apply communication faults."""
        await self._ua.follow(self._plant.fault(self._profile.name, "offline") is not None)
        for device, point, nodeid in self._points:
            await self._publish(device, point, nodeid)
        for alarm, condition in self._alarms:
            await alarm.update(bool(condition()))

    async def close(self) -> None:
        """Stop the server and close every connection."""
        await self._ua.close()

    async def _add_device(self, idx: int, device: Device, gate: WriteGate) -> None:
        obj = await self._ua.server.nodes.objects.add_object(ua.NodeId(device.object, idx),
                                                              ua.QualifiedName(device.object, idx))
        await describe(obj, device.title.en)
        for point in device.points:
            nodeid = ua.NodeId(f"{device.object}.{point.node}", idx)
            await _add_point(obj, nodeid, ua.QualifiedName(point.node, idx), point)
            if point.writable:
                gate.route(nodeid, point.node, VARIANT[point.type], self._writer(device, point, nodeid))
            else:
                gate.read_only(nodeid)
            self._points.append((device, point, nodeid))
        for method in device.methods:
            await add_method(obj, ua.NodeId(f"{device.object}.{method.name}", idx), ua.QualifiedName(method.name, idx),
                             _arguments(device, method), self._caller(method), description=method.text.en)
        for event in device.events:
            alarm = await LimitAlarm.create(self._ua.server, event, obj)
            self._alarms.append((alarm, _plant_attribute(self._plant, event.name)))

    async def _publish(self, device: Device, point: Point, nodeid: ua.NodeId) -> None:
        try:
            value = self._plant.read(device.name, point.name)
        except SensorFailure:
            await self._publisher.bad(nodeid, ua.StatusCodes.BadSensorFailure)
            return
        vtype = VARIANT[point.type]
        await self._publisher.good(nodeid, float(value) if point.type.is_float else value, vtype)

    def _writer(self, device: Device, point: Point, nodeid: ua.NodeId) -> WriteHandler:
        async def write(value: object) -> None:
            try:
                point.check(value)
            except ValueError as exc:
                raise StatusError(ua.StatusCodes.BadOutOfRange, str(exc)) from None
            self._plant.write(device.name, point.name, value)
            await self._publish(device, point, nodeid)
        return write

    def _caller(self, method: Method) -> MethodHandler:
        action = _plant_attribute(self._plant, method.name)

        async def call(*values: object) -> None:
            action(*values)
            await self.sync()
        return call

    def _latency_s(self) -> float:
        fault = self._plant.fault(self._profile.name, "latency")
        return float(fault.params["ms"]) / 1000 if fault is not None else 0.0


def _plant_attribute(plant: Plant, name: str) -> Callable[..., object]:
    """The plant's method, or a getter of its property, for a profile name: StartBatch -> plant.start_batch."""
    attribute = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    if not hasattr(type(plant), attribute):
        raise ValueError(f"profile name {name!r} needs Plant.{attribute}, which the plant does not have")
    if callable(getattr(type(plant), attribute)):
        return getattr(plant, attribute)
    return lambda: getattr(plant, attribute)


def _arguments(device: Device, method: Method) -> list[Arg]:
    """A method's inputs; one named like a point of the device shares its range."""
    names = {p.name: p for p in device.points}
    return [Arg(name, VARIANT[dtype], names[name].range if name in names else None,
                names[name].text.en if name in names else "")
            for name, dtype in method.inputs]


async def _add_point(parent: Node, nodeid: ua.NodeId, name: ua.QualifiedName, point: Point) -> Node:
    """The point's variable with EURange and EngineeringUnits where the profile has them."""
    node = await add_variable(parent, nodeid, name, VARIANT[point.type], point.text.en, point.writable)
    if point.min is not None or point.max is not None:
        low, high = point.range
        await node.add_property(ua.NodeId(f"{nodeid.Identifier}.EURange", nodeid.NamespaceIndex),
                                ua.QualifiedName("EURange", 0), ua.Range(low, high), ua.VariantType.ExtensionObject,
                                ua.NodeId(ua.ObjectIds.Range))
    if point.unit:
        await node.add_property(ua.NodeId(f"{nodeid.Identifier}.EngineeringUnits", nodeid.NamespaceIndex),
                                ua.QualifiedName("EngineeringUnits", 0), _units(point.unit),
                                ua.VariantType.ExtensionObject, ua.NodeId(ua.ObjectIds.EUInformation))
    return node


def _units(unit: str) -> ua.EUInformation:
    """EUInformation with the UNECE code where we know it (UnitId -1 otherwise)."""
    code = _UNECE.get(unit)
    unit_id = int.from_bytes(code.encode("ascii"), "big") if code else -1
    return ua.EUInformation(NamespaceUri=_UNITS_URI, UnitId=unit_id, DisplayName=ua.LocalizedText(unit),
                            Description=ua.LocalizedText(unit))

