"""The Modbus driver: block reads through the planner, writes, and reconnects paced by the backoff.

One driver per transport (`Link`); devices on it are told apart by unit id.
pymodbus runs with retries=0 and reconnect_delay=0, so this driver's timeouts
and backoff are the only ones. A read timeout on a TCP transport drops the
connection (a peer that vanished without FIN is noticed within the read
timeout) and the next reconnect waits for the backoff; on a serial port a
timeout only means that device stayed silent, so the port stays open.

Every reply is checked against its request before a value leaves (`reply`,
put into pymodbus by `framer`). A reply that is no answer is a
`ProtocolViolation`: its points are BAD with the violation as the reason, it
is counted in `protocol_violations`, and a TCP connection is dropped (its
byte stream can no longer be trusted) and reopened through the backoff.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence

from pymodbus.client.base import ModbusBaseClient
from pymodbus.exceptions import ConnectionException, ModbusIOException

from ..backoff import Backoff, RetryGate
from ..deadline import within
from ..driver import Timeouts, connect_if_due
from ..errors import (
    ConnectFailed,
    DeviceError,
    DriverError,
    IllegalDataAddress,
    ModbusException,
    NotConnected,
    ProtocolViolation,
    RequestTimeout,
    SettingsError,
    WriteFailed,
)
from ..profiles import Device, Kind, Point, Text
from ..profiles.codec import encode
from ..quality import AllGood, Quality, Reading, Value
from . import serial_port
from .framer import CheckedReply, checked
from .link import Link
from .planner import Block, Limits, Planner

GOOD = Quality.GOOD
_READ = {
    Kind.COIL: "read_coils", Kind.DISCRETE_INPUT: "read_discrete_inputs",
    Kind.INPUT_REGISTER: "read_input_registers", Kind.HOLDING_REGISTER: "read_holding_registers",
}


class ModbusDriver:
    """Modbus TCP, RTU on a serial port, or RTU over TCP, behind the `Driver` interface."""

    def __init__(self, link: Link, timeouts: Timeouts = Timeouts(), limits: Limits = Limits(),
                 rng: random.Random | None = None) -> None:
        self.link = link
        self.timeouts = timeouts
        self.planner = Planner(limits)
        self._gate = RetryGate(Backoff(timeouts.backoff_min, timeouts.backoff_max, rng))
        self._client: ModbusBaseClient | None = None
        self._framer = None
        self._connecting = asyncio.Lock()
        self.protocol_violations = 0  # replies that did not answer their request, since start
        self.serial_notes: list[Text] = []  # what the serial port's OS refused to tune (serial_port.tune)
        self._quiet_until = 0.0  # a serial line's next request waits for the inter-frame silence until then

    @classmethod
    def from_settings(cls, protocol: str, settings: Mapping[str, object], timeouts: Timeouts) -> ModbusDriver:
        gaps = {}
        for key, field in (("max_gap", "register_gap"), ("max_bit_gap", "bit_gap")):
            if key in settings:
                if not isinstance(settings[key], int) or isinstance(settings[key], bool) or settings[key] < 0:
                    raise SettingsError(f"setting {key!r}: expected a whole number >= 0, got {settings[key]!r}")
                gaps[field] = settings[key]
        return cls(Link.from_settings(protocol, settings), timeouts, Limits(**gaps))

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connected

    async def connect(self) -> None:
        """Open the link within the connect timeout; ConnectFailed (and a backoff step) when it does not open."""
        async with self._connecting:
            if self.connected:
                return
            self._drop()
            t = self.timeouts
            client = self.link.client(timeout=max(t.connect, t.read, t.write))
            try:
                opened = await within(client.connect(), t.connect)
            except TimeoutError:
                opened = False
            if not opened:
                client.close()
                self._gate.failed(time.monotonic())
                note = serial_port.problem(self.link.serial) if self.link.serial is not None else None
                why = note or Text(ko=f"{t.connect:g}초 안에 연결되지 않습니다",
                                                    en=f"cannot connect within {t.connect:g} s")
                raise ConnectFailed(f"{self.link}: {why.en}", said=Text(ko=f"{self.link}: {why.ko}",
                                                                        en=f"{self.link}: {why.en}"))
            if self.link.serial is not None:
                self.serial_notes = serial_port.tune(client, self.link.rs485)
            self._framer = checked(client)
            self._client = client

    async def close(self) -> None:
        self._drop()

    async def read(self, device: Device, points: Sequence[Point]) -> list[Reading]:
        """Every point's reading; a refused (02) block is split and read again, remembered for later scans.

        After a timeout or a lost connection, the rest of the batch is BAD with that reason
        without asking, so one call takes at most about one read timeout.
        """
        read = await self.read_values(device, points)
        if isinstance(read, AllGood):
            now = read.timestamp
            return [Reading(v, GOOD, now) for v in read.values]
        return read

    async def read_values(self, device: Device, points: Sequence[Point]) -> AllGood | list[Reading]:
        """`read`, but a batch that is one block read GOOD comes back as AllGood (its decoded values and their one
        timestamp): the scanner makes its tag values from them, no Reading per value on the way."""
        if not points:
            return []
        if not await self._ready():
            return [Reading.bad(NotConnected.reason)] * len(points)
        found: dict[int, Reading] = {}  # by id(point): a Point's hash is costly, and a point read twice is one
        blocks = deque(self.planner.plan(device.unit, points))
        given_up: str | None = None
        while blocks:
            block = blocks.popleft()
            reason = given_up
            if reason is None:
                try:
                    data = await self._fetch(device.unit, block)
                except IllegalDataAddress as exc:
                    smaller = self.planner.refuse(device.unit, block)
                    if smaller != [block]:
                        blocks.extendleft(reversed(smaller))
                        continue
                    reason = exc.reason
                except DeviceError as exc:
                    reason = exc.reason
                except (RequestTimeout, NotConnected) as exc:
                    reason = given_up = exc.reason
                except ProtocolViolation as exc:
                    reason = exc.reason
                    if self.link.over_tcp:
                        given_up = reason
                else:
                    now = time.time()
                    values = block.decode(data)
                    if not found and not blocks and block.points == points:  # the whole batch, in its order
                        return AllGood(values, now)
                    found.update(zip(map(id, block.points), [Reading(v, GOOD, now) for v in values]))
                    continue
            bad = Reading.bad(reason)
            found.update((id(p), bad) for p in block.points)
        return [found[id(p)] for p in points]

    async def write(self, device: Device, point: Point, value: Value) -> None:
        """Coil: FC05; one register: FC06; more: FC16; a bit of a register: read (FC03), then FC06."""
        where = f"{device.name}.{point.name}"
        if not point.writable:
            raise WriteFailed(f"{where} is read-only", "read-only")
        try:
            point.check(value)
            if point.kind.is_register:
                encode(point, value)  # ValueError when the value does not fit the registers
        except ValueError as exc:
            raise WriteFailed(str(exc), "out of range") from None
        if not await self._ready():
            raise WriteFailed(f"{where}: {self.link} is not connected", NotConnected.reason)
        unit, at, timeout = device.unit, point.address, self.timeouts.write
        try:
            if point.kind is Kind.COIL:
                await self._call(lambda c: c.write_coil(at, bool(value), device_id=unit), timeout)
                return
            word = 0
            if point.bit is not None:
                word = (await self._call(lambda c: c.read_holding_registers(at, count=1, device_id=unit), timeout))[0]
            words = encode(point, value, word)
            if len(words) == 1:
                await self._call(lambda c: c.write_register(at, words[0], device_id=unit), timeout)
            else:
                await self._call(lambda c: c.write_registers(at, words, device_id=unit), timeout)
        except DriverError as exc:
            raise WriteFailed(f"{where}: {exc}", exc.reason) from exc

    async def write_block(self, device: Device, values: Sequence[tuple[Point, Value]]) -> None:
        """Write contiguous holding registers in ONE FC16 request (e.g. verdict_part and verdict together).

        WriteFailed when a point is not a writable whole holding register, the points leave a gap,
        a value does not fit, or the request did not happen.
        """
        where = f"{device.name}." + "+".join(p.name for p, _ in values)
        if not values:
            raise WriteFailed(f"{device.name}: write_block needs at least one point", "out of range")
        ordered = sorted(values, key=lambda pv: pv[0].address)
        words: list[int] = []
        start = expected = ordered[0][0].address
        for point, value in ordered:
            if point.kind is not Kind.HOLDING_REGISTER or point.bit is not None or not point.writable:
                raise WriteFailed(f"{where}: {point.name} is not a writable holding register", "read-only")
            if point.address != expected:
                raise WriteFailed(f"{where}: registers are not contiguous at {point.name}", "out of range")
            try:
                point.check(value)
                encoded = encode(point, value)
            except ValueError as exc:
                raise WriteFailed(str(exc), "out of range") from None
            words.extend(encoded)
            expected = point.address + len(encoded)
        if not await self._ready():
            raise WriteFailed(f"{where}: {self.link} is not connected", NotConnected.reason)
        try:
            await self._call(lambda c: c.write_registers(start, words, device_id=device.unit), self.timeouts.write)
        except DriverError as exc:
            raise WriteFailed(f"{where}: {exc}", exc.reason) from exc

    async def _ready(self) -> bool:
        return await connect_if_due(self.connected, self._gate, self.connect)

    async def _fetch(self, unit: int | None, block: Block) -> list:
        method = _READ[block.kind]
        return await self._call(lambda c: getattr(c, method)(block.start, count=block.count, device_id=unit),
                                self.timeouts.read)

    async def _call(self, request: Callable[[ModbusBaseClient], object], timeout: float) -> list | None:
        """One request within timeout: the values its checked reply carries (None for a write).

        Named errors for timeouts, lost connections, exception replies and replies that answer
        something else (ProtocolViolation).
        """
        if not self.connected:
            self._drop()
            raise NotConnected(f"{self.link}: connection lost")
        if self._framer.untrusted is not None:  # bytes came between requests (a late or extra reply)
            if self.link.over_tcp:
                self._violated(ProtocolViolation(reason=self._framer.untrusted))
            self.protocol_violations += 1  # a serial bus starts each request afresh
            self._framer.untrusted = None
        if (wait := self._quiet_until - time.monotonic()) > 0:
            await asyncio.sleep(wait)  # the 3.5-character silence after the last frame on a serial line
        try:
            reply: CheckedReply = await within(request(self._client), timeout)
        except (TimeoutError, ModbusIOException):
            self._quiet_until = time.monotonic() + self.link.frame_gap_s
            if self.link.over_tcp:
                self._drop()
                self._gate.failed(time.monotonic())
            else:
                self._framer.request = None  # a reply still on its way is no answer to the next request
            raise RequestTimeout(f"{self.link}: no reply within {timeout:g} s") from None
        except ConnectionException:
            self._drop()
            raise NotConnected(f"{self.link}: connection lost") from None
        self._quiet_until = time.monotonic() + self.link.frame_gap_s
        outcome = reply.outcome
        if isinstance(outcome, ProtocolViolation):
            self._violated(outcome)
        if isinstance(outcome, ModbusException):
            raise ModbusException.of(outcome.code, str(self.link))
        self._gate.succeeded()
        return outcome

    def _violated(self, violation: ProtocolViolation) -> None:
        """Count a reply that answered something else and raise it; a TCP stream is reset through the backoff."""
        self.protocol_violations += 1
        self._framer.untrusted = None
        if self.link.over_tcp:
            self._drop()
            self._gate.failed(time.monotonic())
        raise ProtocolViolation(f"{self.link}: {violation.reason}", violation.reason)

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()
