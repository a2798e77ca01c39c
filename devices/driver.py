"""The one small interface every protocol driver implements, its timeouts, and the factory."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .backoff import RetryGate
from .errors import ConnectFailed
from .profiles import Device, Point, Profile
from .quality import Reading, Value


@dataclass(frozen=True)
class Timeouts:
    """Seconds: connect, read and write bound each call; the reconnect backoff runs from min to max."""

    connect: float = 2.0
    read: float = 1.0
    write: float = 1.0
    backoff_min: float = 0.5
    backoff_max: float = 10.0


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
