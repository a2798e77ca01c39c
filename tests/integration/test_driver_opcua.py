"""The OPC UA driver against the simulated process station: reads, writes, calls, subscriptions, faults."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable

import pytest

from smarthall.devices import BadStatus, CallFailed, Quality, Reading, Timeouts, WriteFailed, driver_for
from smarthall.devices.opcua import OpcUaDriver
from smarthall.devices.profiles import Point, load_profile
from smarthall.simulators.opcua import ProcessStationServer
from smarthall.simulators.plant import Plant

PROFILE = load_profile("process")
DEVICE = PROFILE.device("process")
FAST = Timeouts(connect=1.0, read=0.5, write=0.5, backoff_min=0.05, backoff_max=0.2)


async def until(condition: Callable[[], object], timeout: float = 2.5, every: float = 0.02):
    """Poll an async condition until it returns something truthy; fail after timeout."""
    async with asyncio.timeout(timeout):
        while not (result := await condition()):
            await asyncio.sleep(every)
    return result


@pytest.fixture
def plant() -> Plant:
    return Plant()


@pytest.fixture
async def station(plant):
    server = ProcessStationServer(plant, PROFILE, endpoint="opc.tcp://127.0.0.1:0")
    await server.start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def driver(station):
    made = OpcUaDriver(station.endpoint_url, str(PROFILE.transport["namespace"]), FAST, rng=random.Random(0))
    try:
        yield made
    finally:
        await made.close()


async def test_every_point_of_the_process_station_reads_good(driver, plant):
    readings = await driver.read(DEVICE, DEVICE.points)
    for point, reading in zip(DEVICE.points, readings, strict=True):
        assert reading.quality is Quality.GOOD, (point.name, reading)
        point.check(reading.value)
        assert reading.value == pytest.approx(plant.read("process", point.name))
    assert isinstance(readings[DEVICE.points.index(DEVICE.point("mode"))].value, int)


async def test_factory_builds_the_opcua_driver(station):
    made = driver_for(PROFILE, {"endpoint": station.endpoint_url}, FAST)
    try:
        await made.connect()
        (reading,) = await made.read(DEVICE, [DEVICE.point("setpoint")])
        assert reading.value == 25.0
    finally:
        await made.close()


async def test_writes_reach_the_plant_and_refusals_carry_the_status_name(driver, plant):
    await driver.write(DEVICE, DEVICE.point("setpoint"), 80)
    assert plant.read("process", "setpoint") == 80.0
    with pytest.raises(WriteFailed, match="BadInvalidState") as caught:
        await driver.write(DEVICE, DEVICE.point("heater_output"), 50)  # auto mode: the plant refuses
    assert isinstance(caught.value.__cause__, BadStatus) and caught.value.reason == "BadInvalidState"


async def test_method_calls_start_and_abort_a_batch(driver, station, plant):
    await driver.call(DEVICE, "StartBatch", 60, 5)
    assert plant.read("process", "batch_state") == 1
    await driver.call(DEVICE, "AbortBatch")
    assert plant.read("process", "batch_state") == 5
    with pytest.raises(CallFailed, match="no method"):
        await driver.call(DEVICE, "Explode")


async def test_open_thermocouple_is_bad_sensor_failure_not_a_number(driver, station, plant):
    plant.inject_fault("process", "thermocouple_open")
    await station.sync()
    temperature, setpoint = await driver.read(DEVICE, [DEVICE.point("temperature"), DEVICE.point("setpoint")])
    assert (temperature.quality, temperature.value, temperature.reason) == (Quality.BAD, None, "BadSensorFailure")
    assert setpoint.quality is Quality.GOOD, "one bad point never fails the batch"


async def test_unknown_node_is_bad_for_that_point_only(driver):
    ghost = Point(**{**DEVICE.point("kp").__dict__, "name": "ghost", "node": "Ghost"})
    ghost_reading, kp = await driver.read(DEVICE, [ghost, DEVICE.point("kp")])
    assert ghost_reading.quality is Quality.BAD and ghost_reading.reason.startswith("Bad")
    assert kp.quality is Quality.GOOD


class Inbox:
    def __init__(self) -> None:
        self.got: list[tuple[str, Reading]] = []

    def __call__(self, point: Point, reading: Reading) -> None:
        self.got.append((point.name, reading))

    def last(self, name: str) -> Reading | None:
        return next((r for n, r in reversed(self.got) if n == name), None)


async def test_subscription_delivers_data_changes(driver, station, plant):
    inbox = Inbox()
    await driver.subscribe(DEVICE, [DEVICE.point("setpoint"), DEVICE.point("temperature")], inbox, interval_ms=20)
    await until(lambda: _arrived(inbox, "setpoint", 25.0))
    plant.write("process", "setpoint", 120.0)
    await station.sync()
    await until(lambda: _arrived(inbox, "setpoint", 120.0))
    plant.inject_fault("process", "thermocouple_open")
    await station.sync()
    await until(lambda: _arrived(inbox, "temperature", None))
    assert inbox.last("temperature").reason == "BadSensorFailure"


async def test_subscribe_before_connecting_delivers_each_change_once(driver, station, plant):
    inbox = Inbox()
    await driver.subscribe(DEVICE, [DEVICE.point("setpoint")], inbox, interval_ms=20)
    await until(lambda: _arrived(inbox, "setpoint", 25.0))
    plant.write("process", "setpoint", 120.0)
    await station.sync()
    await until(lambda: _arrived(inbox, "setpoint", 120.0))
    plant.write("process", "setpoint", 130.0)  # a second subscription's copies of 25 and 120 come before this
    await station.sync()
    await until(lambda: _arrived(inbox, "setpoint", 130.0))
    assert [r.value for _, r in inbox.got] == [25.0, 120.0, 130.0]


async def test_offline_station_reads_bad_and_subscriptions_come_back_after_clear(driver, station, plant):
    inbox = Inbox()
    await driver.subscribe(DEVICE, [DEVICE.point("setpoint")], inbox, interval_ms=20)
    await until(lambda: _arrived(inbox, "setpoint", 25.0))
    fault = plant.inject_fault("process", "offline")
    await station.sync()
    await until(lambda: _arrived(inbox, "setpoint", None))
    assert inbox.last("setpoint").reason == "not connected"
    (reading,) = await driver.read(DEVICE, [DEVICE.point("setpoint")])
    assert reading.quality is Quality.BAD and reading.reason in ("not connected", "timeout")
    plant.clear_fault(fault.id)
    plant.write("process", "setpoint", 90.0)
    await station.sync()
    await until(lambda: _arrived(inbox, "setpoint", 90.0))
    (reading,) = await driver.read(DEVICE, [DEVICE.point("setpoint")])
    assert reading.value == 90.0


async def test_slow_server_reads_bad_timeout_then_recovers(driver, station, plant):
    point = [DEVICE.point("kp")]
    assert (await driver.read(DEVICE, point))[0].quality is Quality.GOOD
    fault = plant.inject_fault("process", "latency", {"ms": 1500})
    assert (await driver.read(DEVICE, point))[0].reason == "timeout"
    plant.clear_fault(fault.id)
    await until(lambda: _read_good(driver, point))


async def _arrived(inbox: Inbox, name: str, value: float | None) -> bool:
    reading = inbox.last(name)
    if reading is None:
        return False
    if value is None:
        return reading.quality is Quality.BAD
    return reading.quality is Quality.GOOD and math.isclose(reading.value, value)


async def _read_good(driver, points) -> bool:
    return all(r.quality is Quality.GOOD for r in await driver.read(DEVICE, points))
