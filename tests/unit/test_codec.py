"""Register codec: every type and word order round-trips; the float32 orders are the classic trap."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.profiles import WORD_ORDERS, DataType, Kind, Point, Text
from smarthall.devices.profiles.codec import block_decoder, block_encoder, decode, encode


def point(dtype: DataType, order: str = "ABCD", scale: float = 1.0, offset: float = 0.0) -> Point:
    return Point(name="p", kind=Kind.HOLDING_REGISTER, type=dtype, text=Text("p", "p"),
                 address=0, word_order=order, scale=scale, offset=offset)


# 123.456 as float32 is 0x42F6E979: bytes A=42 B=F6 C=E9 D=79.
@pytest.mark.parametrize(("order", "registers"), [
    ("ABCD", [0x42F6, 0xE979]), ("CDAB", [0xE979, 0x42F6]),
    ("BADC", [0xF642, 0x79E9]), ("DCBA", [0x79E9, 0xF642]),
])
def test_float32_word_orders(order, registers):
    p = point(DataType.FLOAT32, order)
    assert encode(p, 123.456) == registers
    assert decode(p, registers) == pytest.approx(123.456, rel=1e-7)


def test_scaled_int16_is_signed_tenths():
    p = point(DataType.INT16, scale=0.1)
    assert encode(p, -12.3) == [0xFF85]
    assert decode(p, [0xFF85]) == pytest.approx(-12.3)


def test_uint32_high_word_first():
    p = point(DataType.UINT32)
    assert encode(p, 70000) == [0x0001, 0x1170]
    assert decode(p, [0x0001, 0x1170]) == 70000


def test_value_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="does not fit a uint16"):
        encode(point(DataType.UINT16), 70000)


def test_wrong_register_count_is_refused():
    with pytest.raises(ValueError, match="takes 2 registers, got 1"):
        decode(point(DataType.FLOAT32), [1])


INT_RANGES = {t: t.limits for t in (DataType.INT16, DataType.UINT16, DataType.INT32, DataType.UINT32)}


@given(st.sampled_from(sorted(INT_RANGES)), st.sampled_from(WORD_ORDERS), st.data())
def test_integers_round_trip_in_every_order(dtype, order, data):
    low, high = INT_RANGES[dtype]
    value = data.draw(st.integers(int(low), int(high)))
    p = point(dtype, order)
    registers = encode(p, value)
    assert len(registers) == dtype.registers and all(0 <= r <= 0xFFFF for r in registers)
    assert decode(p, registers) == value


@given(st.sampled_from(WORD_ORDERS), st.floats(width=32, allow_nan=False))
def test_float32_round_trips_in_every_order(order, value):
    assert decode(point(DataType.FLOAT32, order), encode(point(DataType.FLOAT32, order), value)) == value


@given(st.sampled_from(WORD_ORDERS), st.floats(allow_nan=False))
def test_float64_round_trips_in_every_order(order, value):
    p = point(DataType.FLOAT64, order)
    assert len(encode(p, value)) == 4
    assert decode(p, encode(p, value)) == value


def test_nan_survives_as_nan():
    p = point(DataType.FLOAT32, "CDAB")
    assert math.isnan(decode(p, encode(p, math.nan)))


@given(st.integers(-3276, 3276))
def test_scale_and_offset_round_trip(tenths):
    p = point(DataType.INT16, scale=0.1, offset=-40.0)
    value = tenths / 10 - 40.0
    assert decode(p, encode(p, value)) == pytest.approx(value, abs=1e-9)


NUMBERS = (DataType.INT16, DataType.UINT16, DataType.INT32, DataType.UINT32, DataType.FLOAT32, DataType.FLOAT64)


@st.composite
def block_points(draw) -> list[Point]:
    """Points of one register block in any order: every type and word order, scaled or not, bits of a
    register, strings, and points overlapping each other (a register and a bit of it, a pair and its half)."""
    points = []
    for i in range(draw(st.integers(1, 12))):
        dtype = draw(st.sampled_from([t for t in DataType if t is not DataType.BOOL]))
        extra: dict = {}
        if dtype is DataType.STRING:
            extra["length"] = draw(st.integers(1, 3))
        elif dtype in (DataType.INT16, DataType.UINT16) and draw(st.booleans()):
            extra["bit"] = draw(st.integers(0, 15))
        elif draw(st.booleans()):
            extra["scale"], extra["offset"] = draw(st.sampled_from([(0.1, 0.0), (1.0, -40.0), (2.0, 0.5)]))
        points.append(Point(name=f"p{i}", kind=Kind.HOLDING_REGISTER, type=dtype, text=Text("p", "p"),
                            address=draw(st.integers(10, 30)), word_order=draw(st.sampled_from(WORD_ORDERS)),
                            **extra))
    return points


@given(block_points(), st.data())
def test_a_block_decodes_as_each_point_alone(points, data):
    start = min(p.address for p in points)
    count = max(p.address + p.width for p in points) - start
    registers = data.draw(st.lists(st.integers(0, 0xFFFF), min_size=count, max_size=count))
    alone = [decode(p, registers[p.address - start:p.address - start + p.width]) for p in points]
    together = block_decoder(start, count, points)(registers)
    assert [repr(v) for v in together] == [repr(v) for v in alone]  # repr: NaN equals NaN, 1 is not 1.0 or True


@given(block_points(), st.data())
def test_a_block_encodes_as_each_point_alone(points, data):
    """Points one after another in registers: one struct for them all, or None when one is a bit, a string or
    a word order it does not take."""
    values = []
    for p in points:
        if p.type.is_float:
            values.append(data.draw(st.floats(width=32)))
        else:
            low, high = p.type.limits if p.type in NUMBERS else (0, 0)
            values.append(data.draw(st.integers(low, high)) * p.scale + p.offset)
    encode_block = block_encoder(points)
    plain = all(p.bit is None and p.type in NUMBERS and (p.word_order == "ABCD" or p.width == 1 and p.word_order == "CDAB")
                for p in points)
    assert (encode_block is not None) == plain
    if plain:
        assert encode_block(values) == [word for p, v in zip(points, values) for word in encode(p, v)]
