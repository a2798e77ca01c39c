"""No task dies silently: the agent's supervised scanners, its communication alarms, and closing that always flushes.

The agent runs on memory drivers (devices.memory) injected through its `drivers` factory.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3

import pytest

from smarthall.devices.memory import MemoryDriver, Operation
from smarthall.devices.quality import Quality
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.alarms import State
from smarthall.edge.config import ScanGroup, load_line
from smarthall.edge.scan import ConnectionScanner
from tests.waiting import until

LINE = """
[line]
name = "supervised"
ko = "감독 라인"
en = "supervised line"

[historian]
path = "history.db"
flush_s = 0.05

[[connections]]
name = "feeder"
profile = "feeder"
host = "127.0.0.1"
port = 1

[[connections]]
name = "conveyor"
profile = "conveyor"
host = "127.0.0.1"
port = 1

[[scan_groups]]
name = "fast"
rate_ms = 20
tags = ["feeder.*", "conveyor.*"]
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(LINE, encoding="utf-8")
    return load_line(path)


def values_for(config, connection: str, value: int = 1) -> dict[str, object]:
    return {t.name: (bool(value) if t.point.type.value == "bool" else value)
            for t in config.tags.values() if t.connection == connection}


class Breaking:
    """A handler that raises an unexpected exception on every read while `broken`."""

    def __init__(self) -> None:
        self.broken = False
        self.raised = 0

    async def __call__(self, operation: Operation) -> None:
        if self.broken and operation.kind == "read":
            self.raised += 1
            raise RuntimeError("a bug in the driver")


def feeder_tags(agent) -> list:
    return [agent.latest.get(t.name) for t in agent.config.tags.values() if t.connection == "feeder"]


async def test_a_scanner_that_raises_restarts_with_its_tags_bad_and_its_comm_alarm_raised(config, tmp_path, caplog):
    breaking = Breaking()
    drivers = {"feeder": MemoryDriver(values_for(config, "feeder"), breaking),
               "conveyor": MemoryDriver(values_for(config, "conveyor"))}
    agent = EdgeAgent(config, tmp_path / "history.db", drivers=lambda c: drivers[c.name])
    await agent.start()
    try:
        await until(lambda: all(v is not None and v.quality is Quality.GOOD for v in feeder_tags(agent)))
        assert agent.alarms.state("comm.feeder").state is State.NORMAL
        breaking.broken = True
        with caplog.at_level(logging.ERROR, logger="smarthall.edge.supervise"):
            await until(lambda: all(v.reason == "internal error" for v in feeder_tags(agent)))
        assert agent.alarms.state("comm.feeder").state is State.UNACK
        assert agent.alarms.state("comm.conveyor").state is State.NORMAL
        assert any("scan feeder failed (RuntimeError: a bug in the driver)" in r.getMessage() for r in caplog.records)
        breaking.broken = False
        await until(lambda: all(v.quality is Quality.GOOD for v in feeder_tags(agent)))
        assert agent.alarms.state("comm.feeder").state is State.RTN_UNACK
        assert breaking.raised <= 2, "restarts are paced by the backoff, not a busy loop"
    finally:
        await agent.close()


async def test_closing_flushes_the_history_after_a_task_raised_and_a_driver_failed_to_close(config, tmp_path):
    class Unclosable(MemoryDriver):
        async def close(self) -> None:
            raise RuntimeError("close failed")

    breaking = Breaking()
    drivers = {"feeder": Unclosable(values_for(config, "feeder"), breaking),
               "conveyor": MemoryDriver(values_for(config, "conveyor"))}
    agent = EdgeAgent(config, tmp_path / "history.db", drivers=lambda c: drivers[c.name])
    collector_settings = gc.get_threshold()
    await agent.start()
    await until(lambda: all(v is not None for v in feeder_tags(agent)))
    breaking.broken = True
    await until(lambda: breaking.raised)
    await agent.close()
    assert (gc.get_threshold(), gc.get_freeze_count()) == (collector_settings, 0)  # tuned for the scan, then restored
    with sqlite3.connect(tmp_path / "history.db") as db:
        tables = [name for (name,) in db.execute("select name from sqlite_master where type = 'table'")]
        assert tables
        rows = sum(db.execute(f"select count(*) from {name}").fetchone()[0] for name in tables)
    assert rows > 0, "the history was flushed"


async def test_start_failing_part_way_leaves_nothing_running(config, tmp_path):
    def drivers(connection):
        if connection.name == "conveyor":
            raise RuntimeError("no driver for conveyor")
        return MemoryDriver()

    agent = EdgeAgent(config, tmp_path / "history.db", drivers=drivers)
    with pytest.raises(RuntimeError, match="no driver for conveyor"):
        await agent.start()
    assert agent.historian is None and not agent.scanners and not agent._tasks


async def test_a_connection_that_stops_answering_raises_its_comm_alarm_and_clears_it(config, tmp_path):
    drivers = {"feeder": MemoryDriver(values_for(config, "feeder")),
               "conveyor": MemoryDriver(values_for(config, "conveyor"))}
    agent = EdgeAgent(config, tmp_path / "history.db", drivers=lambda c: drivers[c.name])
    await agent.start()
    try:
        await until(lambda: all(v is not None and v.quality is Quality.GOOD for v in feeder_tags(agent)))
        drivers["feeder"].connected = False
        await until(lambda: agent.alarms.state("comm.feeder").state is State.UNACK)
        drivers["feeder"].connected = True
        await until(lambda: agent.alarms.state("comm.feeder").state is State.RTN_UNACK)
    finally:
        await agent.close()


def test_every_connection_has_a_comm_alarm_unless_turned_off(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(LINE.replace('name = "conveyor"\n', 'name = "conveyor"\ncomm_alarm = false\n'), encoding="utf-8")
    alarms = {a.id: a for a in load_line(path).alarms}
    assert set(alarms) == {"comm.feeder"}
    assert (alarms["comm.feeder"].text_ko, alarms["comm.feeder"].text_en) == ("feeder 통신 두절",
                                                                             "feeder: communication lost")


async def test_a_restarted_scanner_does_not_subscribe_twice(tmp_path):
    line = load_line()
    tags = [t for t in line.tags.values() if t.connection == "process"]
    calls = 0

    async def breaks_once_after_subscribing(operation: Operation) -> None:
        nonlocal calls
        if operation.kind == "read":
            calls += 1
            if calls == 1:
                raise RuntimeError("a bug in the driver")

    driver = MemoryDriver(handler=breaks_once_after_subscribing)
    driver.connected = False  # the subscription's connection is down: the scanner reads the groups
    scanner = ConnectionScanner(line.connection("process"), tags, [ScanGroup("process", 0.01)], driver,
                                lambda value: None, subscribe_ms=100)
    with pytest.raises(RuntimeError):
        await scanner.run()
    task = asyncio.create_task(scanner.run())
    try:
        await until(lambda: calls >= 3)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert [op.kind for op in driver.log].count("subscribe") == len({t.device.name for t in tags})
