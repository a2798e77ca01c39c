"""Conformance table: every function code x quantity (0, max, max+1) x address (in range, straddling the end, outside).

Quantity at its maximum needs a map that large: a synthetic device with 2000
coils and inputs and 125 registers of each kind. The real conveyor map gives
the in-range, straddling and outside cases at ordinary quantities. Values
come from a fake plant: bits set where address % 3 == 0, registers 7 x address
(in engineering units: conveyor motor_current 42 A is 4200, run_seconds a uint32).
"""

from __future__ import annotations

import struct

import pytest

from smarthall.devices.profiles import DataType, Device, Kind, Point, Text, load_profile
from smarthall.simulators.modbus import pdu
from smarthall.simulators.modbus.image import DeviceImage

BITS, REGISTERS = 2000, 125


class FakePlant:
    def __init__(self, device: Device) -> None:
        self.values = {p.name: (p.address % 3 == 0 if p.kind.is_bit else 7 * p.address) for p in device.points}

    def read(self, device, point):
        return self.values[point]

    def read_many(self, device, points):
        return [self.values[point] for point in points]

    def write(self, device, point, value):
        self.values[point] = value

    def fault(self, target, kind):
        return None


def _big_device() -> Device:
    sizes = {Kind.COIL: BITS, Kind.DISCRETE_INPUT: BITS, Kind.INPUT_REGISTER: REGISTERS, Kind.HOLDING_REGISTER: REGISTERS}
    points = tuple(
        Point(name=f"{kind}{a}", kind=kind, type=DataType.BOOL if kind.is_bit else DataType.UINT16,
              text=Text("", ""), address=a, access="rw" if kind.writable_by_protocol else "r")
        for kind, size in sizes.items() for a in range(size))
    return Device(name="big", title=Text("큰", "big"), points=points, unit=1)


BIG = _big_device()
CONVEYOR = load_profile("conveyor").device("conveyor")
EXC = {1: "illegal function", 2: "illegal address", 3: "illegal value"}


def read(fc, address, count):
    return struct.pack(">BHH", fc, address, count)


