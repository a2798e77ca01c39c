"""The OPC UA driver: batched reads, writes, method calls and data-change subscriptions.

asyncua runs with auto_reconnect off, so this driver's backoff is the only
reconnect: inside read()/write() when they find the connection gone, and in
the background while subscriptions are waiting for the server to come back.
asyncua's watchdog (every read timeout) notices a dead or half-open
connection; subscribers then get BAD "not connected" for their points, and
their subscriptions are made again after the reconnect. Subscriptions are
this package's own (`subscriptions`), not asyncua's: enough PublishRequests
in flight, losses counted in `OpcUaDriver.health`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from asyncua import Client, ua

from smarthall.stopping import stop

from ..backoff import Backoff, RetryGate
from ..deadline import within
from ..driver import Timeouts, connect_if_due
from ..errors import (
    BadStatus,
    CallFailed,
    ConnectFailed,
    DriverError,
    NotConnected,
    RequestTimeout,
    SettingsError,
    WriteFailed,
)
from ..profiles import Device, Point
from ..quality import Reading, Value
from ..security import Security
from .resolve import AddressBook
from .security import apply
from .subscriptions import Health, Subscriptions
from .values import argument, change_sink, reading, variant

log = logging.getLogger(__name__)

Callback = Callable[[Point, Reading], None]
_LOST = (ConnectionError, OSError, ua.UaError)
# The session the driver asks for: it never reactivates a session after a lost connection (it makes a new
# one), so a server keeps a dead one only this long, not asyncua's hour (a PLC serves a few sessions: an
# S7-1200 ten); node-opcua's client asks the same, and servers grant it (asyncua warns when one revises it).
SESSION_TIMEOUT_MS = 60_000


@dataclass(frozen=True)
class _Watch:
    """One subscribe() request, kept to be made again after a reconnect."""

    device: Device
    points: tuple[Point, ...]
    callback: Callback
    interval_ms: float


class OpcUaDriver:
    """One OPC UA server; a point's `node` is a NodeId or a browse path (`devices.profiles.address`).

    Addresses are resolved once per connection (`resolve.AddressBook`); a point the server does not
    have is BAD with the server's status (BadNodeIdUnknown, BadNoMatch), the others go on.
    """

    def __init__(self, endpoint: str, namespace: str, timeouts: Timeouts = Timeouts(),
                 rng: random.Random | None = None, security: Security = Security(),
                 sampling_ms: float | None = None) -> None:
        self.endpoint = endpoint
        self.namespace = namespace
        self.timeouts = timeouts
        self.security = security
        self.sampling_ms = sampling_ms  # how often the server samples a subscribed point (None: each interval)
        self._gate = RetryGate(Backoff(timeouts.backoff_min, timeouts.backoff_max, rng))
        self._client: Client | None = None
        self._book: AddressBook | None = None
        self._subscriptions: Subscriptions | None = None
        self.health = Health()  # what the subscriptions received and lost, over every connection
        self._watches: list[_Watch] = []
        self._connecting = asyncio.Lock()
        self._background: set[asyncio.Task] = set()
        self._deliveries: set[asyncio.Task] = set()
        self._reviving: asyncio.Task | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, object], timeouts: Timeouts) -> OpcUaDriver:
        for key in ("endpoint", "namespace"):
            if not isinstance(settings.get(key, ""), str) or key == "endpoint" and key not in settings:
                raise SettingsError(f"setting {key!r}: expected a string, got {settings.get(key)!r}")
        sampling = settings.get("sampling_ms")
        if sampling is not None and (isinstance(sampling, bool) or not isinstance(sampling, int | float)
                                     or sampling < 0):
            raise SettingsError(f"setting 'sampling_ms': expected a number of ms >= 0, got {sampling!r}")
        return cls(str(settings["endpoint"]), str(settings.get("namespace", "")), timeouts,
                   security=Security.from_settings(settings), sampling_ms=sampling)

    @property
    def lost_changes(self) -> int:
        """Data-change losses the subscriptions detected (`Health.lost`), over every connection."""
        return self.health.lost

    @property
    def connected(self) -> bool:
        return self._client is not None

    async def connect(self) -> None:
        """Connect, find the namespace and make the subscriptions; ConnectFailed (and a backoff step) if not."""
        async with self._connecting:
            if self._client is not None:
                return
            t = self.timeouts
            client = Client(self.endpoint, timeout=t.read, watchdog_intervall=t.read)
            client.session_timeout = SESSION_TIMEOUT_MS
            client.connection_lost_callback = self._lost
            try:
                await within(apply(self.security, client, self.endpoint), t.connect)
                await within(client.connect(), t.connect)
            except ConnectFailed:
                self._gate.failed(time.monotonic())
                await self._teardown(client)
                raise
            except (TimeoutError, *_LOST) as exc:
                self._gate.failed(time.monotonic())
                await self._teardown(client)
                raise ConnectFailed(f"{self.endpoint}: cannot connect within {t.connect:g} s: {exc!r}") from None
            self._client = client
            self._book = AddressBook(client, self.namespace, self._request, t.read)
            self._subscriptions = Subscriptions(client, t.read, self.health)
            for watch in list(self._watches):  # a watch added from now on is started by subscribe()
                await self._start(watch)
                if self._client is None:  # lost while starting: the reconnect starts them all again
                    break

    async def close(self) -> None:
        self._watches.clear()
        if self._reviving is not None:
            await stop(self._reviving)
        self._drop()
        await asyncio.gather(*self._background, *self._deliveries, return_exceptions=True)

    async def read(self, device: Device, points: Sequence[Point]) -> list[Reading]:
        """All points in one Read request; per point status names for what the server refuses."""
        if not points:
            return []
        if not await self._ready():
            return [Reading.bad(NotConnected.reason)] * len(points)
        try:
            nodes = await self._book.points(device, points)
            asked = [n for n in nodes if isinstance(n, ua.NodeId)]
            values = iter(await self._request(self._client.uaclient.read_attributes(asked, ua.AttributeIds.Value),
                                              self.timeouts.read) if asked else ())
        except DriverError as exc:
            return [Reading.bad(exc.reason)] * len(points)
        return [reading(p, next(values)) if isinstance(n, ua.NodeId) else Reading.bad(n.reason)
                for p, n in zip(points, nodes)]

    async def variables(self, limit: int = 2000, depth: int = 8) -> list[tuple[str, str]]:
        """(browse path from Objects, NodeId) of the server's variables outside namespace 0, breadth first,
        at most `limit` nodes looked at and `depth` levels deep: what commissioning offers for a missing node."""
        if not await self._ready():
            return []
        found: list[tuple[str, str]] = []
        level, seen = [("", self._client.nodes.objects)], 0
        for _ in range(depth):
            below = []
            for path, node in level:
                children = await self._request(node.get_children_descriptions(), self.timeouts.read)
                for child in children:
                    seen += 1
                    if child.NodeId.NamespaceIndex == 0 or seen > limit:
                        continue
                    name = child.BrowseName
                    text = f"{path}/{name.NamespaceIndex}:{name.Name.replace('&', '&&').replace('/', '&/')}"
                    if child.NodeClass == ua.NodeClass.Variable:
                        found.append((text, child.NodeId.to_string()))
                    elif child.NodeClass == ua.NodeClass.Object:
                        below.append((text, self._client.get_node(child.NodeId)))
            level = below
        return found

    async def write(self, device: Device, point: Point, value: Value) -> None:
        where = f"{device.name}.{point.name}"
        if not point.writable:
            raise WriteFailed(f"{where} is read-only", "read-only")
        try:
            point.check(value)
            data = ua.DataValue(variant(point, value))
        except ValueError as exc:
            raise WriteFailed(str(exc), "out of range") from None
        if not await self._ready():
            raise WriteFailed(f"{where}: {self.endpoint} is not connected", NotConnected.reason)
        try:
            (node,) = await self._book.points(device, [point])
            if isinstance(node, BadStatus):
                raise node
            (status,) = await self._request(self._client.uaclient.write_attributes([node], [data]),
                                            self.timeouts.write)
            if not status.is_good():
                raise BadStatus(status.value, status.name)
        except DriverError as exc:
            raise WriteFailed(f"{where}: {exc}", exc.reason) from exc

    async def call(self, device: Device, method_name: str, *args: Value) -> object:
        """Call a method with arguments checked against its InputArguments; CallFailed(reason) if refused.

        A value that does not fit the argument's type (40000 for an Int16) is refused before sending.
        """
        method = next((m for m in device.methods if m.name == method_name), None)
        where = f"{device.name}.{method_name}"
        if method is None or len(args) != len(method.inputs):
            raise CallFailed(f"{device.name} has no method {method_name}({len(args)} arguments)", "no such method")
        try:
            variants = [argument(name, dtype, a) for (name, dtype), a in zip(method.inputs, args)]
        except ValueError as exc:
            raise CallFailed(f"{where}: {exc}", "bad argument") from None
        if not await self._ready():
            raise CallFailed(f"{where}: {self.endpoint} is not connected", NotConnected.reason)
        try:
            target = await self._book.method(device, method)
            if isinstance(target, BadStatus):
                raise target
            if target.arguments is not None:
                if len(target.arguments) != len(args):
                    raise CallFailed(f"{where}: the server's method takes {len(target.arguments)} arguments"
                                     f" ({', '.join(a.Name for a in target.arguments)}), the profile {len(args)}",
                                     "bad argument")
                variants = [argument(name, dtype, a, server)
                            for (name, dtype), a, server in zip(method.inputs, args, target.arguments)]
            return await self._request(self._client.get_node(target.object).call_method(target.method, *variants),
                                       self.timeouts.write)
        except ValueError as exc:
            raise CallFailed(f"{where}: {exc}", "bad argument") from None
        except DriverError as exc:
            raise CallFailed(f"{where}: {exc}", exc.reason) from exc

    async def subscribe(self, device: Device, points: Sequence[Point], callback: Callback,
                        interval_ms: float = 100) -> None:
        """Deliver data changes of points to callback(point, reading) every interval_ms, also after reconnects.

        The server samples the points every `sampling_ms`: None, the interval; 0, as fast as it can, which
        servers that monitor their variables continuously meet by reporting each change as written.
        """
        watch = _Watch(device, tuple(points), callback, interval_ms)
        self._watches.append(watch)
        if self.connected:
            await self._start(watch)
        else:
            await self._ready()  # connecting starts every watch, this one too

    async def _start(self, watch: _Watch) -> None:
        """Subscribe the watch's points; whatever goes wrong is BAD on its points, never an exception."""
        try:
            await self._subscribe(watch)
        except DriverError as exc:
            log.warning("%s: cannot subscribe %s: %s", self.endpoint, watch.device.name, exc)
            bad = Reading.bad(exc.reason)
            for point in watch.points:
                watch.callback(point, bad)

    async def _subscribe(self, watch: _Watch) -> None:
        nodes = await self._book.points(watch.device, watch.points)
        found = {n: p for n, p in zip(nodes, watch.points) if isinstance(n, ua.NodeId)}
        for node, point in zip(nodes, watch.points):
            if isinstance(node, BadStatus):
                watch.callback(point, Reading.bad(node.reason))
        if not found:
            return
        refused = await self._request(self._subscriptions.add(
            watch.interval_ms, [(node, change_sink(point, watch.callback)) for node, point in found.items()],
            lambda reason: self._ended(watch, reason), self.sampling_ms), self.timeouts.read)
        for status, point in zip(refused, found.values()):
            if status is not None:  # the server refused this item: BAD with its status
                watch.callback(point, Reading.bad(status.name))

    def _ended(self, watch: _Watch, reason: str) -> None:
        """The server ended a watch's subscription: its points are BAD until it is made again."""
        bad = Reading.bad(reason)
        for point in watch.points:
            watch.callback(point, bad)
        if self._client is not None:
            self._spawn(self._start(watch), f"opcua {self.endpoint} subscribe again")

    async def _request(self, request, timeout: float):
        """Await one asyncua request within timeout; a timeout or a lost link drops the connection."""
        try:
            return await within(request, timeout)
        except TimeoutError:
            self._lose()
            raise RequestTimeout(f"{self.endpoint}: no reply within {timeout:g} s") from None
        except ua.UaStatusCodeError as exc:
            raise BadStatus(exc.code, ua.StatusCode(exc.code).name, str(exc)) from None
        except _LOST as exc:
            self._lose()
            raise NotConnected(f"{self.endpoint}: connection lost ({exc!r})") from None

    async def _ready(self) -> bool:
        return await connect_if_due(self.connected, self._gate, self.connect)

    async def _lost(self, exc: Exception) -> None:
        """asyncua's watchdog found the connection dead."""
        log.info("%s: connection lost: %r", self.endpoint, exc)
        self._lose()

    def _lose(self) -> None:
        """Drop the connection, tell subscribers, and reconnect them in the background through the backoff."""
        if self._client is None:
            return
        self._gate.failed(time.monotonic())
        self._drop()
        bad = Reading.bad(NotConnected.reason)
        for watch in self._watches:
            for point in watch.points:
                watch.callback(point, bad)
        if self._watches and (self._reviving is None or self._reviving.done()):
            self._reviving = asyncio.create_task(self._revive(), name=f"opcua {self.endpoint} reconnect")

    async def _revive(self) -> None:
        while self._client is None and self._watches:
            await asyncio.sleep(max(0.0, self._gate.not_before - time.monotonic()))
            with contextlib.suppress(ConnectFailed):
                await self.connect()

    def _drop(self) -> None:
        client, self._client, self._book = self._client, None, None
        if self._subscriptions is not None:
            self._subscriptions.close()
            self._subscriptions = None
        for task in self._deliveries:
            task.cancel()
        if client is not None:
            self._spawn(self._teardown(client), f"opcua {self.endpoint} teardown", self._background)

    def _spawn(self, coro, name: str, into: set[asyncio.Task] | None = None) -> None:
        """A task kept until done: deliveries and publish loops (cancelled on drop) or teardowns (awaited on close)."""
        tasks = self._deliveries if into is None else into
        task = asyncio.create_task(coro, name=name)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _teardown(self, client: Client) -> None:
        try:
            await within(client.disconnect(), self.timeouts.write)
        except (TimeoutError, *_LOST):
            client.disconnect_socket()

