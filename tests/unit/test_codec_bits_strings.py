"""Register codec for bits of a register and strings: layout, limits and round trips (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.profiles import DataType, Kind, Point, Text
from smarthall.devices.profiles.codec import decode, encode


def bit_point(bit: int, dtype: DataType = DataType.UINT16) -> Point:
    return Point(name="b", kind=Kind.HOLDING_REGISTER, type=dtype, text=Text("b", "b"), address=0, bit=bit)


def string_point(length: int, order: str = "ABCD") -> Point:
    return Point(name="s", kind=Kind.HOLDING_REGISTER, type=DataType.STRING, text=Text("s", "s"), address=0,
                 length=length, word_order=order)


def test_a_bit_point_reads_its_bit_as_a_bool():
    assert decode(bit_point(0), [0x0001]) is True
    assert decode(bit_point(15, DataType.INT16), [0x8000]) is True
    assert decode(bit_point(1), [0xFFFD]) is False


def test_a_bit_write_changes_only_its_bit_of_the_current_register():
    assert encode(bit_point(4), True, word=0x1201) == [0x1211]
    assert encode(bit_point(12), False, word=0xFFFF) == [0xEFFF]


@given(st.integers(0, 15), st.integers(0, 0xFFFF), st.booleans())
def test_bits_round_trip_and_leave_the_other_bits(bit, word, value):
    (written,) = encode(bit_point(bit), value, word)
    assert decode(bit_point(bit), [written]) is value
    assert written & ~(1 << bit) == word & ~(1 << bit)


def test_a_string_is_high_byte_first_and_nul_padded():
    assert encode(string_point(3), "ABC") == [0x4142, 0x4300, 0x0000]
    assert decode(string_point(3), [0x4142, 0x4300, 0x0000]) == "ABC"


def test_a_byte_swapped_string_puts_the_first_character_low():
    assert encode(string_point(2, "BADC"), "ABC") == [0x4241, 0x0043]
    assert decode(string_point(2, "BADC"), [0x4241, 0x0043]) == "ABC"


def test_a_string_longer_than_its_registers_is_refused():
    with pytest.raises(ValueError, match="s: 'ABCDE' is longer than 4 bytes"):
        encode(string_point(2), "ABCDE")


def test_a_string_takes_its_length_in_registers():
    with pytest.raises(ValueError, match="takes 4 registers, got 3"):
        decode(string_point(4), [0, 0, 0])


def test_bytes_that_are_not_utf8_read_as_replacement_characters():
    assert decode(string_point(1), [0xFF41]) == "\ufffdA"


@given(st.integers(1, 20), st.sampled_from(["ABCD", "BADC"]), st.data())
def test_strings_round_trip_in_both_byte_orders(length, order, data):
    text = data.draw(st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=2 * length)
                     .filter(lambda s: len(s.encode("utf-8")) <= 2 * length))
    point = string_point(length, order)
    registers = encode(point, text)
    assert len(registers) == length and all(0 <= r <= 0xFFFF for r in registers)
    assert decode(point, registers) == text
