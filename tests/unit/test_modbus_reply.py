"""The driver's reply checks, property-based: only an exact answer to the request yields values.

Honest replies come from the simulators' spec-ordered PDU core; hypothesis mutates their framing
fields, cuts and extends them, flips their bits, and feeds them in arbitrary chunks.
"""

from __future__ import annotations

import struct

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from smarthall.devices import ModbusException, ProtocolViolation
from smarthall.devices.modbus.reply import Incomplete, Request, check_pdu, split_rtu, split_tcp
from smarthall.devices.profiles import Kind
from smarthall.simulators.modbus import rtu
from smarthall.simulators.modbus.pdu import handle
from tests.hostile_modbus import Image

NOT_AN_ANSWER = (Incomplete, ProtocolViolation, ModbusException)


@st.composite
def read_requests(draw) -> Request:
    fc = draw(st.sampled_from([1, 2, 3, 4]))
    count = draw(st.integers(1, 2000 if fc in (1, 2) else 125))
    address = draw(st.integers(0, 65535 - count + 1))
    return Request(draw(st.integers(1, 65000)), draw(st.integers(1, 247)), struct.pack(">BHH", fc, address, count))


def honest(request: Request) -> bytes:
    return handle(request.pdu, Image())


KINDS = {1: Kind.COIL, 2: Kind.DISCRETE_INPUT, 3: Kind.HOLDING_REGISTER, 4: Kind.INPUT_REGISTER}


def values_of(request: Request) -> list:
    fc, address, count = struct.unpack(">BHH", request.pdu)
    image = Image()
    return (image.read_bits if fc in (1, 2) else image.read_registers)(KINDS[fc], address, count)


def tcp(request: Request, pdu: bytes) -> bytes:
    return struct.pack(">HHHB", request.transaction, 0, len(pdu) + 1, request.unit) + pdu


def checked_tcp(request: Request, adu: bytes):
    used, pdu = split_tcp(adu, request)
    assert used == len(adu)
    return check_pdu(request, pdu)


@given(read_requests())
def test_an_honest_reply_yields_exactly_the_values_asked(request):
    assert checked_tcp(request, tcp(request, honest(request))) == values_of(request)
    _, pdu = split_rtu(rtu.encode(request.unit, honest(request)), request)
    assert check_pdu(request, pdu) == values_of(request)


@given(read_requests(), st.data())
def test_a_reply_arriving_in_pieces_waits_then_yields_the_values(request, data):
    adu = tcp(request, honest(request))
    cut = data.draw(st.integers(0, len(adu) - 1))
    with pytest.raises(Incomplete):
        split_tcp(adu[:cut], request)
    assert checked_tcp(request, adu) == values_of(request)


MBAP_FIELDS = {"transaction": (0, ">H"), "protocol": (2, ">H"), "length": (4, ">H"), "unit": (6, ">B"),
               "function": (7, ">B"), "byte count": (8, ">B")}


@given(read_requests(), st.sampled_from(sorted(MBAP_FIELDS)), st.integers(0, 65535))
def test_a_reply_with_any_header_field_changed_is_no_answer(request, field, value):
    adu = bytearray(tcp(request, honest(request)))
    offset, fmt = MBAP_FIELDS[field]
    value %= 256 ** struct.calcsize(fmt)
    assume(struct.unpack_from(fmt, adu, offset)[0] != value)
    struct.pack_into(fmt, adu, offset, value)
    with pytest.raises(NOT_AN_ANSWER):
        checked_tcp(request, bytes(adu))


def test_transaction_id_zero_never_answers_a_request_that_did_not_send_zero():
    request = Request(5, 1, struct.pack(">BHH", 3, 0, 3))
    adu = tcp(Request(0, 1, request.pdu), honest(request))
    with pytest.raises(ProtocolViolation, match="^transaction id 0, expected 5$"):
        checked_tcp(request, adu)


@given(read_requests(), st.integers(-8, 8).filter(bool))
def test_a_reply_cut_or_extended_is_no_answer(request, delta):
    pdu = honest(request)
    assume(len(pdu) + delta > 0)
    changed = pdu[:len(pdu) + delta] if delta < 0 else pdu + bytes(delta)
    with pytest.raises(NOT_AN_ANSWER):
        checked_tcp(request, tcp(request, changed))


@given(read_requests(), st.binary(min_size=1, max_size=260))
def test_bytes_after_a_reply_make_the_stream_untrusted(request, extra):
    with pytest.raises(ProtocolViolation, match="more bytes after it"):
        split_tcp(tcp(request, honest(request)) + extra, request)


@given(read_requests(), st.data())
def test_an_rtu_reply_with_a_flipped_bit_never_yields_other_values(request, data):
    frame = bytearray(rtu.encode(request.unit, honest(request)))
    bit = data.draw(st.integers(0, 8 * len(frame) - 1))
    frame[bit // 8] ^= 1 << bit % 8
    try:
        _, pdu = split_rtu(bytes(frame), request)
        values = check_pdu(request, pdu)
    except NOT_AN_ANSWER:
        return
    assert values == values_of(request)


@given(read_requests(), st.binary(max_size=300))
def test_any_bytes_are_an_answer_only_when_they_are_the_honest_reply(request, junk):
    for split in (split_tcp, split_rtu):
        try:
            _, pdu = split(junk, request)
            values = check_pdu(request, pdu)
        except NOT_AN_ANSWER:
            continue
        assert values == values_of(request)


@pytest.mark.parametrize(("request_pdu", "reply", "reason"), [
    (struct.pack(">BHH", 3, 0, 3), bytes([4, 6]) + bytes(6), "reply fc 4 to request fc 3"),
    (struct.pack(">BHH", 1, 0, 10), bytes([2, 2, 0, 0]), "reply fc 2 to request fc 1"),
    (struct.pack(">BHH", 3, 0, 3), bytes([3, 4]) + bytes(4), "byte count 4, expected 6"),
    (struct.pack(">BHH", 3, 0, 3), bytes([3, 8]) + bytes(8), "byte count 8, expected 6"),
    (struct.pack(">BHH", 1, 0, 10), bytes([1, 2, 0]), "byte count 2 with 1 data bytes"),
    (struct.pack(">BHH", 6, 4, 99), bytes([6, 0, 4, 0, 98]), "reply 0600040062 does not echo request 0600040063"),
    (struct.pack(">BHH", 3, 0, 1), bytes([0x83, 2, 0]), "exception reply of 3 bytes, expected 2"),
])
def test_each_violation_is_named(request_pdu, reply, reason):
    with pytest.raises(ProtocolViolation) as caught:
        check_pdu(Request(1, 1, request_pdu), reply)
    assert caught.value.reason == reason


def test_an_exception_reply_is_the_named_device_error():
    with pytest.raises(ModbusException) as caught:
        check_pdu(Request(1, 1, struct.pack(">BHH", 3, 0, 1)), bytes([0x83, 2]))
    assert caught.value.reason == "exception 02 illegal data address"
