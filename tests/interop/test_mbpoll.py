"""mbpoll (libmodbus) against the simulated Modbus TCP stations and the RS-485 field bus."""

from __future__ import annotations

import asyncio
import re

import pytest

from smarthall.devices.profiles import Kind, load_profile
from smarthall.simulators.modbus import ModbusTcpStation, RtuBus
from smarthall.simulators.plant import Plant, PlantConfig

pytestmark = [pytest.mark.interop, pytest.mark.debian("mbpoll")]
CONVEYOR = load_profile("conveyor").device("conveyor")
FIELDBUS = load_profile("fieldbus")
VALUE_LINE = re.compile(r"^\[(\d+)\]:\s+(\S+)", re.MULTILINE)


async def mbpoll(*args: str) -> dict[int, float]:
    """Run mbpoll once; the values it printed by reference number."""
    process = await asyncio.create_subprocess_exec("mbpoll", *args, "-1", "-o", "1", stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(process.communicate(), 5)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    text = out.decode(errors="replace")
    assert process.returncode == 0, text
    return {int(ref): float(value) for ref, value in VALUE_LINE.findall(text)}


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(seed=9))


@pytest.fixture
async def conveyor(plant):
    station = ModbusTcpStation(plant, CONVEYOR, "127.0.0.1", 0)
    await station.start()
    try:
        yield ["-m", "tcp", "-p", str(station.port), "-a", "1", "-0"]
    finally:
        await station.close()


async def test_mbpoll_reads_holding_registers_and_coils(plant, conveyor):
    holding = await mbpoll(*conveyor, "-r", "0", "-c", "4", "-t", "4", "127.0.0.1")
    assert holding == {p.address: plant.read("conveyor", p.name) for p in CONVEYOR.of_kind(Kind.HOLDING_REGISTER)}
    coils = await mbpoll(*conveyor, "-r", "0", "-c", "8", "-t", "0", "127.0.0.1")
    assert coils == {p.address: int(plant.read("conveyor", p.name)) for p in CONVEYOR.of_kind(Kind.COIL)}


async def test_mbpoll_writes_a_holding_register_and_a_coil(plant, conveyor):
    await mbpoll(*conveyor, "-r", "0", "-t", "4", "127.0.0.1", "350")
    assert plant.read("conveyor", "speed_setpoint") == 350
    assert plant.read("conveyor", "auto_mode")
    await mbpoll(*conveyor, "-r", "1", "-t", "0", "127.0.0.1", "0")
    assert not plant.read("conveyor", "auto_mode")


async def test_mbpoll_reads_the_energy_meters_float32_over_rtu(plant, tmp_path):
    plant.run_for(2.0)
    bus = RtuBus(plant, FIELDBUS, link=tmp_path / "fieldbus")
    await bus.start()
    try:
        for meter in (d for d in FIELDBUS.devices if d.name.startswith("energy.")):
            values = await mbpoll("-m", "rtu", "-b", "19200", "-P", "even", "-a", str(meter.unit), "-0", "-r", "0",
                                  "-c", "4", "-t", "3:float", "-B", str(bus.link))
            expected = {p.address: plant.read(meter.name, p.name) for p in meter.points}
            assert values.keys() == expected.keys()
            for address, value in values.items():
                assert value == pytest.approx(expected[address], rel=1e-5, abs=1e-5), (meter.name, address)
            assert values[0] == pytest.approx(220, abs=15)
    finally:
        await bus.close()
