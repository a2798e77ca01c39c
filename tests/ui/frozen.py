"""A line that never changes, for the console's snapshot tests and for tests that need no live line.

`frozen_agent()` is a real EdgeAgent (not started) whose scanners sit on
`FrozenDriver`s: every read gives the same values with the same timestamp,
and each connection has fixed scan statistics. `frozen_line()` is the console's
view of it: a LiveLine whose session serves that agent (edge.service) and
connects to it, as `lab` does. `FrozenSim` stands in for sim
control with a fixed list of active faults. Nothing here touches a socket, a
clock or a path that would show on the screen.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from pathlib import Path

from smarthall.devices.profiles import DataType
from smarthall.devices.quality import Quality, Reading
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import load_line
from smarthall.edge.scan import ConnectionScanner, to_tag_value
from smarthall.edge.service import served
from smarthall.lessons.console.live import LiveLine
from smarthall.lessons.console.shelf import load_shelf
from smarthall.lessons.faults import FaultCatalogue
from smarthall.lessons.sim_control import ActiveFault
from smarthall.simulators.plant.faults import fault_catalogue

HERE = Path(__file__).resolve().parent
LINE = HERE / "frozen_line.toml"
CATALOGUE = HERE / "lessons" / "info.toml"
T0 = 1_700_000_000.0  # every value's timestamp
NOW = T0 + 2.5  # the console's clock: every value is 2.5 s old
VALUES = {
    "conveyor.speed_setpoint": 200, "conveyor.speed_actual": 198, "conveyor.estop_ok": True,
    "conveyor.motor_running": True, "conveyor.motor_run": True, "conveyor.auto_mode": True,
    "conveyor.parts_in": 12, "conveyor.parts_good": 10, "conveyor.parts_rejected": 2, "conveyor.motor_current": 1.25,
    "feeder.magazine_count": 0, "feeder.magazine_empty": True, "feeder.parts_dispensed": 50,
    "feeder.feed_interval_ms": 2000, "feeder.pusher_retracted": True,
    "process.temperature": 24.5, "process.setpoint": 180.0,
}
BAD = {"fieldbus": "timeout: no answer from unit 1 within 0.5 s"}  # a connection whose every read fails
STATS = {"feeder": (1200, 0, 0.004), "conveyor": (1200, 3, 0.012), "fieldbus": (120, 7, 0.35), "process": (240, 0, 0.0)}
DISCARDED = {"conveyor": ("protocol_violations", 2), "process": ("lost_changes", 5)}  # what these drivers count
FAULTS = [ActiveFault(1, "conveyor", "estop", {}), ActiveFault(2, "process.temperature", "drift", {"rate": 0.5})]


def _default(kind: DataType):
    return {DataType.BOOL: False, DataType.FLOAT32: 0.0, DataType.FLOAT64: 0.0, DataType.STRING: ""}.get(kind, 0)


class FrozenDriver:
    """A driver whose points always read the same; connected or not as told; writes change nothing."""

    def __init__(self, connected: bool, fails: str = "") -> None:
        self.connected = connected
        self.fails = fails

    def reading(self, device, point) -> Reading:
        if self.fails:
            return Reading(None, Quality.BAD, T0, self.fails)
        return Reading(VALUES.get(f"{device.name}.{point.name}", _default(point.type)), Quality.GOOD, T0)

    async def connect(self) -> None:
        pass

    async def read(self, device, points: Sequence) -> list[Reading]:
        return [self.reading(device, point) for point in points]

    async def write(self, device, point, value) -> None:
        """Accepted and forgotten: the line stays as it is (a lesson's setup writes on opening)."""

    async def close(self) -> None:
        pass


def frozen_agent() -> EdgeAgent:
    """An EdgeAgent on frozen_line.toml whose latest values, alarms and scan statistics are filled and fixed."""
    config = load_line(LINE)
    agent = EdgeAgent(config)
    for connection in config.connections:
        fails = BAD.get(connection.name, "")
        driver = FrozenDriver(not fails, fails)
        if connection.name in DISCARDED:
            setattr(driver, *DISCARDED[connection.name])  # the capability (CountsViolations, CountsLostChanges)
        tags = [t for t in config.tags.values() if t.connection == connection.name]
        scanner = ConnectionScanner(connection, tags, config.groups, driver, agent._publish)
        cycles, overruns, jitter = STATS[connection.name]
        for stats in scanner.stats.values():
            stats.cycles, stats.overruns = cycles, overruns
            stats.jitter_s.extend([jitter] * 10)
        scanner.readings = cycles * len(tags)
        scanner.bad_readings = scanner.readings if fails else overruns  # a dead line: every reading is BAD
        agent.scanners[connection.name] = scanner
        for tag in tags:  # every value once, as a scan would: latest and the alarms
            agent._publish(to_tag_value(tag, driver.reading(tag.device, tag.point)))
    return agent


def frozen_line() -> LiveLine:
    """The frozen agent as the console reads it: through its client API (served when the console connects)."""
    agent = frozen_agent()
    return LiveLine(agent.config, functools.partial(served, agent))


class FrozenSim:
    """Sim control's stand-in: the same active faults every time; clearing and loading change nothing."""

    async def clear_faults(self) -> None:
        pass

    async def fault_kinds(self) -> FaultCatalogue:
        return FaultCatalogue.from_data(fault_catalogue())

    async def load_magazine(self, count: int) -> None:
        pass

    async def active_faults(self) -> list[ActiveFault]:
        return list(FAULTS)


def frozen_shelf():
    """The test catalogue (one good lesson, three broken), its problems named relative to its folder."""
    with contextlib.chdir(CATALOGUE.parent):
        return load_shelf(CATALOGUE, load_line(LINE))
