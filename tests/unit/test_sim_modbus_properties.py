"""Property tests of the simulators' Modbus cores: any bytes in, never a crash, a wrong answer or a growing buffer."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.devices.profiles import Kind
from smarthall.simulators.modbus import FrameError, IllegalDataAddress, mbap, pdu, rtu

UNITS = (1, 2, 11, 12, 13, 14)
chunks = st.lists(st.binary(max_size=600), max_size=12)


def _fixed_request(fc: int, address: int, count: int) -> bytes:
    return struct.pack(">BHH", fc, address, count)


valid_pdus = st.one_of(
    st.builds(_fixed_request, st.sampled_from((1, 2, 3, 4, 6)), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF)),
    st.builds(lambda a, on: struct.pack(">BHH", 5, a, 0xFF00 if on else 0), st.integers(0, 0xFFFF), st.booleans()),
    st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=123).flatmap(
        lambda words: st.integers(0, 0xFFFF).map(
            lambda a: struct.pack(f">BHHB{len(words)}H", 16, a, len(words), 2 * len(words), *words))),
)
valid_rtu_requests = st.builds(rtu.encode, st.sampled_from(UNITS), valid_pdus)


@given(chunks)
def test_rtu_decoder_any_bytes_only_whole_requests_with_a_good_crc_and_a_bounded_buffer(pieces):
    decoder, stream, frames = rtu.Decoder(UNITS), b"".join(pieces), []
    for piece in pieces:
        frames += decoder.feed(piece)
        assert decoder.pending <= rtu.MAX_ADU
    frames += decoder.silence()
    assert decoder.pending == 0
    for frame in frames:
        raw = rtu.encode(frame.unit, frame.pdu)
        assert frame.size == len(raw) <= rtu.MAX_ADU and raw in stream


@given(chunks, valid_rtu_requests)
def test_rtu_decoder_after_garbage_and_a_silence_decodes_the_next_request(garbage, request):
    decoder = rtu.Decoder(UNITS)
    for piece in garbage:
        decoder.feed(piece)
    decoder.silence()
    assert decoder.feed(request) == [rtu.Frame(request[0], request[1:-2], len(request))]


@settings(max_examples=300)
@given(st.binary(max_size=2000), valid_rtu_requests, st.binary(max_size=20))
def test_rtu_decoder_finds_a_request_inside_garbage_without_a_silence(garbage, request, trailing):
    decoder = rtu.Decoder(UNITS)
    frames = decoder.feed(garbage) + decoder.feed(request) + decoder.feed(trailing) + decoder.silence()
    assert rtu.Frame(request[0], request[1:-2], len(request)) in frames


def test_rtu_flood_of_unknown_function_codes_stays_within_one_adu_and_the_next_request_decodes():
    decoder, request = rtu.Decoder(UNITS), rtu.encode(11, bytes.fromhex("0400000008"))
    for _ in range(1000):
        assert decoder.feed(bytes([1, 0x65]) * 512) == []  # unit 1, an unknown function code, 1 KB at a time
    assert decoder.pending <= rtu.MAX_ADU
    assert decoder.feed(request) == [rtu.Frame(11, request[1:-2], 8)]


def test_rtu_request_with_an_impossible_length_is_garbage():
    fc23 = bytes.fromhex("0117" "0000" "0001" "0000" "0079" "ff")  # byte count 255: a 268-byte frame
    request = rtu.encode(1, bytes.fromhex("0300000001"))
    assert rtu.Decoder(UNITS).feed(fc23 + request) == [rtu.Frame(1, request[1:-2], 8)]


@given(chunks)
def test_mbap_decoder_any_bytes_gives_frames_or_a_frame_error_and_a_bounded_buffer(pieces):
    decoder = mbap.Decoder()
    try:
        for piece in pieces:
            for frame in decoder.feed(piece):
                assert 1 <= len(frame.pdu) + 1 <= mbap.MAX_LENGTH
            assert decoder.pending < mbap.HEADER.size + mbap.MAX_LENGTH - 1
    except FrameError:
        pass


@given(st.lists(st.tuples(st.integers(0, 0xFFFF), st.integers(0, 255), st.binary(min_size=1, max_size=253)),
                max_size=8), st.lists(st.integers(1, 50), min_size=1))
def test_mbap_frames_split_anywhere_come_back_whole_and_in_order(frames, cuts):
    stream = b"".join(mbap.encode(*frame) for frame in frames)
    decoder, found, at = mbap.Decoder(), [], 0
    for cut in cuts * (len(stream) // sum(cuts) + 1):
        found += decoder.feed(stream[at:at + cut])
        at += cut
    assert found == [mbap.Frame(*frame) for frame in frames] and decoder.pending == 0


class TenOfEach:
    """Ten coils, inputs and registers of each kind, fixed values; writes refused past the end."""

    identity = ("Smart Hall", "fuzz", "1")
    bits = [i % 3 == 0 for i in range(10)]
    words = [1000 + i for i in range(10)]

    def _check(self, address: int, count: int) -> None:
        if address + count > 10:
            raise IllegalDataAddress("past the end")

    def read_bits(self, kind, address, count):
        self._check(address, count)
        return self.bits[address:address + count]

    def read_registers(self, kind, address, count):
        self._check(address, count)
        return self.words[address:address + count]

    def write_coils(self, address, values):
        self._check(address, len(values))

    def write_registers(self, address, values):
        self._check(address, len(values))


@given(st.binary(max_size=300))
def test_pdu_handler_any_request_gets_its_function_code_or_a_spec_exception(request):
    reply = pdu.handle(request, TenOfEach())
    if not request:
        assert reply is None
        return
    fc = request[0]
    assert reply[0] in (fc, fc | 0x80)
    if reply[0] == fc | 0x80 and fc < 0x80:
        assert len(reply) == 2 and reply[1] in (1, 2, 3)


@given(st.sampled_from((1, 2, 3, 4)), st.integers(0, 0xFFFF), st.integers(0, 0xFFFF))
def test_pdu_handler_read_answers_exactly_the_image_or_an_exception(fc, address, count):
    reply = pdu.handle(_fixed_request(fc, address, count), TenOfEach())
    if reply[0] & 0x80:
        assert reply in (bytes([fc | 0x80, 2]), bytes([fc | 0x80, 3]))
        return
    image = TenOfEach()
    expected = (pdu.pack_bits(image.read_bits(Kind.COIL, address, count)) if fc in (1, 2)
                else struct.pack(f">{count}H", *image.read_registers(Kind.HOLDING_REGISTER, address, count)))
    assert reply == bytes([fc, len(expected)]) + expected


@pytest.mark.parametrize("units", [None, UNITS])
def test_rtu_decoder_with_or_without_units_splits_back_to_back_requests(units):
    a, b = rtu.encode(1, bytes.fromhex("0300000001")), rtu.encode(12, bytes.fromhex("0400020002"))
    assert rtu.Decoder(units).feed(b"\x01\x03\x07" + a + b) == [rtu.Frame(1, a[1:-2], 8), rtu.Frame(12, b[1:-2], 8)]
