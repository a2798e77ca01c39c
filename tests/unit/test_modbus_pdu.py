"""pdu.handle against a fake register image: encoding, order of checks, errors."""

from __future__ import annotations

import logging

import pytest

from smarthall.devices.profiles import Kind
from smarthall.simulators.modbus import IllegalDataAddress, pdu


class FakeImage:
    """Ten coils, ten discrete inputs and ten of each register kind; records writes."""

    identity = ("Smart Hall", "fake", "1")

    def __init__(self) -> None:
        self.bits = {Kind.COIL: [i % 3 == 0 for i in range(10)], Kind.DISCRETE_INPUT: [i % 2 == 1 for i in range(10)]}
        self.words = {Kind.HOLDING_REGISTER: list(range(100, 110)), Kind.INPUT_REGISTER: list(range(200, 210))}
        self.log: list[tuple] = []

    def _check(self, address: int, count: int) -> None:
        if address + count > 10:
            raise IllegalDataAddress("past the end")

    def read_bits(self, kind, address, count):
        self._check(address, count)
        return self.bits[kind][address:address + count]

    def read_registers(self, kind, address, count):
        self._check(address, count)
        self.log.append(("read", address, count))
        return self.words[kind][address:address + count]

    def write_coils(self, address, values):
        self._check(address, len(values))
        self.bits[Kind.COIL][address:address + len(values)] = values

    def write_registers(self, address, values):
        self._check(address, len(values))
        self.log.append(("write", address, tuple(values)))
        self.words[Kind.HOLDING_REGISTER][address:address + len(values)] = values


def h(hex_request: str, image=None) -> str:
    return pdu.handle(bytes.fromhex(hex_request), image or FakeImage()).hex()


def test_read_coils_packs_lsb_first():
    assert h("01" "0000" "000a") == "01" "02" "49" "02"  # coils 0,3,6 / 9


def test_read_discrete_inputs():
    assert h("02" "0001" "0003") == "02" "01" "05"  # inputs 1, 3 (as bits 0, 2)


def test_read_holding_and_input_registers():
    assert h("03" "0008" "0002") == "03" "04" "006c" "006d"
    assert h("04" "0000" "0001") == "04" "02" "00c8"


def test_write_single_coil_on_and_off_echoes():
    image = FakeImage()
    assert h("05" "0001" "ff00", image) == "05" "0001" "ff00"
    assert h("05" "0000" "0000", image) == "05" "0000" "0000"
    assert image.bits[Kind.COIL][:2] == [False, True]


@pytest.mark.parametrize("value", ["0001", "ffff", "00ff", "1234"])
def test_write_single_coil_other_values_are_illegal_data_value(value):
    assert h("05" "0001" + value) == "85" "03"


def test_write_multiple_coils_unpacks_bits():
    image = FakeImage()
    assert h("0f" "0002" "0008" "01" "ff", image) == "0f" "0002" "0008"
    assert image.bits[Kind.COIL][2:] == [True] * 8


def test_write_register_and_registers():
    image = FakeImage()
    assert h("06" "0001" "beef", image) == "06" "0001" "beef"
    assert h("10" "0003" "0002" "04" "0001" "0002", image) == "10" "0003" "0002"
    assert image.words[Kind.HOLDING_REGISTER][1:5] == [0xBEEF, 102, 1, 2]


def test_read_write_registers_writes_before_reading_after_checking_the_read_range():
    image = FakeImage()
    assert h("17" "0000" "0002" "0001" "0001" "02" "abcd", image) == "17" "04" "0064" "abcd"
    assert image.log == [("read", 0, 2), ("write", 1, (0xABCD,)), ("read", 0, 2)]
    image.log.clear()
    assert h("17" "0009" "0002" "0001" "0001" "02" "abcd", image) == "97" "02"
    assert image.log == []


@pytest.mark.parametrize("request_hex", [
    pytest.param("10" "0000" "0002" "03" "000100", id="fc16-byte-count-3-for-2-registers"),
    pytest.param("10" "0000" "0002" "04" "0001", id="fc16-fewer-bytes-than-count"),
    pytest.param("0f" "0000" "0009" "01" "ff", id="fc15-byte-count-1-for-9-coils"),
    pytest.param("03" "0000", id="fc03-truncated"),
    pytest.param("03" "0000" "0001" "00", id="fc03-trailing-byte"),
    pytest.param("17" "0000" "0001" "0000" "0001" "04" "00010002", id="fc23-byte-count-mismatch"),
])
def test_malformed_requests_are_illegal_data_value(request_hex):
    assert h(request_hex)[2:] == "03"


def test_exception_response_sets_the_high_bit_of_the_function_code():
    assert h("03" "0009" "0002") == "83" "02"
    assert h("07") == "87" "01"


def test_empty_request_has_no_answer():
    assert pdu.handle(b"", FakeImage()) is None


def test_unexpected_error_is_exception_04_logged_once(caplog):
    class Broken(FakeImage):
        def read_registers(self, kind, address, count):
            raise ZeroDivisionError("bug")

    with caplog.at_level(logging.ERROR, logger="smarthall.simulators.modbus.pdu"):
        assert [h("04" "0000" "0001", Broken()) for _ in range(3)] == ["8404"] * 3
    assert len([r for r in caplog.records if "ZeroDivisionError" in (r.exc_text or "")]) <= 1


def test_read_device_identification_basic_stream_and_individual():
    objects = "00" "0a" + b"Smart Hall".hex() + "01" "04" + b"fake".hex() + "02" "01" + b"1".hex()
    assert h("2b" "0e" "01" "00") == "2b" "0e" "01" "81" "00" "00" "03" + objects
    assert h("2b" "0e" "04" "01") == "2b" "0e" "04" "81" "00" "00" "01" "01" "04" + b"fake".hex()
    assert h("2b" "0e" "04" "07") == "ab" "02"
    assert h("2b" "0e" "05" "00") == "ab" "03"
    assert h("2b" "0d" "01" "00") == "ab" "01"
