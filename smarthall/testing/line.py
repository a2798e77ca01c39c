"""The simulated line for one test (or module, or session): free ports, its own folder, a line file.

`LineUnderTest.start(folder, settings)` starts `simulators.line.SimulatedLine` in a `Portal` on
free loopback ports with its RTU link in `folder`, and writes `folder/line.toml`: the shipped
simulated line's configuration pointed at those endpoints, with its history, users file and OPC UA
northbound server (on a free port) of its own. Nothing is shared with another test, another xdist
worker or a lab running beside them.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from smarthall.edge.config import DEFAULT_LINE, line_table
from smarthall.portal import Portal, bridged
from smarthall.simulators.line import SimOptions, SimulatedLine
from smarthall.simulators.options import FREE_PORTS
from smarthall.simulators.plant.faults import Fault

HOST = "127.0.0.1"
CLOSE_S = 10.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineSettings:
    """How the plant runs: its seed, its speed, and whether it moves by itself (wall) or only by `step` (manual)."""

    seed: int = 1
    time_scale: float = 1.0
    clock: str = "wall"

    def __post_init__(self) -> None:
        if self.clock not in ("wall", "manual"):
            raise ValueError(f"smarthall clock: expected 'wall' or 'manual', got {self.clock!r}")
        if not 0.1 <= self.time_scale <= 100:
            raise ValueError(f"smarthall time scale: expected 0.1..100, got {self.time_scale!r}")


@dataclass(frozen=True)
class Endpoints:
    """Where the line listens: Modbus TCP (host, port) and OPC UA URL per station, the RTU link, the camera."""

    modbus: Mapping[str, tuple[str, int]]  # "feeder", "conveyor" -> (host, port), unit 1
    rtu: str  # the field bus's serial device (a pty link), 19200 baud, 8N1 on a pty
    opcua: Mapping[str, str]  # "process", "control" (sim control) -> opc.tcp:// URL
    camera: str  # the MJPEG stream's URL


class LineUnderTest:
    """A running simulated line, its endpoints and its line file; `step` moves a manual clock."""

    def __init__(self, portal: Portal, simulated: SimulatedLine, folder: Path, settings: LineSettings) -> None:
        self.portal = portal
        self.simulated = simulated
        self.folder = folder
        self.settings = settings
        at = simulated.line_overrides()
        self.endpoints = Endpoints(
            modbus={name: (at[name]["host"], at[name]["port"]) for name in ("feeder", "conveyor")},
            rtu=at["fieldbus"]["serial"],
            opcua={"process": simulated.process.endpoint_url, "control": simulated.control.endpoint_url},
            camera=simulated.camera_url)
        self.line_file = write_line_file(simulated, folder)

    @classmethod
    def start(cls, folder: Path, settings: LineSettings = LineSettings()) -> LineUnderTest:
        """Start the line in a portal of its own (blocking); `close` stops both."""
        options = SimOptions(host=HOST, **FREE_PORTS, fieldbus_link=str(folder / "fieldbus"), seed=settings.seed,
                             time_scale=settings.time_scale, paced=settings.clock == "wall")
        portal = Portal()
        try:
            simulated = portal.start(SimulatedLine(options))
        except BaseException:
            portal.close()
            raise
        return cls(portal, simulated, folder, settings)

    def close(self) -> None:
        try:
            self.portal.run(_closed(self.simulated))
        finally:
            self.portal.close()

    @property
    def seed(self) -> int:
        return self.settings.seed

    @bridged
    async def step(self, seconds: float) -> None:
        """Move the plant `seconds` of plant time on (clock = manual only); every server shows the result."""
        if self.settings.clock != "manual":
            raise RuntimeError("smarthall_line.step: the plant runs by itself on this line (clock = wall); "
                               "ask for clock = 'manual' (--smarthall-clock manual, or the smarthall marker)")
        await self.simulated.step(seconds)

    @bridged
    async def set_time_scale(self, factor: float) -> None:
        """Plant seconds per wall-clock second from now on (0.1..100)."""
        self.simulated.pacer.set_time_scale(factor)

    @bridged
    async def inject_fault(self, target: str, kind: str, params: Mapping[str, object] | None = None) -> Fault:
        """Inject a fault (FaultError says what was wrong); the servers show it before this returns."""
        fault = self.simulated.plant.inject_fault(target, kind, dict(params or {}))
        await self.simulated.refresh()
        return fault

    @bridged
    async def clear_fault(self, fault_id: int | None = None) -> None:
        """Clear one fault by its id (if it is still active), or every fault."""
        plant = self.simulated.plant
        if fault_id is None:
            plant.clear_faults()
        elif any(fault.id == fault_id for fault in plant.active_faults):
            plant.clear_fault(fault_id)
        await self.simulated.refresh()

    @bridged
    async def active_faults(self) -> tuple[Fault, ...]:
        return self.simulated.plant.active_faults


async def _closed(simulated: SimulatedLine) -> None:
    """Close every server; one whose close hangs is given up after CLOSE_S (the portal then cancels its tasks
    until they end) and the others are still closed. Seen once in the manual-clock test on a loaded machine."""
    while True:
        try:
            async with asyncio.timeout(CLOSE_S):
                await simulated.close()
            return
        except TimeoutError:
            log.warning("smarthall_line: a server of the simulated line did not close within %g s; closing the rest",
                        CLOSE_S)


def write_line_file(simulated: SimulatedLine, folder: Path) -> Path:
    """folder/line.toml: the shipped simulated line's configuration, pointed at `simulated` and at `folder`."""
    return write_sim_line(folder / "line.toml", {
        **simulated.line_overrides(),
        "historian": {"path": str(folder / "history.db"), "flush_s": 0.1},
        "northbound": {"port": 0},
    }, f"The simulated line of this test, seed {simulated.options.seed} (written by the smarthall pytest plugin)")


def write_sim_line(path: Path, overrides: Mapping[str, Mapping[str, object]], header: str = "",
                   light: bool = False) -> Path:
    """path: lines/sim.toml with `overrides` (`edge.config.load_line`'s, e.g. `simulators.options.line_overrides`),
    its users file copied beside it; `light`: without the camera station ([vision], its alarms) nor the northbound
    server. The one way a line file for a simulated line elsewhere is made, never by editing the text."""
    table = line_table(DEFAULT_LINE, overrides)
    if light:
        del table["vision"]
        table["alarms"] = [alarm for alarm in table.get("alarms", []) if not alarm["tag"].startswith("vision.")]
        table["northbound"] = {"enabled": False}
    users = table["users"]["file"]
    shutil.copyfile(DEFAULT_LINE.parent / users, path.parent / users)
    path.write_text("".join(f"# {line}\n" for line in header.splitlines()) + tomli_w.dumps(table), encoding="utf-8")
    return path
