"""A station switched off and on again: the communication alarm, the pace of reconnects, recovery at the first try.

The feeder station is the real simulator on a free port; the agent reaches it through its line
file and the default Modbus driver, whose connect attempts are counted through the drivers factory.
"""

from __future__ import annotations

import itertools
import time

import pytest

from smarthall.devices import Timeouts
from smarthall.devices.backoff import Backoff
from smarthall.devices.profiles import load_profile
from smarthall.devices.quality import Quality
from smarthall.edge.agent import EdgeAgent, line_driver
from smarthall.edge.alarms import State
from smarthall.edge.config import load_line
from smarthall.simulators.modbus.tcp import ModbusTcpStation
from smarthall.simulators.plant import Plant, PlantConfig
from tests.waiting import until

STEP_S = 0.2  # backoff_min = backoff_max: every reconnect waits exactly one step

LINE = """
[line]
name = "recovery"
ko = "복구"
en = "recovery"

[historian]
path = "history.db"

[[connections]]
name = "feeder"
profile = "feeder"
host = "127.0.0.1"
port = {port}
timeouts = {{ connect = 0.5, read = 0.3, write = 0.3, backoff_min = {step}, backoff_max = {step} }}

[[scan_groups]]
name = "fast"
rate_ms = 20
tags = ["feeder.*"]
"""


class Attempts:
    """The drivers factory, counting each driver's connect attempts with the time they were made."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def __call__(self, connection):
        driver = line_driver(connection)
        connect = driver.connect

        async def counted() -> None:
            self.times.append(time.monotonic())
            await connect()

        driver.connect = counted
        return driver


@pytest.fixture
async def station():
    plant = Plant(PlantConfig(seed=2))
    running = ModbusTcpStation(plant, load_profile("feeder").device("feeder"), fault_poll_s=0.01)
    await running.start()
    try:
        yield plant, running
    finally:
        await running.close()


def all_good(agent) -> bool:
    values = [agent.latest.get(t) for t in agent.config.tags]
    return all(v is not None and v.quality is Quality.GOOD for v in values)


async def test_station_switched_off_raises_comm_alarm_and_is_good_again_at_the_first_attempt(station, tmp_path):
    plant, feeder = station
    path = tmp_path / "line.toml"
    path.write_text(LINE.format(port=feeder.port, step=STEP_S), encoding="utf-8")
    attempts = Attempts()
    agent = EdgeAgent(load_line(path), tmp_path / "history.db", drivers=attempts)
    await agent.start()
    try:
        await until(lambda: all_good(agent))
        fault = plant.inject_fault("feeder", "offline", {})
        await until(lambda: agent.alarms.state("comm.feeder").state is State.UNACK)
        assert agent.latest["feeder.magazine_count"].reason in ("not connected", "timeout")
        away_from = time.monotonic()
        before = len(attempts.times)
        await until(lambda: len(attempts.times) >= before + 4)
        plant.clear_fault(fault.id)
        await until(lambda: feeder.serving)
        away = attempts.times[before:]
        back = time.monotonic()
        tried_while_away = len(attempts.times)
        await until(lambda: all_good(agent))
        gaps = [b - a for a, b in itertools.pairwise(away)]
        assert all(gap >= STEP_S * 0.99 for gap in gaps), f"at most one attempt per backoff step: {gaps}"
        assert len(away) <= (back - away_from) / STEP_S + 1
        assert len(attempts.times) - tried_while_away <= 1, "GOOD again at the first attempt after the station is back"
        assert agent.alarms.state("comm.feeder").state is State.RTN_UNACK
    finally:
        await agent.close()


def test_the_default_backoff_never_waits_longer_than_the_recovery_bound():
    timeouts = Timeouts()
    backoff = Backoff(timeouts.backoff_min, timeouts.backoff_max)
    delays = [backoff.next_delay() for _ in range(50)]
    assert max(delays) <= timeouts.backoff_max <= 1.5, "a returning peer is read within 2 s (1.5 s + a scan)"
