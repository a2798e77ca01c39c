"""Any OPC UA profile served at its own addresses: NodeIds, browse paths and namespaces as the profile writes them.

The address space is built so that every address of the profile resolves as a
PLC would have it (`devices.profiles.address`):

- namespaces: the indices the profile names (``ns=3;...``, ``3:Name``) exist, the
  ``[transport] namespace`` at the lowest of them above 1 (where an S7-1500 keeps
  its own, ``ns=3``; or at 2 when none is named), the others filled with
  ``urn:smarthall:twin:ns<N>``; every ``nsu=`` URI is registered after them;
- a NodeId gets a node with exactly that NodeId, browse name its identifier's last
  part (``"DB_Line"."Speed"`` -> ``Speed``), under its device's object (or Objects);
- a browse path gets an object for each element but the last, with NodeId
  ``s=/<path>`` in that element's namespace, and a variable (or method) at its end.

Values come from a `values.ProfilePlant` (held writes, defaults, waveforms) and are
published on `sync`. Writes go through the simulators' `WriteGate` (BadNotWritable,
BadTypeMismatch, BadOutOfRange from the profile), methods through `calls.add_method`
(arguments checked against the profile's types and ranges); a method sets the
device's points named like its inputs and returns nothing. Faults ``offline`` and
``latency`` on the profile's name act as on the process station.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from asyncua import Node, ua

from smarthall.devices.profiles import Device, Method, Point, Profile
from smarthall.devices.profiles.address import Namespace, NodeIdText, from_objects, parse_address
from smarthall.devices.profiles.codec import from_raw, to_raw

from ..opcua.calls import Arg, add_method
from ..opcua.endpoint import UaEndpoint
from ..opcua.nodes import add_variable, describe
from ..opcua.status import StatusError
from ..opcua.variants import VARIANT, Publisher
from ..opcua.writes import WriteGate
from .values import ProfilePlant

APPLICATION_NAME = "Smart Hall device twin (simulated)"
FILLER = "urn:smarthall:twin:ns{}"
_KINDS = {"i": ua.NodeIdType.Numeric, "s": ua.NodeIdType.String, "g": ua.NodeIdType.Guid, "b": ua.NodeIdType.ByteString}
_OBJECTS = ua.NodeId(ua.ObjectIds.ObjectsFolder)


class TwinAddressError(ValueError):
    """A profile address the twin cannot serve (a namespace-0 NodeId: the standard's own)."""


class ProfileUaServer:
    """Serves an OPC UA profile's devices from a ProfilePlant; call `sync` to publish the values."""

    def __init__(self, plant: ProfilePlant, profile: Profile, endpoint: str) -> None:
        self._plant = plant
        self._profile = profile
        namespace = profile.transport.get("namespace")
        self._namespace = namespace if isinstance(namespace, str) else None
        self._ua = UaEndpoint(endpoint, APPLICATION_NAME, self._namespace or FILLER.format(2))
        self._publisher = Publisher(self._ua.server)
        self._indices: dict[str, int] = {}
        self._nodes: dict[tuple, Node] = {}
        self._points: list[tuple[Device, Point, ua.NodeId]] = []

    @property
    def endpoint_url(self) -> str:
        return self._ua.url

    async def start(self) -> None:
        """Build the address space, publish the values and listen."""
        first = await self._ua.init()
        await self._register_namespaces(first)
        gate = WriteGate(self._ua.server)
        for device in self._profile.devices:
            await self._add_device(device, gate)
        self._ua.delay_requests(self._latency_s)
        await self._ua.start()
        await self.sync()

    async def sync(self) -> None:
        """Publish every point's value now; go offline or back as the faults say."""
        await self._ua.follow(self._plant.fault(self._profile.name, "offline") is not None)
        for device, point, nodeid in self._points:
            await self._publisher.good(nodeid, _raw(point, self._plant.read(device.name, point.name)),
                                       VARIANT[point.type])

    async def close(self) -> None:
        await self._ua.close()

    async def _register_namespaces(self, first: int) -> None:
        """Indices the profile names exist, the profile's namespace at the lowest above 1; then nsu= URIs."""
        indices, uris = _namespaces_named(self._profile)
        own = min((i for i in indices if i >= first), default=first)
        server = self._ua.server
        for index in range(first + 1, max(indices, default=first) + 1):
            await server.register_namespace(FILLER.format(index))
        table = await server.get_namespace_array()
        table[first:] = [FILLER.format(index) for index in range(first, len(table))]
        table[own] = self._namespace or FILLER.format(own)
        await server.write_attribute_value(ua.NodeId(ua.ObjectIds.Server_NamespaceArray),
                                           ua.DataValue(ua.Variant(table, ua.VariantType.String)))
        for uri in uris:
            await server.register_namespace(uri)
        self._indices = {uri: index for index, uri in enumerate(await server.get_namespace_array())}

    def _index(self, namespace: Namespace) -> int:
        if isinstance(namespace, int):
            return namespace
        return self._indices[namespace if namespace is not None else self._namespace]

    async def _add_device(self, device: Device, gate: WriteGate) -> None:
        obj = None if device.object is None else await self._object(device.object)
        for point in device.points:
            parent, nodeid, name = await self._place(point.node, obj)
            node = await add_variable(parent, nodeid, name, VARIANT[point.type], point.text.en, point.writable)
            nodeid = node.nodeid
            if point.writable:
                gate.route(nodeid, point.name, VARIANT[point.type], self._writer(device, point))
            else:
                gate.read_only(nodeid)
            self._points.append((device, point, nodeid))
        for method in device.methods:
            target = await self._object(method.object) if method.object else obj
            parent, nodeid, name = await self._place(method.node or _escaped(method.name), target)
            inputs = [Arg(n, VARIANT[t], r) for (n, t), r in zip(method.inputs, method.ranges)]
            await add_method(parent, nodeid, name, inputs, self._caller(device, method), description=method.text.en)

    async def _object(self, text: str) -> Node:
        """A device's or method's object (a NodeId or a path from Objects), made where missing."""
        address = parse_address(from_objects(text))
        if isinstance(address, NodeIdText):
            return await self._ensure(("id", text), self._ua.server.nodes.objects, self._node_id(address),
                                      ua.QualifiedName(_last_name(address), self._index(address.namespace)))
        return await self._path(self._ua.server.nodes.objects, address.elements)

    async def _place(self, text: str, obj: Node | None) -> tuple[Node, ua.NodeId, ua.QualifiedName]:
        """Parent node, NodeId and browse name of a variable or method at a profile address."""
        address = parse_address(text)
        if isinstance(address, NodeIdText):
            return (obj or self._ua.server.nodes.objects, self._node_id(address),
                    ua.QualifiedName(_last_name(address), self._index(address.namespace)))
        start = self._ua.server.nodes.objects if address.absolute or obj is None else obj
        parent = await self._path(start, address.elements[:-1])
        ns, name = address.elements[-1]
        index = self._index(ns)
        return parent, ua.NodeId(_path_id(start, address.elements), index), ua.QualifiedName(name, index)

    async def _path(self, start: Node, elements: tuple[tuple[Namespace, str], ...]) -> Node:
        """The object at the end of elements from start, each one made where missing."""
        node, indexed = start, tuple((self._index(ns), name) for ns, name in elements)
        for end, (index, name) in enumerate(indexed, 1):
            node = await self._ensure((start.nodeid, indexed[:end]), node,
                                      ua.NodeId(_path_id(start, elements[:end]), index), ua.QualifiedName(name, index))
        return node

    async def _ensure(self, key: tuple, parent: Node, nodeid: ua.NodeId, name: ua.QualifiedName) -> Node:
        if key not in self._nodes:
            self._nodes[key] = await parent.add_object(nodeid, name)
            await describe(self._nodes[key], name.Name)
        return self._nodes[key]

    def _node_id(self, address: NodeIdText) -> ua.NodeId:
        index = self._index(address.namespace)
        if index == 0:
            raise TwinAddressError(f"{self._profile.name}: a twin cannot serve namespace-0 node {address.identifier!r}")
        return ua.NodeId(address.identifier, index, _KINDS[address.kind])

    def _writer(self, device: Device, point: Point):
        async def write(value: object) -> None:
            engineering = value if point.type.value in ("bool", "string") else from_raw(point, value)
            try:
                point.check(engineering)
            except ValueError as exc:
                raise StatusError(ua.StatusCodes.BadOutOfRange, str(exc)) from None
            self._plant.write(device.name, point.name, engineering)
            await self.sync()
        return write

    def _caller(self, device: Device, method: Method):
        names = {p.name for p in device.points}

        async def call(*values: object) -> None:
            for (name, _), value in zip(method.inputs, values):
                if name in names:
                    self._plant.write(device.name, name, value)
            await self.sync()
        return call

    def _latency_s(self) -> float:
        fault = self._plant.fault(self._profile.name, "latency")
        return float(fault.params["ms"]) / 1000 if fault is not None else 0.0


def _namespaces_named(profile: Profile) -> tuple[set[int], list[str]]:
    """The namespace indices (above 1) and URIs the profile's addresses name."""
    indices: set[int] = set()
    uris: list[str] = []
    for text in _addresses(profile):
        address = parse_address(text)
        named = ([address.namespace] if isinstance(address, NodeIdText)
                 else [ns for ns, _ in address.elements])
        indices |= {ns for ns in named if isinstance(ns, int) and ns > 1}
        uris += [ns for ns in named if isinstance(ns, str) and ns not in uris and ns != profile.transport.get("namespace")]
    return indices, uris


def _addresses(profile: Profile) -> Iterator[str]:
    for device in profile.devices:
        if device.object:
            yield from_objects(device.object)
        yield from (p.node for p in device.points if p.node)
        for method in device.methods:
            if method.object:
                yield from_objects(method.object)
            if method.node:
                yield method.node


def _last_name(address: NodeIdText) -> str:
    """A browse name for a NodeId: its identifier's last part, quotes dropped ("DB"."Speed" -> Speed)."""
    parts = [p for p in re.split(r'"\.?|\.', str(address.identifier)) if p]
    return parts[-1] if parts else str(address.identifier)


def _path_id(start: Node, elements: tuple[tuple[Namespace, str], ...]) -> str:
    """A made node's string NodeId: its browse names from where its path starts (``/Folder/Object`` from Objects)."""
    head = "" if start.nodeid == _OBJECTS else start.nodeid.to_string()
    return head + "".join(f"/{name}" for _, name in elements)


def _escaped(name: str) -> str:
    return name.replace("&", "&&").replace("/", "&/")


def _raw(point: Point, value: object) -> object:
    """The value as the node holds it: scale and offset undone, of the variant's Python type."""
    if point.type.value == "string":
        return str(value)
    if point.type.value == "bool":
        return bool(value)
    return float(to_raw(point, value)) if point.type.is_float else int(to_raw(point, value))
