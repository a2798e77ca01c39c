"""The Modbus driver and scanner against a server that misbehaves: never a wrong number, never a silent stop.

Every misbehaviour of tests/hostile_modbus.py is replayed against the real driver (and the scan engine
above it): a value is GOOD only if it is the value the honest server gives, every BAD reading names the
violation, the violation is counted, and the connection comes back once the server is honest again.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from smarthall.devices import ProtocolViolation, Quality, Timeouts, WriteFailed
from smarthall.devices.modbus import Link, ModbusDriver
from smarthall.devices.profiles import load_profile
from smarthall.edge.config import ScanGroup, load_line
from smarthall.edge.scan import ConnectionScanner
from tests.hostile_modbus import MISBEHAVIOURS, RTU_MISBEHAVIOURS, HostileServer
from tests.waiting import until

FAST = Timeouts(connect=0.5, read=0.3, write=0.3, backoff_min=0.02, backoff_max=0.05)
CONVEYOR = load_profile("conveyor").device("conveyor")
READ_MISBEHAVIOURS = [name for name, m in MISBEHAVIOURS.items() if m.functions & {1, 2, 3, 4}]


@pytest.fixture
async def server():
    running = await HostileServer().start()
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def driver(server):
    driver = ModbusDriver(Link(rtu=False, host="127.0.0.1", port=server.port), FAST)
    try:
        yield driver
    finally:
        await driver.close()


async def honest_values(driver) -> dict[str, object]:
    readings = await driver.read(CONVEYOR, CONVEYOR.points)
    assert all(r.quality is Quality.GOOD for r in readings), readings
    return {p.name: r.value for p, r in zip(CONVEYOR.points, readings)}


@pytest.mark.parametrize("misbehaviour", READ_MISBEHAVIOURS)
async def test_hostile_read_reply_is_never_good(server, driver, misbehaviour):
    truth = await honest_values(driver)
    server.misbehave = misbehaviour
    readings = await driver.read(CONVEYOR, CONVEYOR.points)
    assert server.hostile_replies >= 1
    for point, reading in zip(CONVEYOR.points, readings):
        if reading.quality is Quality.GOOD:
            assert reading.value == truth[point.name], f"{point.name}: a wrong number stored as GOOD"
    reasons = {r.reason for r in readings if r.quality is Quality.BAD}
    assert any(MISBEHAVIOURS[misbehaviour].reason in reason for reason in reasons), reasons
    assert driver.protocol_violations >= 1
    server.misbehave = None
    await until(lambda: _all_good(driver), timeout=5)
    assert await honest_values(driver) == truth


async def _all_good(driver) -> bool:
    return all(r.quality is Quality.GOOD for r in await driver.read(CONVEYOR, CONVEYOR.points))


async def test_reply_with_transaction_id_zero_is_bad(server, driver):
    await honest_values(driver)
    server.misbehave = "transaction id zero"
    [reading] = await driver.read(CONVEYOR, [CONVEYOR.point("speed_setpoint")])
    assert reading.quality is Quality.BAD
    assert reading.reason.startswith("transaction id 0, expected ")
    assert not driver.connected, "a stream that answered with another transaction id is reset"


async def test_fc4_reply_to_fc3_request_is_bad(server, driver):
    server.misbehave = "fc3 fc4 swapped"
    [reading] = await driver.read(CONVEYOR, [CONVEYOR.point("speed_setpoint")])
    assert (reading.quality, reading.reason) == (Quality.BAD, "reply fc 4 to request fc 3")


async def test_byte_count_shorter_than_asked_is_bad(server, driver):
    server.misbehave = "byte count shorter"
    [reading] = await driver.read(CONVEYOR, [CONVEYOR.point("run_seconds")])
    assert (reading.quality, reading.reason) == (Quality.BAD, "byte count 2, expected 4")


async def test_coil_byte_count_that_lies_is_bad(server, driver):
    server.misbehave = "coil byte count lies"
    readings = await driver.read(CONVEYOR, [p for p in CONVEYOR.points if p.kind.is_bit])
    assert {(r.quality, r.reason) for r in readings} == {(Quality.BAD, "byte count 2, expected 1")}


async def test_write_reply_that_does_not_echo_fails_the_write(server, driver):
    server.misbehave = "write reply that does not echo"
    with pytest.raises(WriteFailed) as caught:
        await driver.write(CONVEYOR, CONVEYOR.point("speed_setpoint"), 250)
    assert isinstance(caught.value.__cause__, ProtocolViolation)
    assert "does not echo" in caught.value.reason
    assert driver.protocol_violations == 1


@pytest.mark.parametrize("misbehaviour", ["byte count shorter", "MBAP length shorter than the PDU",
                                          "register reply to a coil request",
                                          "reply ahead with the next transaction id"])
async def test_short_reply_does_not_stop_scanning(server, driver, misbehaviour):
    line = load_line()
    connection = replace(line.connection("conveyor"), settings={"host": "127.0.0.1", "port": server.port})
    tags = [t for t in line.tags.values() if t.connection == "conveyor"]
    published = []
    tags = [replace(t, group="fast") for t in tags]
    scanner = ConnectionScanner(connection, tags, [ScanGroup("fast", 0.02)], driver, published.append)
    task = asyncio.create_task(scanner.run())
    try:
        await until(lambda: published and all(v.quality is Quality.GOOD for v in published[-len(tags):]))
        truth = {v.tag: v.value for v in published[-len(tags):]}
        server.misbehave = misbehaviour
        cycles = scanner.stats["fast"].cycles
        await until(lambda: scanner.stats["fast"].cycles >= cycles + 10)
        assert not task.done(), "the scanner stopped"
        bad = [v for v in published if v.quality is Quality.BAD]
        assert bad and all(v.reason for v in bad)
        assert any(MISBEHAVIOURS[misbehaviour].reason in v.reason for v in bad)
        assert all(v.value == truth[v.tag] for v in published if v.quality is Quality.GOOD)
        server.misbehave = None
        mark = len(published)
        await until(lambda: len(published) > mark + len(tags)
                    and all(v.quality is Quality.GOOD for v in published[-len(tags):]))
        assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@pytest.fixture
async def rtu_server():
    running = await HostileServer(rtu=True).start()
    try:
        yield running
    finally:
        await running.close()


@pytest.mark.parametrize("misbehaviour", list(RTU_MISBEHAVIOURS))
async def test_hostile_rtu_reply_is_never_good(rtu_server, misbehaviour):
    driver = ModbusDriver(Link(rtu=True, host="127.0.0.1", port=rtu_server.port), FAST)
    try:
        truth = await honest_values(driver)
        rtu_server.misbehave = misbehaviour
        readings = await driver.read(CONVEYOR, CONVEYOR.points)
        for point, reading in zip(CONVEYOR.points, readings):
            if reading.quality is Quality.GOOD:
                assert reading.value == truth[point.name], f"{point.name}: a wrong number stored as GOOD"
        reasons = {r.reason for r in readings if r.quality is Quality.BAD}
        assert any(RTU_MISBEHAVIOURS[misbehaviour].reason in reason for reason in reasons), reasons
        assert driver.protocol_violations >= 1
        rtu_server.misbehave = None
        await until(lambda: _all_good(driver), timeout=5)
    finally:
        await driver.close()
