"""The scan engine on the memory driver: group rates, writes between reads, one dead device never slows another."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace

import pytest

from smarthall.devices.errors import WriteFailed
from smarthall.devices.memory import MemoryDriver, Operation
from smarthall.devices.quality import Quality
from smarthall.edge.config import Connection, ScanGroup, load_line
from smarthall.edge.scan import STOPPED, WRITES_BETWEEN_READS, ConnectionScanner
from smarthall.edge.supervise import INTERNAL_ERROR, supervised
from tests.waiting import until

LINE = load_line()


def taking(read_s: float = 0.0, write_s: float = 0.0):
    """A MemoryDriver handler: reads and writes take this long (as if each ran into its timeout)."""
    async def handler(operation: Operation) -> None:
        delay = read_s if operation.kind == "read" else write_s
        if delay:
            await asyncio.sleep(delay)
    return handler


def scanner_for(connection_name: str, driver: MemoryDriver, groups: Sequence[ScanGroup], published: list):
    connection: Connection = LINE.connection(connection_name)
    tags = [t for t in LINE.tags.values() if t.connection == connection_name]
    return ConnectionScanner(connection, tags, groups, driver, published.append)


async def run_while(scanners, predicate) -> None:
    tasks = [asyncio.create_task(s.run()) for s in scanners]
    try:
        await until(predicate)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_each_group_keeps_its_own_rate():
    published = []
    driver = MemoryDriver()
    tags = [t for t in LINE.tags.values() if t.connection == "fieldbus"]
    tags = [replace(t, group="fast" if t.device.name == "ambient" else "slow") for t in tags]
    groups = [ScanGroup("fast", 0.01), ScanGroup("slow", 0.2)]
    scanner = ConnectionScanner(LINE.connection("fieldbus"), tags, groups, driver, published.append)
    await run_while([scanner], lambda: scanner.stats["fast"].cycles >= 15)
    assert scanner.stats["slow"].cycles <= 3
    assert {v.tag for v in published} == {t.name for t in tags}


async def test_reads_of_a_group_are_one_batch_per_device():
    published = []
    driver = MemoryDriver()
    scanner = scanner_for("conveyor", driver, LINE.groups, published)
    await run_while([scanner], lambda: len(driver.log) >= 1)
    assert driver.log[0].kind == "read"
    assert driver.log[0].points == LINE.tag("conveyor.motor_run").device.points


async def test_a_burst_of_writes_does_not_starve_the_scan():
    published = []
    driver = MemoryDriver(handler=taking(write_s=0.02))
    scanner = scanner_for("conveyor", driver, [ScanGroup("fast", 0.01)], published)
    task = asyncio.create_task(scanner.run())
    try:
        await until(lambda: driver.log)
        tag = LINE.tag("conveyor.speed_setpoint")
        await asyncio.gather(*(scanner.write(tag, 100 + i) for i in range(20)))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    kinds = "".join(op.kind[0] for op in driver.log)
    assert kinds.count("w") == 20
    longest_run_of_writes = max(len(run) for run in kinds.split("r"))
    assert longest_run_of_writes <= WRITES_BETWEEN_READS + 1, kinds


async def test_a_dead_device_never_slows_another():
    published = []
    dead = MemoryDriver(handler=taking(read_s=0.5))  # as if every read ran into its timeout
    alive = MemoryDriver()
    group = [ScanGroup("fast", 0.02)]
    slow = scanner_for("feeder", dead, group, published)
    fast = scanner_for("conveyor", alive, group, published)
    await run_while([slow, fast], lambda: fast.stats["fast"].cycles >= 10)
    assert slow.stats["fast"].cycles <= 1


async def test_a_failed_write_reaches_the_caller_and_the_scan_goes_on():
    async def refusing(operation: Operation) -> None:
        if operation.kind == "write":
            raise RuntimeError("exception 03 illegal data value")

    published = []
    driver = MemoryDriver(handler=refusing)
    scanner = scanner_for("conveyor", driver, [ScanGroup("fast", 0.01)], published)
    task = asyncio.create_task(scanner.run())
    try:
        with pytest.raises(RuntimeError, match="illegal data value"):
            await scanner.write(LINE.tag("conveyor.speed_setpoint"), 100)
        reads_before = len(driver.log)
        await until(lambda: len(driver.log) > reads_before + 2)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def answers(write, read) -> tuple[str, set[tuple[Quality, str]]]:
    """The write's failure reason and the read's (quality, reason) pairs, each bounded by a generous timeout."""
    async with asyncio.timeout(30):
        with pytest.raises(WriteFailed) as failed:
            await write
        values = await read
    return failed.value.reason, {(v.quality, v.reason) for v in values}


async def test_requests_waiting_when_the_scanner_stops_are_answered():
    held = asyncio.Event()  # never set: the write in service never finishes on its own

    async def hanging_write(operation: Operation) -> None:
        if operation.kind == "write":
            await held.wait()

    driver = MemoryDriver(handler=hanging_write)
    scanner = scanner_for("conveyor", driver, [ScanGroup("fast", 0.01)], [])
    task = asyncio.create_task(scanner.run())
    await until(lambda: driver.log)
    write = asyncio.create_task(scanner.write(LINE.tag("conveyor.speed_setpoint"), 100))
    await until(lambda: any(op.kind == "write" for op in driver.log))
    read = asyncio.create_task(scanner.read_now([LINE.tag("conveyor.motor_run")]))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert await answers(write, read) == (STOPPED, {(Quality.BAD, STOPPED)})


async def test_requests_queued_to_a_scanner_whose_restarts_keep_failing_are_answered():
    first_try = asyncio.Event()

    async def subscribe_fails(operation: Operation) -> None:
        if operation.kind == "subscribe":
            await first_try.wait()
            raise RuntimeError("a bug in the driver")

    driver = MemoryDriver(handler=subscribe_fails)
    scanner = ConnectionScanner(LINE.connection("conveyor"),
                                [t for t in LINE.tags.values() if t.connection == "conveyor"],
                                [ScanGroup("fast", 0.01)], driver, lambda value: None, subscribe_ms=100)
    task = asyncio.create_task(supervised("scan conveyor", scanner.run, lambda exc: scanner.fail(INTERNAL_ERROR)))
    try:
        await until(lambda: driver.log)
        write = asyncio.create_task(scanner.write(LINE.tag("conveyor.speed_setpoint"), 100))
        read = asyncio.create_task(scanner.read_now([LINE.tag("conveyor.motor_run")]))
        await until(lambda: len(scanner._requests) == 2)  # both queued behind the subscription
        first_try.set()
        assert await answers(write, read) == (INTERNAL_ERROR, {(Quality.BAD, INTERNAL_ERROR)})
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
