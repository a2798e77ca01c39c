"""The whole simulated line on loopback: every endpoint answers, the clock runs, ports clash clearly."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys

import pytest
from asyncua import Client
from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient

from smarthall.devices.profiles import load_profile
from smarthall.devices.profiles.codec import decode
from smarthall.simulators.line import SimOptions, SimStartError, SimulatedLine
from smarthall.simulators.options import FREE_PORTS
from tests.waiting import until as wait_for


@pytest.fixture
async def line(tmp_path):
    async with SimulatedLine(SimOptions(**FREE_PORTS, fieldbus_link=str(tmp_path / "fieldbus"), time_scale=10)) as running:
        yield running


def port_of(line: SimulatedLine, name: str) -> int:
    return line.camera.port if name == "camera" else line.stations[name].port


async def test_every_endpoint_answers(line, tmp_path):
    feeder = AsyncModbusTcpClient("127.0.0.1", port=port_of(line, "feeder"), timeout=2, retries=0)
    # Linux ptys drop the parity bit and refuse even parity when pyserial re-applies it: 8N1 here.
    bus = AsyncModbusSerialClient(str(tmp_path / "fieldbus"), baudrate=19200, parity="N", timeout=1, retries=0)
    try:
        assert await feeder.connect() and await bus.connect()
        magazine = await feeder.read_input_registers(0, count=4, device_id=1)
        assert magazine.registers[0] == 50
        meter = load_profile("fieldbus").device("energy.conveyor")
        volts = await bus.read_input_registers(0, count=2, device_id=meter.unit)
        assert decode(meter.point("voltage"), volts.registers) == pytest.approx(220, abs=15)
    finally:
        feeder.close()
        bus.close()
    async with Client(line.process.endpoint_url, timeout=5) as client:
        ns = await client.get_namespace_index("urn:smarthall:process")
        station = await client.nodes.objects.get_child(f"{ns}:ProcessStation")
        temperature = await (await station.get_child(f"{ns}:Temperature")).read_value()
        assert 0 < temperature < 300
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(line, "camera"))
    try:
        writer.write(b"GET /camera/snapshot.jpg HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        reply = await asyncio.wait_for(reader.read(), 5)
    finally:
        writer.close()
        await writer.wait_closed()
    assert reply.startswith(b"HTTP/1.1 200") and b"\xff\xd8" in reply


async def test_the_clock_moves_the_belt(line):
    conveyor = AsyncModbusTcpClient("127.0.0.1", port=port_of(line, "conveyor"), timeout=2, retries=0)
    try:
        assert await conveyor.connect()
        await conveyor.write_coil(0, True, device_id=1)

        async def belt_at_speed():
            speed = (await conveyor.read_input_registers(0, count=1, device_id=1)).registers[0]
            return speed >= 190
        await wait_for(belt_at_speed)
    finally:
        conveyor.close()


async def test_busy_port_is_a_clear_error_and_the_running_line_survives(line, tmp_path):
    taken = port_of(line, "conveyor")
    second = SimulatedLine(SimOptions(**{**FREE_PORTS, "conveyor_port": taken}, fieldbus_link=None))
    with pytest.raises(SimStartError, match=f"conveyor \\(Modbus TCP\\): port {taken} on 127.0.0.1 is already in use.*--conveyor-port"):
        await second.start()
    client = AsyncModbusTcpClient("127.0.0.1", port=taken, timeout=2, retries=0)
    try:
        assert await client.connect()
        assert not (await client.read_coils(0, count=8, device_id=1)).isError()
    finally:
        client.close()


def sim_command(tmp_path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "smarthall", "sim", "--feeder-port", "0", "--conveyor-port", "0",
            "--process-port", "0", "--control-port", "0", "--camera-port", "0",
            "--fieldbus-link", str(tmp_path / "bus"), *extra]


async def test_smarthall_sim_prints_endpoints_and_stops_cleanly_on_ctrl_c(tmp_path):
    proc = await asyncio.create_subprocess_exec(*sim_command(tmp_path), stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, env={**os.environ, "LANG": "C"})
    try:
        lines = []
        async with asyncio.timeout(20):
            while not lines or "Ctrl-C" not in lines[-1]:
                lines.append((await proc.stdout.readline()).decode())
                assert lines[-1], f"smarthall sim ended early: {await proc.stderr.read()}"
        printed = "".join(lines)
        for expected in ("feeder Modbus TCP", "conveyor Modbus TCP", "fieldbus Modbus RTU", "opc.tcp://127.0.0.1:",
                         "/camera/stream.mjpg", str(tmp_path / "bus")):
            assert expected in printed
        assert (tmp_path / "bus").is_symlink()
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert "Simulated line stopped." in out.decode()
    assert b"Traceback" not in err
    assert not (tmp_path / "bus").exists()


async def test_smarthall_sim_on_a_busy_port_says_so_in_one_line(tmp_path):
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        command = sim_command(tmp_path)
        command[command.index("--feeder-port") + 1] = str(port)
        proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        _out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert err.decode().strip() == (f"smarthall: feeder (Modbus TCP): port {port} on 127.0.0.1 is already in use"
                                    " (is another `smarthall sim` running?); choose another with --feeder-port")
