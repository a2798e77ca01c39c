"""Modbus RTU framing, sans-IO: CRC16, request lengths, frame boundaries, wire time.

An RTU frame is unit id, PDU and CRC16-Modbus (low byte first). On a real
line a silence of 3.5 characters ends a frame; over a pty there is no
character timing, so the decoder cuts requests by the length their function
code implies and the bus calls `Decoder.silence` when the line has been quiet
(to end a request of unknown length, which then gets exception 01).

Garbage never grows the buffer past the largest ADU (256 bytes): a frame
with a bad CRC, an impossible length, or a buffer that long without a frame
makes the decoder hunt for the next place a request can start (a unit of the
bus followed by a function code of known length, found by one regex search)
and go on from there, as pymodbus's RTU framer does. So a flood costs time
in proportion to its bytes, and a valid request right after it is answered.
The CRC is anycrc's C table (15x faster than a Python table on a 256-byte
frame; the same on an 8-byte one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import anycrc

from smarthall.devices.modbus.timing import char_time, silence_time

_FIXED_LENGTH = {1: 8, 2: 8, 3: 8, 4: 8, 5: 8, 6: 8}
_COUNTED_LENGTH = {15: 6, 16: 6, 23: 10}  # function code: index of the byte count
MAX_ADU = 256  # the spec's largest RTU frame: unit, 253-byte PDU, CRC
_CRC16 = anycrc.Model("CRC16-MODBUS")


def crc16(data: bytes) -> int:
    """CRC16-Modbus (poly 0xA001 reflected, init 0xFFFF) of data."""
    return _CRC16.calc(data)


def encode(unit: int, pdu: bytes) -> bytes:
    """The RTU frame carrying pdu for unit."""
    adu = bytes([unit]) + pdu
    return adu + crc16(adu).to_bytes(2, "little")


def crc_ok(frame: bytes) -> bool:
    return len(frame) >= 4 and crc16(frame[:-2]).to_bytes(2, "little") == frame[-2:]


def request_length(head: bytes) -> int | None:
    """A request's frame length from its first bytes; None until known or for an unknown length."""
    if len(head) < 2:
        return None
    fc = head[1]
    if fc in _FIXED_LENGTH:
        return _FIXED_LENGTH[fc]
    if fc in _COUNTED_LENGTH:
        index = _COUNTED_LENGTH[fc]
        return head[index] + index + 3 if len(head) > index else None
    if fc == 43 and len(head) > 2 and head[2] == 0x0E:
        return 7
    return None


def transaction_time(request_bytes: int, reply_bytes: int, baudrate: int, turnaround_s: float = 0.0) -> float:
    """Least seconds from the start of a request to the end of its reply on a real line."""
    return (request_bytes + reply_bytes) * char_time(baudrate) + silence_time(baudrate) + turnaround_s


@dataclass(frozen=True)
class Frame:
    unit: int
    pdu: bytes
    size: int  # bytes on the wire, CRC included


class Decoder:
    """Splits the bytes a master sends into request frames with a good CRC, hunting past garbage.

    units: the unit ids served (0, broadcast, is always added); a hunt starts
    only at one of them. None: at any byte.
    """

    def __init__(self, units: Iterable[int] | None = None) -> None:
        self._buffer = bytearray()
        self._start = _frame_start(None if units is None else {0, *units})
        self._hunting = False  # garbage seen since the last silence: only a request start may lead

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        """The complete requests once data is added; at most MAX_ADU bytes stay buffered."""
        self._buffer += data
        return self._frames(final=False)

    def silence(self) -> list[Frame]:
        """The line went quiet: what is buffered is whole frames or garbage; either way it ends."""
        frames = self._frames(final=True)
        self._hunting = False
        return frames

    def _frames(self, final: bool) -> list[Frame]:
        frames, buffer = [], self._buffer
        while buffer:
            length = request_length(buffer)
            if length is None:
                if final and crc_ok(buffer):  # a request of unknown length ends at the silence
                    frames.append(_frame(bytes(buffer)))
                    buffer.clear()
                elif final or self._hunting or len(buffer) > MAX_ADU:
                    self._hunt()
                    continue
                break
            if length > MAX_ADU:
                self._hunt()
            elif len(buffer) < length:
                if not final:
                    break
                self._hunt()
            elif crc_ok(candidate := bytes(buffer[:length])):
                frames.append(_frame(candidate))
                del buffer[:length]
            else:
                self._hunt()
        return frames

    def _hunt(self) -> None:
        """Drop the first byte and everything up to where the next request can start."""
        self._hunting = True
        match = self._start.search(self._buffer, 1)
        del self._buffer[:match.start() if match else max(1, len(self._buffer) - 1)]


def _frame_start(units: set[int] | None) -> re.Pattern[bytes]:
    """Where a request of known length can start: a served unit, then a function code of known length."""
    codes = (*_FIXED_LENGTH, *_COUNTED_LENGTH, 43)
    unit = b"." if units is None else _byte_class(units)
    return re.compile(b"(?=" + unit + _byte_class(codes) + b")", re.DOTALL)


def _byte_class(values: Iterable[int]) -> bytes:
    return b"[" + b"".join(re.escape(bytes([value])) for value in sorted(values)) + b"]"


def _frame(raw: bytes) -> Frame:
    return Frame(unit=raw[0], pdu=raw[1:-2], size=len(raw))
