"""Modbus replies checked against their request, sans-IO: framing (MBAP or RTU) and the PDU.

Nothing read leaves the driver unless every field of the reply that produced it
matches the request that was sent: the transaction id (a reply with id 0 to a
request with id 5 is not an answer), the unit, the function code (an FC4 reply
to an FC3 request holds other registers), the byte count against the quantity
asked, the MBAP length against the PDU, the echo of a write. pymodbus 3.16
checks none of the PDU fields and lets transaction id 0 answer any request,
so this module frames and checks every reply itself (`framer.CheckedFramer`
puts it in pymodbus's place). Anything else raises `ProtocolViolation`, whose
reason names what was wrong (``reply fc 4 to request fc 3``,
``byte count 4, expected 6``); an exception reply raises the named
`ModbusException`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from pymodbus.framer import FramerRTU

from ..errors import ModbusException, ProtocolViolation

MBAP = struct.Struct(">HHHB")
MBAP_LENGTH = range(2, 255)  # unit id + PDU, as the spec bounds it (PDU at most 253 bytes)
READS = {1: "bits", 2: "bits", 3: "registers", 4: "registers"}
ECHOES = {5, 6}  # the reply repeats the request
COUNTED_WRITES = {15, 16}  # the reply repeats address and quantity


class Incomplete(Exception):
    """More bytes are needed before the reply can be judged."""


@dataclass(frozen=True)
class Request:
    """What was asked: transaction id (0 on RTU), unit, and the request PDU."""

    transaction: int
    unit: int
    pdu: bytes

    @property
    def function(self) -> int:
        return self.pdu[0]

    @property
    def quantity(self) -> int:
        """Registers or bits asked for (reads, FC15/16)."""
        return struct.unpack_from(">H", self.pdu, 3)[0]

    def reply_bytes(self) -> int:
        """The byte count a read reply must carry."""
        count = self.quantity
        return (count + 7) // 8 if READS[self.function] == "bits" else 2 * count


def check_pdu(request: Request, pdu: bytes) -> list[int] | list[bool] | None:
    """The values a reply PDU carries (None for a write); ProtocolViolation or ModbusException if not an answer."""
    fc = request.function
    if not pdu:
        raise ProtocolViolation(reason="empty reply")
    if pdu[0] == fc | 0x80:
        if len(pdu) != 2:
            raise ProtocolViolation(reason=f"exception reply of {len(pdu)} bytes, expected 2")
        raise ModbusException.of(pdu[1])
    if pdu[0] != fc:
        raise ProtocolViolation(reason=f"reply fc {pdu[0]} to request fc {fc}")
    if fc in READS:
        expected = request.reply_bytes()
        if len(pdu) < 2 or pdu[1] != expected:
            raise ProtocolViolation(reason=f"byte count {pdu[1] if len(pdu) > 1 else 'missing'}, expected {expected}")
        if len(pdu) != 2 + expected:
            raise ProtocolViolation(reason=f"byte count {expected} with {len(pdu) - 2} data bytes")
        data = pdu[2:]
        if READS[fc] == "bits":
            return [bool(data[i // 8] >> (i % 8) & 1) for i in range(request.quantity)]
        return list(struct.unpack(f">{expected // 2}H", data))
    if fc in ECHOES:
        if pdu != request.pdu:
            raise ProtocolViolation(reason=f"reply {pdu.hex()} does not echo request {request.pdu.hex()}")
        return None
    if fc in COUNTED_WRITES:
        if pdu != request.pdu[:5]:
            raise ProtocolViolation(reason=f"reply {pdu.hex()} does not repeat address and quantity "
                                           f"{request.pdu[1:5].hex()}")
        return None
    raise ProtocolViolation(reason=f"request fc {fc} is not one this driver checks")


def split_tcp(buffer: bytes, request: Request) -> tuple[int, bytes]:
    """The length of the first MBAP frame in buffer and its PDU, checked against the request's header.

    Incomplete until the whole frame is there; ProtocolViolation for a header
    that does not answer the request, or bytes after the frame.
    """
    if len(buffer) < MBAP.size:
        raise Incomplete
    transaction, protocol, length, unit = MBAP.unpack_from(buffer)
    if protocol != 0:
        raise ProtocolViolation(reason=f"protocol id {protocol}, expected 0")
    if length not in MBAP_LENGTH:
        raise ProtocolViolation(reason=f"MBAP length {length}, expected 2..254")
    if transaction != request.transaction:
        raise ProtocolViolation(reason=f"transaction id {transaction}, expected {request.transaction}")
    end = MBAP.size - 1 + length
    if len(buffer) < end:
        raise Incomplete
    if len(buffer) > end:
        raise ProtocolViolation(reason=f"MBAP length {length} with {len(buffer) - end} more bytes after it")
    if unit != request.unit:
        raise ProtocolViolation(reason=f"reply from unit {unit} to request for unit {request.unit}")
    return end, bytes(buffer[MBAP.size:end])


def rtu_frame_size(buffer: bytes) -> int:
    """An RTU reply's length on the wire from its first bytes (Incomplete until they are there)."""
    if len(buffer) < 2:
        raise Incomplete
    fc = buffer[1]
    if fc & 0x80:
        return 5
    if fc in READS:
        if len(buffer) < 3:
            raise Incomplete
        return 5 + buffer[2]
    if fc in ECHOES | COUNTED_WRITES:
        return 8
    raise ProtocolViolation(reason=f"reply fc {fc} cannot be framed")


def split_rtu(buffer: bytes, request: Request) -> tuple[int, bytes]:
    """The length of the RTU reply in buffer and its PDU: whole, CRC good, from the unit asked."""
    size = rtu_frame_size(buffer)
    if buffer[1] != request.function and buffer[1] != request.function | 0x80:
        raise ProtocolViolation(reason=f"reply fc {buffer[1]} to request fc {request.function}")
    if len(buffer) < size:
        raise Incomplete
    frame = bytes(buffer[:size])
    if not crc_ok(frame):
        raise ProtocolViolation(reason="crc error")
    if len(buffer) > size:
        raise ProtocolViolation(reason=f"{len(buffer) - size} bytes after the reply")
    if frame[0] != request.unit:
        raise ProtocolViolation(reason=f"reply from unit {frame[0]} to request for unit {request.unit}")
    return size, frame[1:-2]


def crc_ok(frame: bytes) -> bool:
    """Whether an RTU frame ends with the CRC16-Modbus of what comes before it."""
    return len(frame) >= 4 and FramerRTU.compute_CRC(frame[:-2]) == int.from_bytes(frame[-2:], "big")
