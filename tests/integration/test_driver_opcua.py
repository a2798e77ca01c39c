"""The OPC UA driver against the simulated process station: reads, writes, calls, subscriptions, faults."""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from smarthall.devices import BadStatus, CallFailed, Quality, Reading, Timeouts, WriteFailed, driver_for
from smarthall.devices.opcua import OpcUaDriver
from smarthall.devices.profiles import DataType, Device, Point, load_profile
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


def _addressed(**nodes: str):
    """The process device with its points addressed otherwise (point name -> node), no object needed."""
    points = tuple(Point(**{**DEVICE.point(name).__dict__, "node": node}) for name, node in nodes.items())
    return Device(name="addressed", title=DEVICE.title, points=points)


NSU = "nsu=urn:smarthall:process;s=ProcessStation"


async def test_node_ids_with_namespace_uri_and_absolute_browse_paths_read_good(driver, plant):
    device = _addressed(setpoint=f"{NSU}.Setpoint", kp="/ProcessStation/Kp", mode="/nsu=urn:smarthall:process;ProcessStation/Mode")
    readings = await driver.read(device, device.points)
    assert [(r.quality, r.value) for r in readings] == [
        (Quality.GOOD, 25.0), (Quality.GOOD, plant.read("process", "kp")), (Quality.GOOD, 1)]


async def test_a_mistyped_node_id_is_bad_node_id_unknown_and_the_others_stay_good(driver, station, plant):
    device = _addressed(setpoint=f"{NSU}.Setpiont", kp=f"{NSU}.Kp", mode="/ProcessStation/Mdoe")
    setpoint, kp, mode = await driver.read(device, device.points)
    assert (setpoint.quality, setpoint.reason) == (Quality.BAD, "BadNodeIdUnknown")
    assert (mode.quality, mode.reason) == (Quality.BAD, "BadNoMatch")
    assert kp.quality is Quality.GOOD
    inbox = Inbox()
    await driver.subscribe(device, device.points, inbox, interval_ms=20)
    await until(lambda: _arrived(inbox, "kp", plant.read("process", "kp")))
    assert inbox.last("setpoint").reason == "BadNodeIdUnknown" and inbox.last("mode").reason == "BadNoMatch"
    plant.write("process", "kp", 7.0)
    await station.sync()
    await until(lambda: _arrived(inbox, "kp", 7.0))


async def test_a_device_with_no_node_found_reads_bad_and_subscribes_without_failing(driver):
    """Regression: every node unknown made an empty Read (BadNothingToDo) and `edge run` exit."""
    device = _addressed(setpoint='ns=3;s="DB_Line"."Temperature"', kp="nsu=urn:nowhere;i=5")
    assert [r.reason for r in await driver.read(device, device.points)] == ["BadNodeIdUnknown"] * 2
    inbox = Inbox()
    await driver.subscribe(device, device.points, inbox, interval_ms=20)
    assert [(n, r.reason) for n, r in inbox.got] == [("setpoint", "BadNodeIdUnknown"), ("kp", "BadNodeIdUnknown")]
    assert driver.connected


def _start_batch_taking(soak_type: DataType) -> Device:
    """The process device whose profile says soak_s is a soak_type (the server says UInt32)."""
    start = replace(DEVICE.methods[0], inputs=(("setpoint", DataType.FLOAT64), ("soak_s", soak_type)))
    return replace(DEVICE, methods=(start,))


async def test_an_argument_outside_the_servers_type_is_refused_before_sending(driver, plant):
    """Regression: 40000 for an Int16 failed packing and dropped the connection; now one line, nothing sent."""
    await driver.connect()
    with pytest.raises(CallFailed, match=r"process\.StartBatch: argument soak_s \(UInt32\): expected a whole number"
                                         r" 0\.\.4294967295, got -1") as caught:
        await driver.call(_start_batch_taking(DataType.INT32), "StartBatch", 60, -1)  # the server's type decides
    assert caught.value.reason == "bad argument" and driver.connected
    with pytest.raises(CallFailed, match=r"soak_s \(Int16\).*got 40000"):
        await driver.call(_start_batch_taking(DataType.INT16), "StartBatch", 60, 40000)  # the profile's, first
    assert driver.connected and plant.read("process", "batch_state") == 0
    await driver.call(_start_batch_taking(DataType.INT16), "StartBatch", 60, 5)  # sent as the server's UInt32
    assert plant.read("process", "batch_state") == 1


async def test_methods_addressed_by_node_ids(driver, plant):
    method = replace(DEVICE.methods[0], object="nsu=urn:smarthall:process;s=ProcessStation",
                     node="nsu=urn:smarthall:process;s=ProcessStation.StartBatch")
    device = replace(DEVICE, object=None, methods=(method,))
    await driver.call(device, "StartBatch", 60, 5)
    assert plant.read("process", "batch_state") == 1


async def test_a_server_that_goes_away_leaves_no_tracebacks_in_the_log(driver, station, caplog):
    """Regression: asyncua's publish loop logged 'Publish iteration crashed' with a traceback on screen."""
    inbox = Inbox()
    await driver.subscribe(DEVICE, [DEVICE.point("setpoint")], inbox, interval_ms=20)
    await until(lambda: _arrived(inbox, "setpoint", 25.0))
    caplog.set_level(logging.DEBUG)
    await station.close()
    await until(lambda: _arrived(inbox, "setpoint", None), timeout=5)
    assert inbox.last("setpoint").reason == "not connected"
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
