"""Register codec, sans-IO: engineering values to 16-bit registers and back.

A point's type, scale, offset and word order say how its value sits in
registers. ``ABCD`` is big-endian with the high word first (the Modbus
default); ``CDAB`` swaps the words, ``BADC`` the bytes in each word, ``DCBA``
both. A point with a ``bit`` is that bit of one int16/uint16 register, a bool.
A string fills its ``length`` registers with UTF-8 (ASCII) bytes, first
character in the high byte (``BADC``: in the low byte), padded with NULs.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from .model import DataType, Point

_STRUCT = {kind: struct.Struct(">" + code) for kind, code in {
    DataType.INT16: "h", DataType.UINT16: "H", DataType.INT32: "i", DataType.UINT32: "I",
    DataType.FLOAT32: "f", DataType.FLOAT64: "d",
}.items()}


def to_raw(point: Point, value: float) -> float | int:
    """Engineering value to the raw number stored; ValueError when it does not fit."""
    raw = (value - point.offset) / point.scale
    if point.type.is_float:
        return raw
    raw = round(raw)
    low, high = point.type.limits
    if not low <= raw <= high:
        raise ValueError(f"{point.name}: {value!r} does not fit a {point.type} at scale {point.scale:g}")
    return raw


def from_raw(point: Point, raw: float) -> float | int:
    """Raw stored number to the engineering value (ints stay ints at scale 1)."""
    if point.scale == 1 and point.offset == 0:
        return raw
    return raw * point.scale + point.offset


def encode(point: Point, value: float | str, word: int = 0) -> list[int]:
    """Registers holding value for a register point; a bit point sets its bit in `word` (the register now)."""
    if point.bit is not None:
        mask = 1 << point.bit
        return [word | mask if value else word & ~mask & 0xFFFF]
    if point.type is DataType.STRING:
        data = str(value).encode("utf-8")
        if len(data) > 2 * point.width:
            raise ValueError(f"{point.name}: {value!r} is longer than {2 * point.width} bytes (UTF-8)")
        data = data.ljust(2 * point.width, b"\0")
    else:
        data = _STRUCT[point.type].pack(to_raw(point, value))
    return _words(_reorder(data, point.word_order))


def decode(point: Point, registers: Sequence[int]) -> bool | float | int | str:
    """The engineering value of a register point from its registers."""
    if len(registers) != point.width:
        raise ValueError(f"{point.name}: a {point.type} takes {point.width} registers, got {len(registers)}")
    if point.bit is not None:
        return bool(registers[0] >> point.bit & 1)
    data = _reorder(b"".join(r.to_bytes(2, "big") for r in registers), point.word_order)
    if point.type is DataType.STRING:
        return data.rstrip(b"\0").decode("utf-8", errors="replace")
    (raw,) = _STRUCT[point.type].unpack(data)
    return from_raw(point, raw)


def _reorder(data: bytes, order: str) -> bytes:
    """Between big-endian ABCD bytes and the given order (each is its own inverse)."""
    if order == "ABCD":
        return data
    words = [data[i:i + 2] for i in range(0, len(data), 2)]
    if order in ("CDAB", "DCBA"):
        words.reverse()
    if order in ("BADC", "DCBA"):
        words = [w[::-1] for w in words]
    return b"".join(words)


def _words(data: bytes) -> list[int]:
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]
