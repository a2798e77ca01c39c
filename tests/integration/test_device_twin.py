"""The any-profile twin (simulators.device): each transport, reached through the line file its connection_table writes.

Every read goes the edge's way: the twin's line file loaded by edge.config, the connection's driver from
edge.agent.line_driver, so a twin that the line file cannot reach fails here.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import pytest

from smarthall.devices import CallFailed, Quality, WriteFailed
from smarthall.edge.agent import line_driver
from smarthall.edge.config import load_line
from smarthall.simulators.device import DeviceTwin, TwinError

S7 = Path(__file__).parents[1] / "interop" / "s7_1500.toml"

MIXED_POINTS = [
    {"name": "run", "kind": "coil", "address": 0, "type": "bool", "access": "rw"},
    {"name": "ready", "kind": "discrete_input", "address": 3, "type": "bool", "access": "r"},
    {"name": "flow", "kind": "input_register", "address": 0, "type": "float32", "word_order": "CDAB", "access": "r", "min": 0, "max": 200},
    {"name": "count", "kind": "input_register", "address": 2, "type": "uint32", "access": "r"},
    {"name": "temp", "kind": "input_register", "address": 4, "type": "int16", "scale": 0.1, "access": "r", "unit": "°C"},
    {"name": "alarm_hi", "kind": "holding_register", "address": 0, "type": "uint16", "bit": 0, "access": "r"},
    {"name": "enable", "kind": "holding_register", "address": 0, "type": "uint16", "bit": 3, "access": "rw"},
    {"name": "setpoint", "kind": "holding_register", "address": 1, "type": "float32", "word_order": "DCBA", "access": "rw",
         "min": -50, "max": 150},
    {"name": "tag", "kind": "holding_register", "address": 3, "type": "string", "length": 4, "access": "rw"},
]
RTU_POINTS = [
    {"name": "volts", "kind": "input_register", "address": 0, "type": "float32", "access": "r", "unit": "V", "min": 180, "max": 260},
    {"name": "limit", "kind": "holding_register", "address": 0, "type": "uint16", "access": "rw", "default": 40},
]


def _toml(table: dict) -> str:
    return "".join(f"{key} = {json.dumps(value, ensure_ascii=False)}\n" for key, value in table.items())


def _profile(tmp_path: Path, protocol: str, devices: dict[str, list[dict]], transport: dict | None = None) -> Path:
    """A profile file: each device (unit 1, 2, ...) with its points."""
    text = f'[profile]\nname = "{protocol.replace("-", "_")}"\nversion = 1\nprotocol = "{protocol}"\n' \
           'title = { ko = "시험", en = "test" }\n'
    text += f"[transport]\n{_toml(transport)}" if transport else ""
    for unit, (device, points) in enumerate(devices.items(), 1):
        text += f'\n[[devices]]\nname = "{device}"\nunit = {unit}\ntitle = {{ ko = "장치", en = "device" }}\n'
        for point in points:
            text += f"[[devices.points]]\n{_toml({**point, 'ko': point['name'], 'en': point['name']})}"
    path = tmp_path / f"{protocol}-{len(devices)}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _mixed(tmp_path: Path) -> Path:
    return _profile(tmp_path, "modbus-tcp", {"plc": MIXED_POINTS})


def _one_rtu(tmp_path: Path) -> Path:
    return _profile(tmp_path, "modbus-rtu", {"meter": RTU_POINTS}, {"baudrate": 9600})


def _line(tmp_path: Path, twin: DeviceTwin):
    path = tmp_path / "line.toml"
    path.write_text(twin.line_file(), encoding="utf-8")
    line = load_line(path, {"historian": {"path": str(tmp_path / "h.db")}})
    (connection,) = line.connections
    return connection


async def _read_all(connection) -> dict[str, object]:
    driver = line_driver(connection)
    try:
        readings = {}
        for device in connection.profile.devices:
            for point, reading in zip(device.points, await driver.read(device, device.points)):
                assert reading.quality is Quality.GOOD, (point.name, reading)
                readings[f"{device.name}.{point.name}"] = reading.value
        return readings
    finally:
        await driver.close()


async def test_modbus_tcp_twin_serves_every_kind_word_order_bit_and_string_as_set(tmp_path):
    async with DeviceTwin(_mixed(tmp_path), transport="tcp") as twin:
        assert twin.endpoint[0] == "127.0.0.1" and twin.endpoint[1] > 0
        values = {"run": True, "ready": True, "flow": 123.5, "count": 70000, "temp": -12.3, "alarm_hi": True,
                  "enable": False, "setpoint": -7.25, "tag": "AB12"}
        for name, value in values.items():
            twin.set(name, value)
        read = await _read_all(_line(tmp_path, twin))
        assert read == pytest.approx({f"plc.{k}": v for k, v in values.items()})


async def test_modbus_writes_are_held_and_a_bit_write_keeps_its_neighbours(tmp_path):
    async with DeviceTwin(_mixed(tmp_path)) as twin:
        twin.set("alarm_hi", True)
        connection = _line(tmp_path, twin)
        device = connection.profile.devices[0]
        driver = line_driver(connection)
        try:
            await driver.write(device, device.point("enable"), True)
            await driver.write(device, device.point("setpoint"), 99.5)
            await driver.write(device, device.point("tag"), "XY")
            with pytest.raises(WriteFailed):
                await driver.write(device, device.point("setpoint"), 151)  # refused by the profile's range
        finally:
            await driver.close()
        assert (twin.get("enable"), twin.get("alarm_hi"), twin.get("setpoint"), twin.get("tag")) == (True, True, 99.5, "XY")


async def test_values_come_from_defaults_ranges_and_waveforms(tmp_path):
    async with DeviceTwin(_one_rtu(tmp_path), seed=3) as twin:
        assert twin.get("limit") == 40  # the profile's default
        assert 180 <= twin.get("volts") <= 260  # a waveform inside the range
        first = twin.get("volts")
        twin.plant.step(7.0)
        assert twin.get("volts") != first


async def test_rtu_twin_on_a_pty_at_another_unit_is_reached_through_its_line_file(tmp_path):
    async with DeviceTwin(_one_rtu(tmp_path), transport="rtu", unit=7) as twin:
        assert isinstance(twin.endpoint, str) and twin.endpoint.startswith("/dev/")
        assert "unit = 7" in twin.connection_table() and "baudrate = 9600" in twin.connection_table()
        connection = _line(tmp_path, twin)
        assert connection.profile.devices[0].unit == 7
        twin.set("volts", 229.5)
        read = await _read_all(connection)
        assert read == {"meter.volts": 229.5, "meter.limit": 40}


async def test_opcua_twin_serves_string_node_ids_nsu_and_deep_paths_with_methods(tmp_path):
    async with DeviceTwin(S7) as twin:
        assert twin.endpoint.startswith("opc.tcp://127.0.0.1:")
        twin.set("temperature", 21.5)
        connection = _line(tmp_path, twin)
        read = await _read_all(connection)
        assert read["line.temperature"] == 21.5 and set(read) == {f"line.{p}" for p in
                                                                  ("temperature", "speed", "running", "count", "current")}
        device = connection.profile.devices[0]
        driver = line_driver(connection)
        try:
            await driver.write(device, device.point("speed"), -1200)
            await driver.write(device, device.point("running"), True)
            assert (twin.get("speed"), twin.get("running")) == (-1200, True)
            await driver.call(device, "SetSpeed", 1500)
            assert twin.get("speed") == 1500
            with pytest.raises(CallFailed):
                await driver.call(device, "SetSpeed", 40000)
        finally:
            await driver.close()


async def test_a_twin_refuses_what_it_cannot_serve(tmp_path):
    with pytest.raises(TwinError, match="serves transport 'tcp', got 'opcua'"):
        DeviceTwin(_mixed(tmp_path), transport="opcua")
    with pytest.raises(TwinError, match="one device per port, the profile has 2"):
        async with DeviceTwin(_profile(tmp_path, "modbus-tcp", {"a": MIXED_POINTS, "b": MIXED_POINTS})):
            pass
    with pytest.raises(TwinError, match="'unit' moves the one device"):
        DeviceTwin("fieldbus", unit=3)
    with pytest.raises(KeyError, match="no point 'nope'"):
        async with DeviceTwin(_mixed(tmp_path)) as twin:
            twin.set("nope", 1)


async def test_smarthall_sim_device_serves_twins_prints_their_connections_and_stops_on_ctrl_c(tmp_path):
    """Two twins from the command line (a TCP port given, an RTU unit given); the printed entries reach them."""
    command = [sys.executable, "-m", "smarthall", "sim", "--device", f"{_mixed(tmp_path)}:0",
               "--device", f"{_one_rtu(tmp_path)}:9"]
    proc = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        lines: list[str] = []
        async with asyncio.timeout(30):
            while not lines or "Ctrl-C" not in lines[-1]:
                lines.append((await proc.stdout.readline()).decode())
                assert lines[-1], f"smarthall sim --device ended early: {await proc.stderr.read()}"
        printed = "".join(lines)
        entries = printed[printed.index("[[connections]]"):printed.index("Press Ctrl-C")]
        line = tmp_path / "cli-line.toml"
        line.write_text('[line]\nname = "cli"\nko = "cli"\nen = "cli"\n\n' + entries
                        + '[[scan_groups]]\nname = "all"\nrate_ms = 100\ntags = ["*"]\n', encoding="utf-8")
        config = load_line(line, {"historian": {"path": str(tmp_path / "h.db")}})
        assert config.connection("modbus_rtu").profile.devices[0].unit == 9
        for connection in config.connections:
            await _read_all(connection)
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, err.decode()
    assert "Simulated devices stopped." in out.decode() and b"Traceback" not in err


async def test_smarthall_sim_device_with_an_unknown_profile_says_so_in_one_line():
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "smarthall", "sim", "--device", "no_such_plc",
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert err.decode().count("\n") == 1 and "unknown profile 'no_such_plc'" in err.decode()
