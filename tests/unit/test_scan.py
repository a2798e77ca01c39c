"""The scan engine with a fake driver: group rates, writes between reads, one dead device never slows another."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import replace

import pytest

from smarthall.devices.quality import Quality, Reading
from smarthall.edge.config import Connection, ScanGroup, load_line
from smarthall.edge.scan import WRITES_BETWEEN_READS, ConnectionScanner
from tests.waiting import until

LINE = load_line()


class FakeDriver:
    """Answers instantly (or after `read_delay`), logging every operation in order."""

    def __init__(self, read_delay: float = 0.0, write_delay: float = 0.0) -> None:
        self.log: list[tuple[str, str]] = []
        self.read_delay = read_delay
        self.write_delay = write_delay
        self.connected = True

    async def read(self, device, points) -> list[Reading]:
        self.log.append(("read", ",".join(p.name for p in points)))
        if self.read_delay:
            await asyncio.sleep(self.read_delay)
        return [Reading(value=1, quality=Quality.GOOD, timestamp=time.time()) for _ in points]

    async def write(self, device, point, value) -> None:
        self.log.append(("write", point.name))
        if self.write_delay:
            await asyncio.sleep(self.write_delay)

    async def close(self) -> None:
        pass


def scanner_for(connection_name: str, driver: FakeDriver, groups: Sequence[ScanGroup], published: list):
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
    driver = FakeDriver()
    tags = [t for t in LINE.tags.values() if t.connection == "fieldbus"]
    tags = [replace(t, group="fast" if t.device.name == "ambient" else "slow") for t in tags]
    groups = [ScanGroup("fast", 0.01), ScanGroup("slow", 0.2)]
    scanner = ConnectionScanner(LINE.connection("fieldbus"), tags, groups, driver, published.append)
    await run_while([scanner], lambda: scanner.stats["fast"].cycles >= 15)
    assert scanner.stats["slow"].cycles <= 3
    assert {v.tag for v in published} == {t.name for t in tags}


async def test_reads_of_a_group_are_one_batch_per_device():
    published = []
    driver = FakeDriver()
    scanner = scanner_for("conveyor", driver, LINE.groups, published)
    await run_while([scanner], lambda: len(driver.log) >= 1)
    assert driver.log[0] == ("read", ",".join(p.name for p in LINE.tag("conveyor.motor_run").device.points))


async def test_a_burst_of_writes_does_not_starve_the_scan():
    published = []
    driver = FakeDriver(write_delay=0.02)
    scanner = scanner_for("conveyor", driver, [ScanGroup("fast", 0.01)], published)
    task = asyncio.create_task(scanner.run())
    try:
        await until(lambda: driver.log)
        tag = LINE.tag("conveyor.speed_setpoint")
        await asyncio.gather(*(scanner.write(tag, 100 + i) for i in range(20)))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    kinds = "".join(op[0][0] for op in driver.log)
    assert kinds.count("w") == 20
    longest_run_of_writes = max(len(run) for run in kinds.split("r"))
    assert longest_run_of_writes <= WRITES_BETWEEN_READS + 1, kinds


async def test_a_dead_device_never_slows_another():
    published = []
    dead = FakeDriver(read_delay=0.5)  # as if every read ran into its timeout
    alive = FakeDriver()
    group = [ScanGroup("fast", 0.02)]
    slow = scanner_for("feeder", dead, group, published)
    fast = scanner_for("conveyor", alive, group, published)
    await run_while([slow, fast], lambda: fast.stats["fast"].cycles >= 10)
    assert slow.stats["fast"].cycles <= 1


async def test_a_failed_write_reaches_the_caller_and_the_scan_goes_on():
    class Refusing(FakeDriver):
        async def write(self, device, point, value):
            raise RuntimeError("exception 03 illegal data value")

    published = []
    driver = Refusing()
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
