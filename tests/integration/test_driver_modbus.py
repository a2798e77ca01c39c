"""The Modbus driver against the simulated stations: TCP stations, the RS-485 bus on a pty, RTU over TCP.

The plants are stepped by hand; faults come from plant.inject_fault as on the line.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from smarthall.devices import IllegalDataAddress, Quality, Reading, Timeouts, WriteFailed, driver_for
from smarthall.devices.modbus import Link, ModbusDriver
from smarthall.devices.profiles import Device, load_profile
from smarthall.simulators.modbus import RtuBus, rtu
from smarthall.simulators.modbus.image import DeviceImage
from smarthall.simulators.modbus.pdu import handle
from smarthall.simulators.modbus.tcp import ModbusTcpStation
from smarthall.simulators.plant import Plant, PlantConfig

FAST = Timeouts(connect=0.5, read=0.25, write=0.25, backoff_min=0.05, backoff_max=0.2)
FIELDBUS = load_profile("fieldbus")


async def until(condition: Callable[[], object], timeout: float = 2.0, every: float = 0.02):
    """Poll an async condition until it returns something truthy; fail after timeout."""
    async with asyncio.timeout(timeout):
        while not (result := await condition()):
            await asyncio.sleep(every)
    return result


def all_good_and_in_range(device: Device, readings: list[Reading]) -> None:
    for point, reading in zip(device.points, readings, strict=True):
        assert reading.quality is Quality.GOOD, (point.name, reading)
        point.check(reading.value)
        assert reading.timestamp > 0


@pytest.fixture
def plant() -> Plant:
    plant = Plant(PlantConfig(seed=3))
    plant.run_for(2.0)
    return plant


@pytest.fixture
async def station(plant, request):
    name = getattr(request, "param", "conveyor")
    running = ModbusTcpStation(plant, load_profile(name).device(name), fault_poll_s=0.01)
    await running.start()
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def driver(station):
    made = ModbusDriver(Link(rtu=False, host="127.0.0.1", port=station.port), FAST, rng=random.Random(0))
    try:
        yield made
    finally:
        await made.close()


@pytest.mark.parametrize("station", ["feeder", "conveyor"], indirect=True)
async def test_every_point_of_a_tcp_station_reads_good(station, driver, plant):
    device = station.device
    readings = await driver.read(device, device.points)
    all_good_and_in_range(device, readings)
    values = {p.name: r.value for p, r in zip(device.points, readings)}
    expected = {p.name: plant.read(device.name, p.name) for p in device.points}
    assert values == pytest.approx(expected, abs=0.01)


async def test_factory_builds_the_tcp_driver_from_profile_and_settings(station, plant):
    made = driver_for(load_profile("conveyor"), {"port": station.port}, FAST)
    try:
        await made.connect()
        assert made.connected
        (reading,) = await made.read(station.device, [station.device.point("speed_setpoint")])
        assert reading.value == 200
    finally:
        await made.close()
    assert not made.connected


async def test_writes_reach_the_plant(station, driver, plant):
    device = station.device
    await driver.write(device, device.point("speed_setpoint"), 320)
    await driver.write(device, device.point("motor_run"), True)
    assert plant.read("conveyor", "speed_setpoint") == 320
    assert plant.read("conveyor", "motor_run") is True


async def test_refused_write_names_the_modbus_exception(station, driver):
    # the edge's copy of the map says holding register 9 is writable; the PLC serves no such register
    wrongly_writable = replace(station.device.point("speed_setpoint"), address=9, min=None, max=None)
    with pytest.raises(WriteFailed, match="exception 02 illegal data address") as caught:
        await driver.write(station.device, wrongly_writable, 1)
    assert isinstance(caught.value.__cause__, IllegalDataAddress)
    assert caught.value.reason == "exception 02 illegal data address"


async def test_write_outside_the_range_is_refused_before_the_wire(driver, station):
    with pytest.raises(WriteFailed, match=r"speed_setpoint: 900 is outside 0\.\.500"):
        await driver.write(station.device, station.device.point("speed_setpoint"), 900)
    with pytest.raises(WriteFailed, match="read-only"):
        await driver.write(station.device, station.device.point("speed_actual"), 1)


async def test_exception_02_splits_a_gapped_range_and_the_next_scan_reads_it_split(plant, station):
    conveyor = station.device
    sparse = Device(name="conveyor", title=conveyor.title, unit=1,
                    points=tuple(conveyor.point(n) for n in ("speed_actual", "part_at_camera", "run_seconds")))
    served = ModbusTcpStation(plant, sparse)  # registers 2..7 unmapped: a read across them is refused with 02
    await served.start()
    driver = ModbusDriver(Link(rtu=False, host="127.0.0.1", port=served.port), FAST)
    try:
        assert [(b.start, b.count) for b in driver.planner.plan(1, sparse.points)] == [(0, 10)]
        readings = await driver.read(sparse, sparse.points)
        all_good_and_in_range(sparse, readings)
        assert [(b.start, b.count) for b in driver.planner.plan(1, sparse.points)] == [(0, 2), (8, 2)]
        all_good_and_in_range(sparse, await driver.read(sparse, sparse.points))
    finally:
        await driver.close()
        await served.close()


async def test_plc_offline_reads_bad_then_reconnects_after_clear(plant, station, driver):
    device = station.device
    point = [device.point("speed_setpoint")]
    assert (await driver.read(device, point))[0].quality is Quality.GOOD
    fault = plant.inject_fault("conveyor", "offline")
    (bad,) = await until(lambda: _bad(driver, device, point))
    assert bad.reason in ("not connected", "timeout")
    assert (await driver.read(device, point))[0].reason in ("not connected", "timeout")
    plant.clear_fault(fault.id)
    await until(lambda: _good(driver, device, point), timeout=FAST.backoff_max + 2.0)


@pytest.mark.parametrize("kind", ["latency", "drop"])
async def test_slow_or_dropped_replies_are_bad_timeout_then_recover(plant, station, driver, kind):
    device = station.device
    params = {"ms": 600} if kind == "latency" else {"fraction": 1.0}
    fault = plant.inject_fault("conveyor", kind, params)
    readings = await driver.read(device, device.points)
    assert {(r.quality, r.reason) for r in readings} == {(Quality.BAD, "timeout")}
    assert not driver.connected, "a timeout drops a TCP connection (it may be half-open)"
    assert {r.reason for r in await driver.read(device, device.points)} == {"not connected"}, "backoff, no busy loop"
    plant.clear_fault(fault.id)
    await until(lambda: _good(driver, device, device.points))


async def _bad(driver, device, points):
    readings = await driver.read(device, points)
    return readings if readings[0].quality is Quality.BAD else None


async def _good(driver, device, points):
    readings = await driver.read(device, points)
    return readings if all(r.quality is Quality.GOOD for r in readings) else None


@pytest.fixture
async def bus(plant, tmp_path):
    running = RtuBus(plant, FIELDBUS, link=tmp_path / "fieldbus")
    await running.start()
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def rtu_driver(bus):
    made = driver_for(FIELDBUS, {"link": str(bus.link), "parity": "N"}, FAST)  # ptys keep no parity bit
    try:
        yield made
    finally:
        await made.close()


async def test_every_rtu_unit_reads_good_over_the_pty(rtu_driver, plant):
    for device in FIELDBUS.devices:
        readings = await rtu_driver.read(device, device.points)
        all_good_and_in_range(device, readings)
        for point, reading in zip(device.points, readings):
            assert reading.value == pytest.approx(plant.read(device.name, point.name), abs=0.06)
    meter = FIELDBUS.device("energy.conveyor")
    assert (await rtu_driver.read(meter, [meter.point("voltage")]))[0].value == pytest.approx(220, abs=15)


async def test_one_silent_unit_does_not_take_the_bus_down(rtu_driver, plant):
    plant.inject_fault("ambient", "offline")
    ambient, vibration = FIELDBUS.device("ambient"), FIELDBUS.device("vibration")
    assert {r.reason for r in await rtu_driver.read(ambient, ambient.points)} == {"timeout"}
    assert rtu_driver.connected, "a silent device on a serial bus is not a dead port"
    all_good_and_in_range(vibration, await rtu_driver.read(vibration, vibration.points))


async def test_a_late_rtu_reply_is_no_answer_to_the_next_request(rtu_driver, plant, bus):
    ambient = FIELDBUS.device("ambient")
    fault = plant.inject_fault("fieldbus", "latency", {"ms": 400})
    assert {r.reason for r in await rtu_driver.read(ambient, ambient.points)} == {"timeout"}
    plant.clear_fault(fault.id)
    await until(lambda: _late_reply_seen(rtu_driver), timeout=3.0)
    all_good_and_in_range(ambient, await rtu_driver.read(ambient, ambient.points))
    assert rtu_driver.protocol_violations == 1, "the late reply is counted, then the bus goes on"


async def _late_reply_seen(driver) -> bool:
    return driver._framer.untrusted is not None


async def test_crc_noise_reads_bad_without_crashing_and_recovers(rtu_driver, plant):
    meter = FIELDBUS.device("energy.process")
    fault = plant.inject_fault("fieldbus", "crc_noise", {"fraction": 1.0})
    readings = await rtu_driver.read(meter, meter.points)
    assert {(r.quality, r.reason) for r in readings} == {(Quality.BAD, "crc error")}
    assert rtu_driver.protocol_violations == 1
    assert rtu_driver.connected, "a corrupt frame on a serial bus is not a dead port"
    plant.clear_fault(fault.id)
    await until(lambda: _good(rtu_driver, meter, meter.points))


class RtuGateway:
    """A serial gateway on TCP: RTU frames in, RTU frames out, answered from the plant."""

    def __init__(self, plant: Plant) -> None:
        self.images = {d.unit: DeviceImage(plant, d) for d in FIELDBUS.devices}
        self.connections: set[asyncio.Task] = set()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections.add(asyncio.current_task())
        decoder = rtu.Decoder()
        try:
            while data := await reader.read(256):
                for frame in decoder.feed(data):
                    writer.write(rtu.encode(frame.unit, handle(frame.pdu, self.images[frame.unit])))
        finally:
            writer.close()


async def test_rtu_over_tcp_reads_a_meter_through_a_serial_gateway(plant):
    gateway = RtuGateway(plant)
    server = await asyncio.start_server(gateway.serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    driver = driver_for(FIELDBUS, {"host": "127.0.0.1", "port": port}, FAST)
    try:
        meter = FIELDBUS.device("energy.feeder")
        all_good_and_in_range(meter, await driver.read(meter, meter.points))
    finally:
        await driver.close()
        server.close()
        await asyncio.gather(*gateway.connections)  # each ends at the client's EOF
        await server.wait_closed()


async def test_a_request_waits_on_one_timer_the_drivers_deadline(station, driver, plant):
    """pymodbus's own timer per reply (its asyncio.wait_for) is off: the driver's read timeout alone bounds a request
    (test_slow_or_dropped_replies_are_bad_timeout_then_recover holds that it still does). Fails loudly if pymodbus
    starts another timer of its own."""
    device = station.device
    await driver.read(device, device.points)  # connected, the plan made
    loop, timers = asyncio.get_running_loop(), []
    reading = asyncio.current_task()
    call_at = loop.call_at

    def counted(when, callback, *args, **kwargs):
        if asyncio.current_task() is reading:
            timers.append(callback)
        return call_at(when, callback, *args, **kwargs)

    loop.call_at = counted
    try:
        readings = await driver.read(device, device.points)
    finally:
        del loop.call_at
    all_good_and_in_range(device, readings)
    blocks = len(driver.planner.plan(device.unit, device.points))
    assert len(timers) == blocks, timers
