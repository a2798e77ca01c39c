"""MBAP and RTU framing, sans-IO: headers, partial and pipelined frames, CRC, lengths, wire time."""

from __future__ import annotations

import pytest

from smarthall.simulators.modbus import FrameError, mbap, rtu


def test_mbap_round_trip():
    frame = mbap.encode(0x1234, 1, bytes.fromhex("0300000004"))
    assert frame == bytes.fromhex("123400000006010300000004")
    assert mbap.Decoder().feed(frame) == [mbap.Frame(0x1234, 1, bytes.fromhex("0300000004"))]


def test_mbap_partial_frames_are_buffered_byte_by_byte():
    decoder, frame, found = mbap.Decoder(), mbap.encode(7, 1, b"\x01\x00\x00\x00\x08"), []
    for byte in frame:
        found += decoder.feed(bytes([byte]))
    assert found == [mbap.Frame(7, 1, b"\x01\x00\x00\x00\x08")] and decoder.pending == 0


def test_mbap_pipelined_frames_come_out_in_order_with_the_rest_buffered():
    frames = b"".join(mbap.encode(t, 1, b"\x03\x00\x00\x00\x01") for t in (1, 2, 3))
    decoder = mbap.Decoder()
    assert [f.transaction for f in decoder.feed(frames + frames[:5])] == [1, 2, 3]
    assert decoder.pending == 5


@pytest.mark.parametrize("header", [
    pytest.param("0001" "0001" "0006" "01", id="protocol-id-1"),
    pytest.param("0001" "0000" "0001" "01", id="length-1"),
    pytest.param("0001" "0000" "00ff" "01", id="length-255"),
    pytest.param("4745" "5420" "2f20" "48", id="http-garbage"),
])
def test_mbap_bad_header_is_a_frame_error(header):
    with pytest.raises(FrameError):
        mbap.Decoder().feed(bytes.fromhex(header) + bytes(8))


@pytest.mark.parametrize(("data", "crc"), [
    ("01030000000A", "C5CD"),
    ("010400000002", "71CB"),
    ("0B0400000008", "F166"),
    ("", "FFFF"),
])
def test_crc16_known_vectors_low_byte_first(data, crc):
    assert rtu.crc16(bytes.fromhex(data)).to_bytes(2, "little") == bytes.fromhex(crc)


def test_rtu_encode_appends_crc_and_checks():
    frame = rtu.encode(1, bytes.fromhex("030000000A"))
    assert frame == bytes.fromhex("01030000000AC5CD")
    assert rtu.crc_ok(frame) and not rtu.crc_ok(frame[:-1] + b"\x00")


@pytest.mark.parametrize(("head", "length"), [
    ("0103", 8), ("0105", 8), ("0106", 8),
    ("010F000000080101", 10), ("0110000000020404", 13), ("0110", None),
    ("011700000001000000010202", 15), ("012B0E", 7), ("01", None), ("0107", None), ("012B0D", None),
])
def test_rtu_request_length_by_function_code(head, length):
    assert rtu.request_length(bytes.fromhex(head)) == length


def test_rtu_decoder_splits_back_to_back_requests_fed_in_pieces():
    a, b = rtu.encode(1, bytes.fromhex("0400000002")), rtu.encode(11, bytes.fromhex("100000000204" "00010002"))
    decoder, found = rtu.Decoder(), []
    for piece in (a[:3], a[3:] + b[:9], b[9:]):
        found += decoder.feed(piece)
    assert found == [rtu.Frame(1, bytes.fromhex("0400000002"), 8), rtu.Frame(11, b[1:-2], len(b))]


def test_rtu_bad_crc_drops_the_frame_then_the_next_request_decodes():
    decoder, good = rtu.Decoder(), rtu.encode(1, bytes.fromhex("0400000002"))
    assert decoder.feed(good[:-1] + b"\x00" + good[:3]) == []
    assert decoder.feed(good[3:]) == [rtu.Frame(1, good[1:-2], 8)] and decoder.pending == 0


def test_rtu_unknown_length_request_ends_at_silence_and_garbage_is_forgotten():
    decoder, unknown = rtu.Decoder(), rtu.encode(2, b"\x07")
    assert decoder.feed(unknown) == []
    assert decoder.silence() == [rtu.Frame(2, b"\x07", 4)]
    decoder.feed(b"\x02\x07\x99")
    assert decoder.silence() == [] and decoder.pending == 0


def test_wire_time_uses_11_bit_characters_and_the_silence():
    assert rtu.char_time(19200) == pytest.approx(11 / 19200)
    assert rtu.silence_time(9600) == pytest.approx(3.5 * 11 / 9600)
    assert rtu.silence_time(115200) == pytest.approx(0.00175)
    assert rtu.transaction_time(8, 21, 19200, 0.001) == pytest.approx(29 * 11 / 19200 + 3.5 * 11 / 19200 + 0.001)
