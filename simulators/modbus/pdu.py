"""Modbus request handling, sans-IO: a request PDU in, the response PDU out.

We serve Modbus with this small core instead of pymodbus's server. Measured
with pymodbus 3.16, its server answers a quantity of 0 or max+1 and unknown
function codes with function code 0x80 and exception 01 (instead of fc|0x80
with 03 and 01), rounds coil blocks to 16 bits (coils past the map read as 0
instead of exception 02), takes any FC5 value other than 0xFF00 as ON (instead
of 03), answers an unknown unit with 04 and a logged traceback, and its
datastore API is being replaced in v4. The conformance table and the fault
injection need exact control, so this module decides every answer; pymodbus
stays the client in the tests and in the edge.

Checks run in the order of the Modbus application protocol spec: function
code (01), quantity and byte count (03), addresses (02), then execution
(03 for a refused value, 04 for a failure). Any unexpected error becomes
exception 04 and is logged once per function code and error type.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Callable, Sequence
from typing import Protocol

from smarthall.devices.profiles import Kind

from .errors import IllegalDataAddress, IllegalDataValue, IllegalFunction, ModbusException, ServerDeviceFailure

log = logging.getLogger(__name__)

MAX_READ_BITS = 2000
MAX_READ_REGISTERS = 125
MAX_WRITE_COILS = 1968
MAX_WRITE_REGISTERS = 123
MAX_READWRITE_WRITE = 121
MEI_DEVICE_ID = 0x0E


class RegisterImage(Protocol):
    """What a device offers to the PDU handler; errors are `ModbusException`s."""

    identity: tuple[str, str, str]
    """Vendor name, product code and revision (FC43/14 basic objects)."""

    def read_bits(self, kind: Kind, address: int, count: int) -> list[bool]: ...

    def read_registers(self, kind: Kind, address: int, count: int) -> list[int]: ...

    def write_coils(self, address: int, values: Sequence[bool]) -> None: ...

    def write_registers(self, address: int, values: Sequence[int]) -> None: ...


_logged: set[tuple[int, type]] = set()


def handle(request: bytes, image: RegisterImage) -> bytes | None:
    """The response PDU to one request PDU; None for an empty request."""
    if not request:
        return None
    fc = request[0]
    try:
        handler = _HANDLERS.get(fc)
        if handler is None:
            raise IllegalFunction(f"function code {fc}")
        return bytes([fc]) + handler(request[1:], image)
    except ModbusException as exc:
        return exception_response(fc, exc.code)
    except Exception as exc:
        if (fc, type(exc)) not in _logged:
            _logged.add((fc, type(exc)))
            log.exception("function code %d failed; answering exception 04 (logged once)", fc)
        return exception_response(fc, ServerDeviceFailure.code)


def exception_response(fc: int, code: int) -> bytes:
    """The exception response PDU for function code fc."""
    return bytes([fc | 0x80, code])


def _fields(body: bytes, fmt: str) -> tuple[int, ...]:
    """The fixed fields at the start of body; exception 03 when it is too short."""
    size = struct.calcsize(fmt)
    if len(body) < size:
        raise IllegalDataValue(f"request too short: {len(body)} bytes, expected at least {size}")
    return struct.unpack_from(fmt, body)


def _exact(body: bytes, fmt: str) -> tuple[int, ...]:
    if len(body) != struct.calcsize(fmt):
        raise IllegalDataValue(f"request of {len(body)} bytes, expected {struct.calcsize(fmt)}")
    return struct.unpack(fmt, body)


def _quantity(count: int, limit: int) -> None:
    if not 1 <= count <= limit:
        raise IllegalDataValue(f"quantity {count} is outside 1..{limit}")


def _payload(body: bytes, head: str, expected: int) -> bytes:
    """The data after the fixed fields and byte count; exception 03 unless it is expected long."""
    offset = struct.calcsize(head)
    count = body[offset - 1]
    data = body[offset:]
    if count != expected or len(data) != expected:
        raise IllegalDataValue(f"byte count {count} with {len(data)} data bytes, expected {expected}")
    return data


def pack_bits(bits: Sequence[bool]) -> bytes:
    """Bits packed LSB first, as Modbus sends coils and inputs."""
    out = bytearray((len(bits) + 7) // 8)
    for i, bit in enumerate(bits):
        if bit:
            out[i // 8] |= 1 << (i % 8)
    return bytes(out)


def unpack_bits(data: bytes, count: int) -> list[bool]:
    return [bool(data[i // 8] >> (i % 8) & 1) for i in range(count)]


def _registers(words: Sequence[int]) -> bytes:
    return bytes([2 * len(words)]) + struct.pack(f">{len(words)}H", *words)


def _read_bits(kind: Kind) -> Callable[[bytes, RegisterImage], bytes]:
    def read(body: bytes, image: RegisterImage) -> bytes:
        address, count = _exact(body, ">HH")
        _quantity(count, MAX_READ_BITS)
        data = pack_bits(image.read_bits(kind, address, count))
        return bytes([len(data)]) + data
    return read


def _read_registers(kind: Kind) -> Callable[[bytes, RegisterImage], bytes]:
    def read(body: bytes, image: RegisterImage) -> bytes:
        address, count = _exact(body, ">HH")
        _quantity(count, MAX_READ_REGISTERS)
        return _registers(image.read_registers(kind, address, count))
    return read


def _write_coil(body: bytes, image: RegisterImage) -> bytes:
    address, value = _exact(body, ">HH")
    if value not in (0x0000, 0xFF00):
        raise IllegalDataValue(f"coil value {value:#06x}, expected 0x0000 or 0xFF00")
    image.write_coils(address, [value == 0xFF00])
    return body


def _write_register(body: bytes, image: RegisterImage) -> bytes:
    address, value = _exact(body, ">HH")
    image.write_registers(address, [value])
    return body


def _write_coils(body: bytes, image: RegisterImage) -> bytes:
    address, count, _ = _fields(body, ">HHB")
    _quantity(count, MAX_WRITE_COILS)
    data = _payload(body, ">HHB", (count + 7) // 8)
    image.write_coils(address, unpack_bits(data, count))
    return body[:4]


def _write_registers(body: bytes, image: RegisterImage) -> bytes:
    address, count, _ = _fields(body, ">HHB")
    _quantity(count, MAX_WRITE_REGISTERS)
    data = _payload(body, ">HHB", 2 * count)
    image.write_registers(address, struct.unpack(f">{count}H", data))
    return body[:4]


def _read_write_registers(body: bytes, image: RegisterImage) -> bytes:
    read_address, read_count, write_address, write_count, _ = _fields(body, ">HHHHB")
    _quantity(read_count, MAX_READ_REGISTERS)
    _quantity(write_count, MAX_READWRITE_WRITE)
    data = _payload(body, ">HHHHB", 2 * write_count)
    image.read_registers(Kind.HOLDING_REGISTER, read_address, read_count)  # exception 02 before writing anything
    image.write_registers(write_address, struct.unpack(f">{write_count}H", data))
    return _registers(image.read_registers(Kind.HOLDING_REGISTER, read_address, read_count))


def _device_identification(body: bytes, image: RegisterImage) -> bytes:
    """FC43/14, basic objects only (conformity 0x81: stream and individual access)."""
    mei, code, first = _fields(body, ">BBB")
    if mei != MEI_DEVICE_ID:
        raise IllegalFunction(f"MEI type {mei}")
    _exact(body, ">BBB")
    if code not in (1, 2, 3, 4):
        raise IllegalDataValue(f"read device id code {code}")
    if code == 4 and first >= len(image.identity):
        raise IllegalDataAddress(f"object id {first}")
    ids = [first] if code == 4 else range(first if first < len(image.identity) else 0, len(image.identity))
    objects = b"".join(bytes([i, len(text)]) + text for i in ids for text in [image.identity[i].encode()])
    return bytes([mei, code, 0x81, 0, 0, len(ids)]) + objects


_HANDLERS: dict[int, Callable[[bytes, RegisterImage], bytes]] = {
    1: _read_bits(Kind.COIL),
    2: _read_bits(Kind.DISCRETE_INPUT),
    3: _read_registers(Kind.HOLDING_REGISTER),
    4: _read_registers(Kind.INPUT_REGISTER),
    5: _write_coil,
    6: _write_register,
    15: _write_coils,
    16: _write_registers,
    23: _read_write_registers,
    43: _device_identification,
}
SUPPORTED_FUNCTIONS = tuple(_HANDLERS)
