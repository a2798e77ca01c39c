"""Modbus TCP framing, sans-IO: MBAP headers in a byte stream.

A frame is a 7-byte header (transaction id, protocol id 0, length, unit id)
and a PDU; the length counts the unit id and the PDU, so 2..254. Anything
else is not Modbus: `FrameError`, and the server drops the connection.
"""

from __future__ import annotations

import struct
from typing import NamedTuple

from .errors import FrameError

HEADER = struct.Struct(">HHHB")
MIN_LENGTH = 2
MAX_LENGTH = 254


class Frame(NamedTuple):
    """One request: a named tuple, as a frozen dataclass costs a microsecond more to make per request."""

    transaction: int
    unit: int
    pdu: bytes


def encode(transaction: int, unit: int, pdu: bytes) -> bytes:
    """One MBAP frame carrying pdu."""
    return HEADER.pack(transaction, 0, len(pdu) + 1, unit) + pdu


class Decoder:
    """Splits a TCP byte stream into frames, buffering partial ones."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes received that do not make a whole frame yet."""
        return len(self._buffer)

    def feed(self, data: bytes | memoryview) -> list[Frame]:
        """The complete frames once data is added; FrameError on a bad header."""
        self._buffer += data
        frames = []
        while len(self._buffer) >= HEADER.size:
            transaction, protocol, length, unit = HEADER.unpack_from(self._buffer)
            if protocol != 0:
                raise FrameError(f"protocol id {protocol}, expected 0")
            if not MIN_LENGTH <= length <= MAX_LENGTH:
                raise FrameError(f"length {length}, expected {MIN_LENGTH}..{MAX_LENGTH}")
            end = HEADER.size - 1 + length
            if len(self._buffer) < end:
                break
            frames.append(Frame(transaction, unit, bytes(self._buffer[HEADER.size:end])))
            del self._buffer[:end]
        return frames
