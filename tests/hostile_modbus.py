"""A Modbus TCP server that misbehaves the way broken gateways and PLCs do, for tests of the driver.

It answers from a fixed image (holding register = address * 257 + 3, input registers 1000 more; coils
and inputs in other patterns) through the simulators' spec-ordered PDU core; `misbehave` names one of
`MISBEHAVIOURS`, which turns the honest reply into a hostile one (None: honest); a hostile reply that
could pass carries other data, so an unchecked one would show as a wrong number. Loopback, a free port.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from smarthall.devices.profiles import Kind
from smarthall.simulators.modbus import mbap, rtu
from smarthall.simulators.modbus.pdu import handle


class Image:
    """Fixed values everywhere; writes are taken and forgotten."""

    identity = ("hostile", "h1", "1.0")

    def read_bits(self, kind: Kind, address: int, count: int) -> list[bool]:
        return [(address + i) % 3 == (kind is Kind.COIL) for i in range(count)]

    def read_registers(self, kind: Kind, address: int, count: int) -> list[int]:
        return [((address + i) * 257 + 3 + 1000 * (kind is Kind.INPUT_REGISTER)) % 65536 for i in range(count)]

    def write_coils(self, address: int, values: Sequence[bool]) -> None:
        pass

    def write_registers(self, address: int, values: Sequence[int]) -> None:
        pass


@dataclass(frozen=True)
class Misbehaviour:
    """Turns (transaction, unit, request PDU, honest reply PDU) into the bytes sent back, for some requests."""

    functions: frozenset[int]
    reply: Callable[[int, int, bytes, bytes], bytes]
    reason: str  # what the driver must say (a substring of the BAD reading's reason)


def _frame(transaction: int, unit: int, pdu: bytes, length: int | None = None, protocol: int = 0) -> bytes:
    return struct.pack(">HHHB", transaction, protocol, len(pdu) + 1 if length is None else length, unit) + pdu


def _swap(table: dict[int, int]) -> Callable[[int, int, bytes, bytes], bytes]:
    """The honest answer to the other function code (input registers for holding ones, ...)."""
    return lambda tid, unit, request, honest: _frame(tid, unit, handle(bytes([table[request[0]]]) + request[1:],
                                                                       Image()))


def _other(pdu: bytes) -> bytes:
    """A reply of the same shape with other data: the answer to some other request."""
    return pdu[:2] + bytes(b ^ 0x5A for b in pdu[2:])


def _count(delta: int) -> Callable[[int, int, bytes, bytes], bytes]:
    """A read reply whose byte count (and data) is delta bytes longer or shorter than asked."""
    def reply(tid: int, unit: int, request: bytes, honest: bytes) -> bytes:
        data = honest[2:] + bytes(max(delta, 0)) if delta > 0 else honest[2:len(honest) + delta]
        return _frame(tid, unit, bytes([honest[0], len(data)]) + data)
    return reply


def _lying_count(tid: int, unit: int, request: bytes, honest: bytes) -> bytes:
    """The byte count says one byte more than the data that follows (the MBAP length agrees with the data)."""
    return _frame(tid, unit, bytes([honest[0], honest[1] + 1]) + honest[2:])


def _short_mbap(tid: int, unit: int, request: bytes, honest: bytes) -> bytes:
    """The MBAP length stops two bytes into the data; the rest of the PDU follows anyway."""
    return _frame(tid, unit, honest, length=len(honest) + 1 - 2)


def _ahead(tid: int, unit: int, request: bytes, honest: bytes) -> bytes:
    """The reply carries the next request's transaction id."""
    return _frame(tid + 1, unit, _other(honest))


