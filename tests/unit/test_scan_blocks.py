"""A device's scan read whole and GOOD travels as one block: no TagValue per value on the way, yet the agent's
latest values, history, alarms and watchers see every value as before."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence

import pytest

from smarthall.devices.memory import MemoryDriver
from smarthall.devices.profiles import Device, Point
from smarthall.devices.quality import AllGood, Quality, Reading
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.alarms import State
from smarthall.edge.config import ScanGroup, load_line
from smarthall.edge.latest import LatestValues
from smarthall.edge.scan import ConnectionScanner, to_tag_value
from smarthall.edge.tags import BlockLayout, TagBlock, TagValue
from tests.waiting import until

LINE = """
[line]
name = "blocks"
ko = "블록 라인"
en = "block line"

[historian]
path = "history.db"
flush_s = 0.05

[[connections]]
name = "feeder"
profile = "feeder"
host = "127.0.0.1"
port = 1

[[scan_groups]]
name = "fast"
rate_ms = 20
tags = ["feeder.*"]

[[alarms]]
id = "feeder.magazine_count.hi"
tag = "feeder.magazine_count"
kind = "hi"
limit = 10
ko = "매거진 많음"
en = "magazine full"
"""


class ValuesDriver(MemoryDriver):
    """The memory driver with the Modbus driver's `read_values`: a batch read whole and GOOD comes back AllGood."""

    async def read_values(self, device: Device, points: Sequence[Point]) -> AllGood | list[Reading]:
        readings = await self.read(device, points)
        if all(r.quality is Quality.GOOD for r in readings):
            return AllGood([r.value for r in readings], readings[0].timestamp)
        return readings


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(LINE, encoding="utf-8")
    return load_line(path)


def feeder_values(config, count: int) -> dict[str, object]:
    return {t.name: (count if t.name == "feeder.magazine_count" else t.point.type.value != "bool" and 1)
            for t in config.tags.values() if t.connection == "feeder"}


def layout_of(names: Sequence[str], units: Sequence[str]) -> BlockLayout:
    return BlockLayout(tuple(names), tuple(units), (0.0,) * len(names))


async def test_a_device_read_whole_and_good_reaches_the_publisher_as_one_block(config):
    tags = [t for t in config.tags.values() if t.connection == "feeder"]
    driver = ValuesDriver(feeder_values(config, 3))
    one_by_one, blocks = [], []
    scanner = ConnectionScanner(config.connection("feeder"), tags, config.groups, driver, one_by_one.append,
                                publish_block=blocks.append)
    values = await scanner.read_now(tags)
    await scanner._read(scanner._groups["fast"])
    assert one_by_one == [] and len(blocks) == 2 and all(isinstance(b, TagBlock) for b in blocks)
    assert blocks[0].layout.tags == tuple(t.name for t in tags)
    assert blocks[1].tag_values() == [to_tag_value(t, Reading(v, Quality.GOOD, blocks[1].timestamp))
                                      for t, v in zip(tags, blocks[1].values, strict=True)]
    assert values == blocks[0].tag_values()  # a read asked for returns its values
    assert (scanner.readings, scanner.bad_readings, scanner.comm_ok) == (2 * len(tags), 0, True)


async def test_a_batch_with_nan_goes_value_by_value_with_that_value_bad(config):
    tags = [t for t in config.tags.values() if t.connection == "feeder"]
    driver = ValuesDriver(feeder_values(config, 3) | {"feeder.magazine_count": math.nan})
    one_by_one, blocks = [], []
    scanner = ConnectionScanner(config.connection("feeder"), tags, config.groups, driver, one_by_one.append,
                                publish_block=blocks.append)
    await scanner._read(scanner._groups["fast"])
    assert blocks == [] and len(one_by_one) == len(tags)
    assert [v.tag for v in one_by_one if v.quality is not Quality.GOOD] == ["feeder.magazine_count"]
    assert (scanner.readings, scanner.bad_readings) == (len(tags), 1)


