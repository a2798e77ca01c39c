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
from collections.abc import Callable, Sequence

from .model import DataType, Point

_STRUCT = {kind: struct.Struct(">" + code) for kind, code in {
    DataType.INT16: "h", DataType.UINT16: "H", DataType.INT32: "i", DataType.UINT32: "I",
    DataType.FLOAT32: "f", DataType.FLOAT64: "d",
}.items()}


def to_raw(point: Point, value: float) -> float | int:
    """Engineering value to the raw number stored; ValueError when it does not fit."""
    return raw_converter(point)(value)


def raw_converter(point: Point) -> Callable[[float], float | int]:
    """`to_raw` for one point, its scale, offset and limits looked up once (a block encoder converts per value)."""
    offset, scale = point.offset, point.scale
    if point.type.is_float:
        return lambda value: (value - offset) / scale
    low, high = point.type.limits

    def whole(value: float) -> int:
        raw = round((value - offset) / scale)
        if not low <= raw <= high:
            raise ValueError(f"{point.name}: {value!r} does not fit a {point.type} at scale {scale:g}")
        return raw

    return whole


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


def block_decoder(start: int, count: int, points: Sequence[Point]) -> Callable[[Sequence[int]], list]:
    """`decode` for every point of a read of `count` registers from `start` at once, values in points' order.

    Whole numbers stored big-endian (ABCD, or one register in any order that keeps its bytes) that do
    not overlap come out of one struct over the block; bits, strings and other word orders go point by point.
    """
    words = struct.Struct(f">{count}H")
    plain: list[tuple[int, Point]] = []  # index in points, point: read by the one struct
    layout, end = [">"], 0  # the struct's codes, and the register after the last plain point
    rest: list[tuple[int, Point, int]] = []  # index, point, offset in the block
    for index, point in sorted(enumerate(points), key=lambda ip: ip[1].address):
        at = point.address - start
        if point.bit is None and point.type in _STRUCT and at >= end and (
                point.word_order == "ABCD" or point.width == 1 and point.word_order == "CDAB"):
            layout.append(f"{2 * (at - end)}x{_STRUCT[point.type].format[1:]}")
            end = at + point.width
            plain.append((index, point))
        else:
            rest.append((index, point, at))
    numbers = struct.Struct("".join(layout))
    in_order = [index for index, _ in plain] == list(range(len(points)))
    scaled = [(slot, point) for slot, (_, point) in enumerate(plain) if point.scale != 1 or point.offset != 0]

    def decode_block(registers: Sequence[int]) -> list:
        raw = numbers.unpack_from(words.pack(*registers[:count]))
        if scaled:
            raw = list(raw)
            for slot, point in scaled:
                raw[slot] = from_raw(point, raw[slot])
        if in_order:
            return list(raw)
        values: list = [None] * len(points)
        for (index, _), value in zip(plain, raw):
            values[index] = value
        for index, point, at in rest:
            values[index] = decode(point, registers[at:at + point.width])
        return values

    return decode_block


def block_encoder(points: Sequence[Point]) -> Callable[[Sequence[float]], list[int]] | None:
    """`encode` for whole numbers of points that follow each other in registers, all in one struct: the
    registers of the values given in points' order; None when one is not such a point (bit, string, word order)."""
    codes = []
    for point in points:
        if point.bit is not None or point.type not in _STRUCT or not (
                point.word_order == "ABCD" or point.width == 1 and point.word_order == "CDAB"):
            return None
        codes.append(_STRUCT[point.type].format[1:])
    numbers = struct.Struct(">" + "".join(codes))
    words = struct.Struct(f">{numbers.size // 2}H")
    converters = [raw_converter(point) for point in points]

    def encode_block(values: Sequence[float]) -> list[int]:
        return list(words.unpack(numbers.pack(*[convert(value) for convert, value in zip(converters, values)])))

    return encode_block


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
    words = _WORDS.get(len(data)) or struct.Struct(f">{len(data) // 2}H")
    return list(words.unpack(data))


_WORDS = {2 * n: struct.Struct(f">{n}H") for n in (1, 2, 4)}  # the numeric types' sizes