READS = frozenset({1, 2, 3, 4})
REGISTERS = frozenset({3, 4})
BITS = frozenset({1, 2})
MISBEHAVIOURS: dict[str, Misbehaviour] = {
    "transaction id zero": Misbehaviour(READS, lambda tid, unit, request, honest: _frame(0, unit, _other(honest)),
                                        "transaction id 0, expected"),
    "fc3 fc4 swapped": Misbehaviour(REGISTERS, _swap({3: 4, 4: 3}), "to request fc"),
    "fc1 fc2 swapped": Misbehaviour(BITS, _swap({1: 2, 2: 1}), "to request fc"),
    "register reply to a coil request": Misbehaviour(
        BITS, lambda tid, unit, request, honest: _frame(tid, unit, bytes([3, 2, 0, 1])), "reply fc 3 to request fc"),
    "byte count longer": Misbehaviour(READS, _count(2), "byte count"),
    "byte count shorter": Misbehaviour(READS, _count(-2), "byte count"),
    "coil byte count lies": Misbehaviour(BITS, _lying_count, "byte count"),
    "MBAP length shorter than the PDU": Misbehaviour(READS, _short_mbap, "MBAP length"),
    "reply ahead with the next transaction id": Misbehaviour(READS, _ahead, "transaction id"),
    "reply from another unit": Misbehaviour(
        READS, lambda tid, unit, request, honest: _frame(tid, unit + 1, _other(honest)), "reply from unit"),
    "protocol id not 0": Misbehaviour(
        READS, lambda tid, unit, request, honest: _frame(tid, unit, _other(honest), protocol=1), "protocol id 1"),
    "exception reply for another fc": Misbehaviour(
        READS, lambda tid, unit, request, honest: _frame(tid, unit, bytes([(request[0] % 4 + 1) | 0x80, 2])),
        "to request fc"),
    "write reply that does not echo": Misbehaviour(
        frozenset({5, 6}), lambda tid, unit, request, honest: _frame(tid, unit, honest[:3] + bytes([0x12, 0x34])),
        "does not echo"),
}


def _rtu_bytes(change: Callable[[int, bytes], bytes]) -> Callable[[int, int, bytes, bytes], bytes]:
    """An RTU misbehaviour: change(unit, honest reply PDU) gives the frame sent (CRC included)."""
    return lambda tid, unit, request, honest: change(unit, honest)


def _bad_crc(unit: int, honest: bytes) -> bytes:
    frame = bytearray(rtu.encode(unit, _other(honest)))
    frame[-1] ^= 0xFF
    return bytes(frame)


RTU_MISBEHAVIOURS: dict[str, Misbehaviour] = {
    "crc wrong": Misbehaviour(READS, _rtu_bytes(_bad_crc), "crc error"),
    "reply from another unit": Misbehaviour(
        READS, _rtu_bytes(lambda unit, honest: rtu.encode(unit + 1, _other(honest))), "reply from unit"),
    "fc3 fc4 swapped": Misbehaviour(
        REGISTERS, lambda tid, unit, request, honest: rtu.encode(unit, handle(bytes([{3: 4, 4: 3}[request[0]]])
                                                                          + request[1:], Image())),
        "to request fc"),
    "byte count longer": Misbehaviour(
        READS, _rtu_bytes(lambda unit, honest: rtu.encode(unit, bytes([honest[0], honest[1] + 2]) + honest[2:]
                                                          + b"\x00\x00")), "byte count"),
    "byte count shorter": Misbehaviour(
        READS, _rtu_bytes(lambda unit, honest: rtu.encode(unit, bytes([honest[0], max(honest[1] - 2, 0)])
                                                          + honest[2:len(honest) - 2])), "byte count"),
}


class HostileServer:
    """Serves Modbus on 127.0.0.1 (a free port), MBAP or with rtu=True RTU frames over TCP (a serial gateway);
    `misbehave` picks the misbehaviour (None: honest)."""

    def __init__(self, rtu: bool = False) -> None:
        self.rtu = rtu
        self.misbehave: str | None = None
        self.requests = 0
        self.hostile_replies = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def close(self) -> None:
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        decoder = rtu.Decoder() if self.rtu else mbap.Decoder()
        try:
            while data := await reader.read(1024):
                for frame in decoder.feed(data):
                    writer.write(self._answer(getattr(frame, "transaction", 0), frame.unit, frame.pdu))
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(asyncio.current_task())
            writer.close()

    def _answer(self, transaction: int, unit: int, pdu: bytes) -> bytes:
        self.requests += 1
        honest = handle(pdu, Image())
        bad = (RTU_MISBEHAVIOURS if self.rtu else MISBEHAVIOURS).get(self.misbehave)
        if bad is None or pdu[0] not in bad.functions:
            return rtu.encode(unit, honest) if self.rtu else mbap.encode(transaction, unit, honest)
        self.hostile_replies += 1
        return bad.reply(transaction, unit, pdu, honest)
