"""The RS-485 field bus on a pty with pymodbus serial clients, raw frames and a real Plant.

pymodbus clients use parity "N" here: Linux ptys drop the parity bit, and
glibc/Linux then refuse pyserial's second tcsetattr with even parity (EINVAL),
so a pty cannot host an 8E1 pymodbus client; the bus cannot see parity anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import termios
import tty

import pytest
from pymodbus.client import AsyncModbusSerialClient
from pymodbus.exceptions import ModbusIOException

from smarthall.devices.profiles import load_profile
from smarthall.devices.profiles.codec import decode
from smarthall.simulators.modbus import LinkError, RtuBus, rtu
from smarthall.simulators.plant import Plant, PlantConfig

FIELDBUS = load_profile("fieldbus")


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(seed=5))


@pytest.fixture
async def bus(plant, tmp_path):
    running = RtuBus(plant, FIELDBUS, link=tmp_path / "fieldbus")
    await running.start()
    try:
        yield running
    finally:
        await running.close()


def serial_client(bus: RtuBus, baudrate: int = 19200, timeout: float = 0.3) -> AsyncModbusSerialClient:
    return AsyncModbusSerialClient(str(bus.link), baudrate=baudrate, parity="N", timeout=timeout, retries=0)


@pytest.fixture
async def client(bus):
    made = serial_client(bus)
    try:
        assert await made.connect()
        yield made
    finally:
        made.close()


class RawLine:
    """The client end of the pty, raw, at a given speed: write frames, await bytes."""

    def __init__(self, path: str, baudrate: int = 19200) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        tty.setraw(self.fd)
        attrs = termios.tcgetattr(self.fd)
        attrs[4] = attrs[5] = getattr(termios, f"B{baudrate}")
        termios.tcsetattr(self.fd, termios.TCSANOW, attrs)

    async def ask(self, frame: bytes, expect: int, timeout: float = 0.15) -> bytes:
        """Send frame; return the reply (expect bytes), or b"" when the line stays silent."""
        loop, got, done = asyncio.get_running_loop(), bytearray(), asyncio.Event()

        def readable():
            got.extend(os.read(self.fd, 256))
            if len(got) >= expect:
                done.set()
        loop.add_reader(self.fd, readable)
        try:
            os.write(self.fd, frame)
            with pytest.raises(TimeoutError) if expect == 0 else contextlib.nullcontext():
                await asyncio.wait_for(done.wait(), timeout)
        finally:
            loop.remove_reader(self.fd)
        return bytes(got)

    def close(self) -> None:
        os.close(self.fd)


@pytest.fixture
def line(bus):
    raw = RawLine(bus.path)
    yield raw
    raw.close()


def read_input(unit: int, address: int = 0, count: int = 2) -> bytes:
    return rtu.encode(unit, bytes([4]) + address.to_bytes(2, "big") + count.to_bytes(2, "big"))


async def test_every_point_of_every_unit_reads_as_the_plant_has_it(plant, client):
    plant.run_for(2.0)
    for device in FIELDBUS.devices:
        for point in device.points:
            reply = await client.read_input_registers(point.address, count=point.width, device_id=device.unit)
            assert not reply.isError(), f"{device.name}.{point.name}: {reply}"
            expected = plant.read(device.name, point.name)
            assert decode(point, reply.registers) == pytest.approx(expected, rel=1e-6, abs=point.scale), point.name


async def test_the_link_points_at_the_pty_and_goes_away_on_close(plant, tmp_path):
    bus = RtuBus(plant, FIELDBUS, link=tmp_path / "bus")
    (tmp_path / "bus").symlink_to("/dev/pts/stale")
    await bus.start()
    assert os.readlink(bus.link) == bus.path and bus.path.startswith("/dev/pts/")
    await bus.close()
    assert not os.path.lexists(tmp_path / "bus")


async def test_a_file_at_the_link_path_is_a_link_error(plant, tmp_path):
    (tmp_path / "bus").write_text("mine")
    with pytest.raises(LinkError, match="not a symlink"):
        await RtuBus(plant, FIELDBUS, link=tmp_path / "bus").start()


async def test_a_client_at_9600_gets_silence_and_one_at_19200_answers(bus):
    slow = serial_client(bus, baudrate=9600)
    try:
        assert await slow.connect()
        with pytest.raises(ModbusIOException):
            await slow.read_input_registers(0, count=2, device_id=1)
    finally:
        slow.close()
    fast = serial_client(bus)
    try:
        assert await fast.connect()
        assert not (await fast.read_input_registers(0, count=2, device_id=1)).isError()
    finally:
        fast.close()


async def test_unknown_units_bad_crc_and_broadcasts_are_silent(line):
    assert await line.ask(read_input(5), expect=0) == b""
    assert await line.ask(read_input(1)[:-1] + b"\x00", expect=0) == b""
    assert await line.ask(read_input(0), expect=0) == b""
    assert rtu.crc_ok(await line.ask(read_input(1), expect=9))


async def test_an_unknown_function_is_exception_01_once_the_line_is_quiet(line):
    assert await line.ask(rtu.encode(2, b"\x07"), expect=5) == rtu.encode(2, b"\x87\x01")


async def test_garbage_then_a_good_request_is_answered(line):
    assert await line.ask(b"\x01\x04\x00", expect=0, timeout=0.1) == b""
    reply = await line.ask(read_input(11, 0, 2), expect=9)
    assert rtu.crc_ok(reply) and reply[:3] == bytes.fromhex("0b0404")


async def _write_all(fd: int, data: bytes) -> None:
    """Write data into the pty, waiting while its buffer is full."""
    loop, view = asyncio.get_running_loop(), memoryview(data)
    while view:
        try:
            view = view[os.write(fd, view[:65536]):]
        except BlockingIOError:
            writable = loop.create_future()
            loop.add_writer(fd, writable.set_result, None)
            try:
                await writable
            finally:
                loop.remove_writer(fd)


async def test_a_request_right_after_a_garbage_flood_is_answered(line):
    await _write_all(line.fd, bytes([1, 0x65]) * 1_000_000 + bytes(range(256)) * 1000)  # 2.3 MB, no silence
    reply = await line.ask(read_input(11, 0, 2), expect=9, timeout=5)
    assert rtu.crc_ok(reply) and reply[:3] == bytes.fromhex("0b0404")


async def test_serial_mismatch_silences_that_device_only(plant, client):
    plant.inject_fault("energy.feeder", "serial_mismatch", {"baudrate": 9600, "parity": "N"})
    with pytest.raises(ModbusIOException):
        await client.read_input_registers(0, count=2, device_id=11)
    assert not (await client.read_input_registers(0, count=2, device_id=12)).isError()


@pytest.mark.parametrize("target", ["fieldbus", "ambient"])
async def test_offline_silences_until_cleared(plant, client, target):
    fault = plant.inject_fault(target, "offline")
    with pytest.raises(ModbusIOException):
        await client.read_input_registers(0, count=2, device_id=1)
    if target == "ambient":
        assert not (await client.read_input_registers(0, count=2, device_id=2)).isError()
    plant.clear_fault(fault.id)
    assert not (await client.read_input_registers(0, count=2, device_id=1)).isError()


async def test_crc_noise_makes_the_client_see_errors(plant, client, line):
    plant.inject_fault("fieldbus", "crc_noise", {"fraction": 1.0})
    reply = await line.ask(read_input(1), expect=9)
    assert len(reply) == 9 and not rtu.crc_ok(reply)
    with pytest.raises(ModbusIOException):
        await client.read_input_registers(0, count=2, device_id=1)


async def test_drop_all_is_silence(plant, line):
    plant.inject_fault("energy.process", "drop", {"fraction": 1.0})
    assert await line.ask(read_input(14), expect=0) == b""
    assert len(await line.ask(read_input(13), expect=9)) == 9


async def test_latency_delays_the_reply_past_a_short_timeout(plant, line):
    plant.inject_fault("vibration", "latency", {"ms": 300})
    assert await line.ask(read_input(2), expect=0, timeout=0.1) == b""
    reply = await line.ask(read_input(2), expect=9, timeout=1.0)
    assert rtu.crc_ok(reply) and reply[:3] == bytes.fromhex("020404")


async def test_wire_time_emulation_still_answers_correctly(plant, tmp_path):
    bus = RtuBus(plant, FIELDBUS, link=tmp_path / "bus", emulate_wire_time=True, turnaround_s=0.002)
    await bus.start()
    client = serial_client(bus, timeout=1.0)
    try:
        assert await client.connect()
        reply = await client.read_input_registers(0, count=8, device_id=12)
        assert decode(FIELDBUS.device("energy.conveyor").point("voltage"), reply.registers[:2]) > 200
    finally:
        client.close()
        await bus.close()
