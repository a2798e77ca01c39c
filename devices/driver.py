"""The one small interface every protocol driver implements, what else a driver may offer, timeouts, the factory.

`Driver` is what every driver does (connect, read, write, close). The capabilities a driver
may add are small `runtime_checkable` protocols the edge checks before it relies on them
(`missing_capabilities`): `Subscribes` (data changes pushed, OPC UA), `Calls` (device
methods, OPC UA), `WritesBlocks` (several registers in one request, Modbus FC16),
`CountsViolations` (replies that did not answer their request, Modbus), `CountsLostChanges`
(data changes a subscription lost, OPC UA), `ReadsValues` (a batch read whole and GOOD as its bare
values, the scan's hot path, Modbus). `OFFERS` says which the built-in driver of each
protocol has, so a line file can be checked when it loads, before any driver is made.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from .backoff import RetryGate
from .errors import ConnectFailed
from .profiles import Device, Point, Profile
from .quality import AllGood, Reading, Value


@dataclass(frozen=True)
class Timeouts:
    """Seconds: connect, read and write bound each call; the reconnect backoff runs from min to max.

    backoff_max bounds how long a peer that answers again waits for the next attempt: with 10 s
    a station back from being switched off was read GOOD again after a median 6.0 s (worst 7.4 s,
    benchmarks/comm_recovery.py); 1.5 s keeps that within 2 s at one connect attempt per step.
    """

    connect: float = 2.0
    read: float = 1.0
    write: float = 1.0
    backoff_min: float = 0.5
    backoff_max: float = 1.5


@runtime_checkable
class Driver(Protocol):
    """One transport (a TCP station, an RS-485 bus, an OPC UA server) and the devices on it."""

    @property
    def connected(self) -> bool: ...

    async def connect(self) -> None:
        """Open the transport within `Timeouts.connect`; ConnectFailed says why not."""

    async def read(self, device: Device, points: Sequence[Point]) -> list[Reading]:
        """One Reading per point, in order; BAD readings (never an exception) for what cannot be read."""

    async def write(self, device: Device, point: Point, value: Value) -> None:
        """Write one point within `Timeouts.write`; WriteFailed(reason) when it did not happen."""

    async def close(self) -> None:
        """Close the transport (idempotent)."""


@runtime_checkable
class Subscribes(Protocol):
    async def subscribe(self, device: Device, points: Sequence[Point],
                        callback: Callable[[Point, Reading], None], interval_ms: float = 100) -> None:
        """Deliver every data change of points to callback(point, reading), also after reconnects."""


@runtime_checkable
class Calls(Protocol):
    async def call(self, device: Device, method_name: str, *args: Value) -> object:
        """Call a device method with the profile's argument types; CallFailed(reason) if refused."""


@runtime_checkable
class WritesBlocks(Protocol):
    async def write_block(self, device: Device, values: Sequence[tuple[Point, Value]]) -> None:
        """Write several contiguous points in one request; WriteFailed(reason) if it did not happen."""


@runtime_checkable
class CountsViolations(Protocol):
    protocol_violations: int
    """Replies that did not answer their request, since the driver was made."""


@runtime_checkable
class CountsLostChanges(Protocol):
    lost_changes: int
    """Data changes lost on the way (missing notification messages, overflowed server queues), since made."""


@runtime_checkable
class ReadsValues(Protocol):
    async def read_values(self, device: Device, points: Sequence[Point]) -> AllGood | list[Reading]:
        """`read`, but a batch read whole and GOOD comes back as AllGood: its values and their one timestamp."""


_MODBUS = frozenset({WritesBlocks, CountsViolations, ReadsValues})
OFFERS: Mapping[str, frozenset[type]] = MappingProxyType({
    "modbus-tcp": _MODBUS, "modbus-rtu": _MODBUS, "opcua": frozenset({Subscribes, Calls, CountsLostChanges})})
"""The capabilities of the built-in driver of each protocol (`driver_for`'s; a test holds them to the classes)."""


def missing_capabilities(driver: object, needed: Sequence[type]) -> list[str]:
    """The names of the capability protocols in `needed` that driver does not offer (empty: all)."""
    return [capability.__name__ for capability in needed if not isinstance(driver, capability)]


def driver_for(profile: Profile, settings: Mapping[str, object], timeouts: Timeouts = Timeouts()) -> Driver:
    """The driver for a profile's protocol; `settings` override the profile's [transport] keys.

    modbus-tcp: host, port. modbus-rtu: link (the serial port, e.g. /dev/ttyUSB0), baudrate,
    bytesize, parity, stopbits; or host and port for RTU framed over TCP (a serial gateway).
    opcua: endpoint, namespace. Modbus also takes max_gap and max_bit_gap (planner gaps).
    """
    transport = {**profile.transport, **settings}
    # Imported here: the drivers import this module (and an OPC UA-less edge never loads asyncua).
    if profile.protocol == "opcua":
        from .opcua import OpcUaDriver
        return OpcUaDriver.from_settings(transport, timeouts)
    from .modbus import ModbusDriver
    return ModbusDriver.from_settings(profile.protocol, transport, timeouts)


async def connect_if_due(connected: bool, gate: RetryGate, connect: Callable[[], Awaitable[None]]) -> bool:
    """Whether a driver can talk now: connected, or connected now if its backoff allows a try.

    Never waits for the backoff: a scan during the wait gets BAD readings at once.
    """
    if connected:
        return True
    if not gate.ready(time.monotonic()):
        return False
    try:
        await connect()
    except ConnectFailed:
        return False
    return True
