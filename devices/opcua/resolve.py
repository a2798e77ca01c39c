"""Profile addresses to NodeIds on one connection: resolved once, in batches, each failure its own.

NodeIds written with ``nsu=`` get the namespace's index from the server's
NamespaceArray; NodeIds are checked to exist (one Read of their NodeClass);
browse paths go in one TranslateBrowsePathsToNodeIds request. What the server
cannot find is a `BadStatus` for that point alone (BadNodeIdUnknown, BadNoMatch,
...), so every other point and device on the connection goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from asyncua import Client, ua

from ..errors import BadStatus
from ..profiles import Device, Method, Point
from ..profiles.address import BrowsePath, NodeIdText, from_objects, parse_address

log = logging.getLogger(__name__)

Request = Callable[[Awaitable, float], Awaitable]
Resolved = ua.NodeId | BadStatus
_OBJECTS = ua.NodeId(ua.ObjectIds.ObjectsFolder)
_HIERARCHICAL = ua.NodeId(ua.ObjectIds.HierarchicalReferences)
_INPUT_ARGUMENTS = ((0, "InputArguments"),)
_KINDS = {"i": ua.NodeIdType.Numeric, "s": ua.NodeIdType.String, "g": ua.NodeIdType.Guid, "b": ua.NodeIdType.ByteString}


def _unknown(what: str) -> BadStatus:
    return BadStatus(ua.StatusCodes.BadNodeIdUnknown, "BadNodeIdUnknown", what)


@dataclass(frozen=True)
class MethodTarget:
    """A method as the server has it: the object it is called on, its id, its InputArguments (None: not given)."""

    object: ua.NodeId
    method: ua.NodeId
    arguments: tuple[ua.Argument, ...] | None


class AddressBook:
    """The NodeIds of one connection's points and methods, looked up when first asked for."""

    def __init__(self, client: Client, namespace: str, request: Request, timeout: float) -> None:
        self._client = client
        self._namespace = namespace
        self._request = request
        self._timeout = timeout
        self._table: list[str] | None = None
        self._found: dict[tuple[str | None, str], Resolved] = {}
        self._methods: dict[tuple[str, str], MethodTarget | BadStatus] = {}

    async def points(self, device: Device, points: Sequence[Point]) -> list[Resolved]:
        """Each point's NodeId, or the BadStatus saying why the server has none."""
        keys = [(device.object, p.node) for p in points]
        await self._look_up([k for k in dict.fromkeys(keys) if k not in self._found])
        return [self._found[k] for k in keys]

    async def method(self, device: Device, method: Method) -> MethodTarget | BadStatus:
        """Where to call the method and its InputArguments (read once per connection)."""
        key = (device.name, method.name)
        if key not in self._methods:
            self._methods[key] = await self._method(device, method)
        return self._methods[key]

    async def _method(self, device: Device, method: Method) -> MethodTarget | BadStatus:
        obj_text = method.object or device.object
        node_text = method.node or method.name.replace("&", "&&").replace("/", "&/")
        await self._look_up([(None, from_objects(obj_text)), (obj_text, node_text)])
        obj, node = self._found[(None, from_objects(obj_text))], self._found[(obj_text, node_text)]
        if isinstance(obj, BadStatus) or isinstance(node, BadStatus):
            return obj if isinstance(obj, BadStatus) else node
        (found,) = await self._translate([(node, _INPUT_ARGUMENTS)])
        arguments = None
        if isinstance(found, ua.NodeId):
            (value,) = await self._request(self._client.uaclient.read_attributes([found], ua.AttributeIds.Value),
                                           self._timeout)
            if value.StatusCode is None or value.StatusCode.is_good():
                arguments = tuple(value.Value.Value or ()) if value.Value is not None else ()
        elif found.reason == "BadNoMatch":
            arguments = ()  # a method without InputArguments takes none
        return MethodTarget(obj, node, arguments)

    async def _look_up(self, keys: list[tuple[str | None, str]]) -> None:
        """Resolve (object, node) pairs: NodeIds checked by one Read, paths in one Translate request."""
        keys = [k for k in keys if k not in self._found]
        if not keys:
            return
        ids: dict[tuple[str | None, str], ua.NodeId] = {}
        paths: dict[tuple[str | None, str], tuple[ua.NodeId, tuple]] = {}
        for key in keys:
            start = await self._start(key)
            if isinstance(start, BadStatus):
                self._found[key] = start
                continue
            target = parse_address(key[1])
            if isinstance(target, NodeIdText):
                node = await self._node_id(target)
                if isinstance(node, BadStatus):
                    self._found[key] = node
                else:
                    ids[key] = node
            else:
                paths[key] = (start, target.elements)
        if ids:
            checks = await self._request(self._client.uaclient.read_attributes(list(ids.values()),
                                                                               ua.AttributeIds.NodeClass), self._timeout)
            for (key, node), check in zip(ids.items(), checks):
                status = check.StatusCode
                self._found[key] = node if status is None or status.is_good() else BadStatus(status.value, status.name)
        if paths:
            for key, result in zip(paths, await self._translate(list(paths.values()))):
                self._found[key] = result
        for key in keys:
            if isinstance(self._found[key], BadStatus):
                log.warning("%s: %s", key[1], self._found[key].reason)

    async def _start(self, key: tuple[str | None, str]) -> ua.NodeId | BadStatus:
        """Where a node's path starts: Objects, or its device's object (itself resolved first)."""
        obj, node = key
        target = parse_address(node)
        if not isinstance(target, BrowsePath) or target.absolute:
            return _OBJECTS
        if obj is None:
            return _unknown(f"{node}: a path from the device's object, and the device has no object")
        await self._look_up([(None, from_objects(obj))])
        return self._found[(None, from_objects(obj))]

    async def _translate(self, paths: list[tuple[ua.NodeId, tuple]]) -> list[Resolved]:
        requests = []
        for start, elements in paths:
            path = ua.BrowsePath()
            path.StartingNode = start
            path.RelativePath = ua.RelativePath(Elements=[
                ua.RelativePathElement(ReferenceTypeId=_HIERARCHICAL, IsInverse=False, IncludeSubtypes=True,
                                       TargetName=ua.QualifiedName(name, await self._index(ns)))
                for ns, name in elements])
            requests.append(path)
        results = await self._request(self._client.uaclient.translate_browsepaths_to_nodeids(requests), self._timeout)
        found: list[Resolved] = []
        for result in results:
            if result.StatusCode.is_good() and result.Targets:
                target = result.Targets[0].TargetId
                found.append(ua.NodeId(target.Identifier, target.NamespaceIndex, target.NodeIdType))
            else:
                found.append(BadStatus(result.StatusCode.value, result.StatusCode.name))
        return found

    async def _node_id(self, text: NodeIdText) -> ua.NodeId | BadStatus:
        namespace = text.namespace
        if isinstance(namespace, str):
            table = await self._namespaces()
            if namespace not in table:
                return _unknown(f"the server has no namespace {namespace}")
            namespace = table.index(namespace)
        return ua.NodeId(text.identifier, namespace or 0, _KINDS[text.kind])

    async def _index(self, namespace: int | str | None) -> int:
        """A browse name's namespace index (None: the profile's namespace); an unknown URI matches nothing."""
        if isinstance(namespace, int):
            return namespace
        uri = self._namespace if namespace is None else namespace
        table = await self._namespaces()
        return table.index(uri) if uri in table else 0xFFFF

    async def _namespaces(self) -> list[str]:
        if self._table is None:
            (value,) = await self._request(self._client.uaclient.read_attributes(
                [ua.NodeId(ua.ObjectIds.Server_NamespaceArray)], ua.AttributeIds.Value), self._timeout)
            self._table = list(value.Value.Value or [])
        return self._table