def test_latest_values_answer_a_blocks_tags_and_the_newest_value_wins():
    latest = LatestValues()
    layout = layout_of(["a.x", "a.y"], ["mm", ""])
    latest["a.x"] = TagValue("a.x", None, Quality.BAD, 1.0, "timeout", "mm")
    latest.put_block(TagBlock(layout, [1.5, 2], 2.0))
    assert dict(latest.items()) == {"a.x": TagValue("a.x", 1.5, Quality.GOOD, 2.0, "", "mm"),
                                    "a.y": TagValue("a.y", 2, Quality.GOOD, 2.0, "", "")}
    assert latest["a.y"] is latest.get("a.y")  # made once, then kept
    latest.put_all([TagValue("a.y", None, Quality.BAD, 3.0, "refused")])
    assert latest.get("a.y").reason == "refused" and latest["a.x"].value == 1.5
    latest.put_block(TagBlock(layout, [4.0, 5], 4.0))
    assert [v.value for v in latest.values()] == [4.0, 5]
    assert "a.z" not in latest and latest.get("a.z") is None and len(latest) == 2


@pytest.fixture
def driver(config) -> ValuesDriver:
    return ValuesDriver(feeder_values(config, 3))


@pytest.fixture
async def agent(config, driver, tmp_path):
    """The agent on the driver, not started yet (a test adds its listeners first); closed after the test."""
    made = EdgeAgent(config, tmp_path / "history.db", drivers=lambda connection: driver)
    try:
        yield made
    finally:
        await made.close()


async def test_the_agent_keeps_records_and_alarms_every_value_of_a_block(config, driver, agent):
    await agent.start()
    scanner = agent.scanners["feeder"]
    await until(lambda: scanner.readings > 0)
    assert agent.latest["feeder.magazine_count"].value == 3
    assert {name for name, v in agent.latest.items() if v.quality is Quality.GOOD} == {
        t.name for t in config.tags.values() if t.connection == "feeder"}
    driver.values["feeder.magazine_count"] = 12
    await until(lambda: agent.alarms.state("feeder.magazine_count.hi").state is State.UNACK)
    assert agent.latest["feeder.magazine_count"].value == 12
    assert [v.value for v in agent.historian.history("feeder.magazine_count", 0)] == [3, 12]


async def test_a_watcher_sees_a_blocks_changes(driver, agent):
    await agent.start()
    seen = []
    async with asyncio.timeout(30):
        async for value in agent.watch(["feeder.magazine_count"]):
            seen.append(value.value)
            if value.value == 3:
                driver.values["feeder.magazine_count"] = 4
            if value.value == 4:
                break
    assert seen[-2:] == [3, 4] and set(seen) == {3, 4}


async def test_a_listener_hears_every_value_of_a_block_and_the_history_keeps_them(config, driver, agent):
    heard: list[TagValue] = []
    agent.listeners.append(heard.append)
    await agent.start()
    await until(lambda: any(v.value == 3 for v in heard))
    driver.values["feeder.magazine_count"] = 12
    await until(lambda: agent.alarms.state("feeder.magazine_count.hi").state is State.UNACK)
    feeder = {t.name for t in config.tags.values() if t.connection == "feeder"}
    assert {v.tag for v in heard} == feeder and all(v.quality is Quality.GOOD for v in heard)
    assert [v.value for v in agent.historian.history("feeder.magazine_count", 0)] == [3, 12]
    assert agent.latest["feeder.magazine_count"].value == 12


def test_a_groups_layout_is_its_tags_in_order_with_units_and_deadbands(config):
    tags = [t for t in config.tags.values() if t.connection == "feeder"]
    scanner = ConnectionScanner(config.connection("feeder"), tags, [ScanGroup("fast", 0.02)], MemoryDriver(),
                                lambda value: None)
    (batch_tags, _, layout), = scanner._groups["fast"]
    assert layout.tags == tuple(t.name for t in batch_tags) == tuple(t.name for t in tags)
    assert layout.units == tuple(t.unit for t in tags) and layout.deadbands == tuple(t.deadband for t in tags)
    assert all(layout.tags[layout.position[name]] == name for name in layout.tags)
