"""Modbus RTU framing, sans-IO: CRC16, request lengths, frame boundaries, wire time.

An RTU frame is unit id, PDU and CRC16-Modbus (low byte first). On a real
line a silence of 3.5 characters ends a frame; over a pty there is no
character timing, so the decoder cuts requests by the length their function
code implies and the bus calls `Decoder.silence` when the line has been quiet
(to end a request of unknown length, which then gets exception 01, and to
forget the partial frame left by garbage). A bad CRC discards everything
buffered: the device waits for the next silence, as real ones do.
"""

from __future__ import annotations

from dataclasses import dataclass

BITS_PER_CHAR = 11  # start, 8 data, parity, stop
FAST_LINE_BAUD = 19200
FAST_LINE_SILENCE_S = 0.00175  # the spec's fixed t3.5 above 19200 baud
_FIXED_LENGTH = {1: 8, 2: 8, 3: 8, 4: 8, 5: 8, 6: 8}
_COUNTED_LENGTH = {15: 6, 16: 6, 23: 10}  # function code: index of the byte count


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = crc >> 1 ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc16(data: bytes) -> int:
    """CRC16-Modbus (poly 0xA001 reflected, init 0xFFFF) of data."""
    crc = 0xFFFF
    for byte in data:
        crc = crc >> 8 ^ _TABLE[(crc ^ byte) & 0xFF]
    return crc


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


def char_time(baudrate: int) -> float:
    """Seconds one 11-bit character takes on the wire."""
    return BITS_PER_CHAR / baudrate


def silence_time(baudrate: int) -> float:
    """The 3.5-character inter-frame silence (fixed 1.75 ms above 19200 baud)."""
    return FAST_LINE_SILENCE_S if baudrate > FAST_LINE_BAUD else 3.5 * char_time(baudrate)


def transaction_time(request_bytes: int, reply_bytes: int, baudrate: int, turnaround_s: float = 0.0) -> float:
    """Least seconds from the start of a request to the end of its reply on a real line."""
    return (request_bytes + reply_bytes) * char_time(baudrate) + silence_time(baudrate) + turnaround_s


@dataclass(frozen=True)
class Frame:
    unit: int
    pdu: bytes
    size: int  # bytes on the wire, CRC included


class Decoder:
    """Splits the bytes a master sends into request frames with a good CRC."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Frame]:
        """The complete requests once data is added; a bad CRC discards the buffer."""
        self._buffer += data
        frames = []
        while (length := request_length(self._buffer)) is not None and len(self._buffer) >= length:
            candidate = bytes(self._buffer[:length])
            if not crc_ok(candidate):
                self._buffer.clear()
                break
            frames.append(_frame(candidate))
            del self._buffer[:length]
        return frames

    def silence(self) -> list[Frame]:
        """The line went quiet: what is buffered is a whole frame or garbage; either way it ends."""
        candidate = bytes(self._buffer)
        self._buffer.clear()
        return [_frame(candidate)] if crc_ok(candidate) else []


def _frame(raw: bytes) -> Frame:
    return Frame(unit=raw[0], pdu=raw[1:-2], size=len(raw))
