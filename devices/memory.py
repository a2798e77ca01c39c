"""A driver over values in memory, for tests of the layers above the drivers (as httpx ships MockTransport).

`MemoryDriver(values, handler)` reads each point from `values` (keyed ``"device.point"``; GOOD,
or BAD ``no value`` for a key it lacks) and stores writes there. Every operation is appended to
`log` as an `Operation`, then handed to the optional async `handler`, which may wait (a slow
device), raise (a device error, or an unexpected exception) or change `values`. `connected`
decides whether reads are BAD ``not connected`` and writes fail, as a real driver's would.
It offers every capability of `devices.driver`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from .errors import NotConnected, WriteFailed
from .profiles import Device, Point
from .quality import Reading, Value


@dataclass(frozen=True)
class Operation:
    """One call a MemoryDriver was asked to make: kind (read, write, write_block, call, subscribe) and what for."""

    kind: str
    device: Device
    points: tuple[Point, ...] = ()
    values: tuple[object, ...] = ()


class MemoryDriver:
    """Answers from `values`; `handler(operation)` runs first and may wait or raise."""

    def __init__(self, values: Mapping[str, Value] | None = None,
                 handler: Callable[[Operation], Awaitable[None]] | None = None) -> None:
        self.values: dict[str, Value] = dict(values or {})
        self.handler = handler
        self.connected = True
        self.log: list[Operation] = []
        self._watchers: list[tuple[Device, tuple[Point, ...], Callable[[Point, Reading], None]]] = []

    async def connect(self) -> None:
        self.connected = True

    async def read(self, device: Device, points: Sequence[Point]) -> list[Reading]:
        await self._do(Operation("read", device, tuple(points)))
        return [self.reading(device, point) for point in points]

    async def write(self, device: Device, point: Point, value: Value) -> None:
        await self._do(Operation("write", device, (point,), (value,)))
        self._store(device, point, value)

    async def write_block(self, device: Device, values: Sequence[tuple[Point, Value]]) -> None:
        await self._do(Operation("write_block", device, tuple(p for p, _ in values), tuple(v for _, v in values)))
        for point, value in values:
            self._store(device, point, value)

    async def call(self, device: Device, method: str, *args: Value) -> object:
        await self._do(Operation("call", device, (), (method, *args)))
        return None

    async def subscribe(self, device: Device, points: Sequence[Point],
                        on_change: Callable[[Point, Reading], None], publish_ms: float) -> None:
        await self._do(Operation("subscribe", device, tuple(points), (publish_ms,)))
        self._watchers.append((device, tuple(points), on_change))
        for point in points:
            on_change(point, self.reading(device, point))

    async def close(self) -> None:
        self.connected = False

    def reading(self, device: Device, point: Point) -> Reading:
        """What a read of this point returns now."""
        if not self.connected:
            return Reading.bad(NotConnected.reason)
        key = f"{device.name}.{point.name}"
        return Reading.good(self.values[key], time.time()) if key in self.values else Reading.bad("no value")

    def set(self, key: str, value: Value) -> None:
        """Change a value as the device would; subscribers hear of it."""
        self.values[key] = value
        for device, points, on_change in self._watchers:
            for point in points:
                if f"{device.name}.{point.name}" == key:
                    on_change(point, self.reading(device, point))

    async def _do(self, operation: Operation) -> None:
        self.log.append(operation)
        if self.handler is not None:
            await self.handler(operation)

    def _store(self, device: Device, point: Point, value: Value) -> None:
        if not self.connected:
            raise WriteFailed(f"{device.name}.{point.name}: not connected", NotConnected.reason)
        self.set(f"{device.name}.{point.name}", value)