def write_coils(address, count):
    return struct.pack(">BHHB", 15, address, count, (count + 7) // 8) + bytes((count + 7) // 8)


def write_registers(address, words):
    return struct.pack(f">BHHB{len(words)}H", 16, address, len(words), 2 * len(words), *words)


def read_write(read_address, read_count, write_address, words):
    return struct.pack(f">BHHHHB{len(words)}H", 23, read_address, read_count, write_address, len(words),
                       2 * len(words), *words)


def bits_reply(fc, address, count):
    data = bytes(sum(1 << j for j in range(8) if 8 * i + j < count and (address + 8 * i + j) % 3 == 0)
                 for i in range((count + 7) // 8))
    return bytes([fc, len(data)]) + data


def registers_reply(fc, address, count, values=None):
    words = values or [7 * a for a in range(address, address + count)]
    return struct.pack(f">BB{count}H", fc, 2 * count, *words)


def exception(fc, code):
    return bytes([fc | 0x80, code])


def _quantity_cases():
    """fc x quantity 0/max/max+1 x in range/straddling/outside on the big map."""
    request_for = {
        1: lambda a, q: read(1, a, q), 2: lambda a, q: read(2, a, q),
        3: lambda a, q: read(3, a, q), 4: lambda a, q: read(4, a, q),
        15: write_coils, 16: lambda a, q: write_registers(a, [0] * q),
        "23-read": lambda a, q: read_write(a, q, 0, [0]),
        "23-write": lambda a, q: read_write(0, 1, a, [0] * q),
    }
    limits = {1: (BITS, 2000), 2: (BITS, 2000), 3: (REGISTERS, 125), 4: (REGISTERS, 125), 15: (BITS, 1968),
              16: (REGISTERS, 123), "23-read": (REGISTERS, 125), "23-write": (REGISTERS, 121)}
    for fc, (size, top) in limits.items():
        code = 23 if fc in ("23-read", "23-write") else fc
        ok = {1: lambda top=top: bits_reply(1, 0, top), 2: lambda top=top: bits_reply(2, 0, top),
              3: lambda top=top: registers_reply(3, 0, top), 4: lambda top=top: registers_reply(4, 0, top),
              15: lambda top=top: struct.pack(">BHH", 15, 0, top), 16: lambda top=top: struct.pack(">BHH", 16, 0, top),
              "23-read": lambda top=top: registers_reply(23, 0, top, [0] + [7 * a for a in range(1, top)]),
              "23-write": lambda: registers_reply(23, 0, 1, [0])}[fc]
        for label, quantity in (("0", 0), (f"max={top}", top), (f"max+1={top + 1}", top + 1)):
            for where, address in (("in-range", 0), ("straddling-end", size - top + 1), ("outside", size)):
                if quantity == top:
                    expected = ok() if where == "in-range" else exception(code, 2)
                else:
                    expected = exception(code, 3)
                yield pytest.param(BIG, request_for[fc](address, quantity), expected,
                                   id=f"fc{fc}-quantity-{label}-{where}-{_name(expected)}")


def _name(reply: bytes) -> str:
    return EXC[reply[1]].replace(" ", "-") if reply[0] & 0x80 else "data"


def _conveyor_cases():
    """Ordinary quantities on the real conveyor map: 8 coils and inputs, 10 input and 4 holding registers."""
    cases = {
        "fc1-coils-0..7": (read(1, 0, 8), bits_reply(1, 0, 8)),
        "fc1-coils-7..8": (read(1, 7, 2), exception(1, 2)),
        "fc1-coil-8": (read(1, 8, 1), exception(1, 2)),
        "fc2-inputs-0..7": (read(2, 0, 8), bits_reply(2, 0, 8)),
        "fc2-inputs-7..8": (read(2, 7, 2), exception(2, 2)),
        "fc2-input-8": (read(2, 8, 1), exception(2, 2)),
        "fc3-holding-0..3": (read(3, 0, 4), registers_reply(3, 0, 4)),
        "fc3-holding-3..4": (read(3, 3, 2), exception(3, 2)),
        "fc3-holding-4": (read(3, 4, 1), exception(3, 2)),
        "fc4-input-regs-0..9": (read(4, 0, 10), registers_reply(4, 0, 10, [0, 7, 14, 21, 28, 35, 4200, 49, 0, 56])),
        "fc4-input-regs-9..10": (read(4, 9, 2), exception(4, 2)),
        "fc4-input-reg-10": (read(4, 10, 1), exception(4, 2)),
        "fc5-coil-7-on": (struct.pack(">BHH", 5, 7, 0xFF00), struct.pack(">BHH", 5, 7, 0xFF00)),
        "fc5-coil-8": (struct.pack(">BHH", 5, 8, 0xFF00), exception(5, 2)),
        "fc5-value-0x0001": (struct.pack(">BHH", 5, 0, 1), exception(5, 3)),
        "fc6-holding-3": (struct.pack(">BHH", 6, 3, 300), struct.pack(">BHH", 6, 3, 300)),
        "fc6-holding-4": (struct.pack(">BHH", 6, 4, 1), exception(6, 2)),
        "fc6-speed-600-out-of-range": (struct.pack(">BHH", 6, 0, 600), exception(6, 3)),
        "fc15-coils-0..7": (write_coils(0, 8), struct.pack(">BHH", 15, 0, 8)),
        "fc15-coils-7..8": (write_coils(7, 2), exception(15, 2)),
        "fc15-coil-8": (write_coils(8, 1), exception(15, 2)),
        "fc16-holding-0..3": (write_registers(0, [200, 1, 1, 300]), struct.pack(">BHH", 16, 0, 4)),
        "fc16-holding-3..4": (write_registers(3, [300, 0]), exception(16, 2)),
        "fc16-holding-4": (write_registers(4, [0]), exception(16, 2)),
        "fc16-verdict-3-out-of-range": (write_registers(1, [1, 3]), exception(16, 3)),
        "fc23-read-0..3-write-1..2": (read_write(0, 4, 1, [5, 2]), registers_reply(23, 0, 4, [0, 5, 2, 21])),
        "fc23-read-3..4": (read_write(3, 2, 1, [5, 2]), exception(23, 2)),
        "fc23-write-4": (read_write(0, 1, 4, [0]), exception(23, 2)),
    }
    for name, (request, expected) in cases.items():
        yield pytest.param(CONVEYOR, request, expected, id=f"conveyor-{name}-{_name(expected)}")


def _unknown_function_cases():
    for fc in (0, 7, 8, 11, 12, 17, 20, 21, 22, 24, 0x2A, 0x41, 0x7F, 0x83):
        yield pytest.param(CONVEYOR, bytes([fc, 0, 0, 0, 1]), exception(fc, 1), id=f"fc{fc}-unknown-illegal-function")


@pytest.mark.parametrize(("device", "request_pdu", "expected"),
                         [*_quantity_cases(), *_conveyor_cases(), *_unknown_function_cases()])
def test_conformance(device, request_pdu, expected):
    assert pdu.handle(request_pdu, DeviceImage(FakePlant(device), device)).hex() == expected.hex()


def test_supported_function_codes_are_the_ones_in_the_table():
    assert pdu.SUPPORTED_FUNCTIONS == (1, 2, 3, 4, 5, 6, 15, 16, 23, 43)
