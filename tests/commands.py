"""`smarthall` commands as separate processes on a copy of lines/sim.toml (tests, and benchmarks/cli_latency.py).

`free_options` picks free ports for a simulated line before it starts, so that `sim_line_copy` can write
a line file naming them; `smarthall` runs one command as a whole process and returns what it said.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from smarthall.simulators.options import SimOptions, line_overrides
from smarthall.testing.line import write_sim_line

from .broker import free_port


def free_options(folder: Path, **options) -> SimOptions:
    """A simulated line on free ports (picked now, so a line file can name them before it starts), its bus in folder."""
    return SimOptions(feeder_port=free_port(), conveyor_port=free_port(), process_port=free_port(),
                      control_port=free_port(), camera_port=free_port(), fieldbus_link=str(folder / "bus"), **options)


def sim_line_copy(folder: Path, options: SimOptions, light: bool = False) -> Path:
    """folder/line.toml: lines/sim.toml where `options` puts the simulated line, its history in folder, the
    northbound server on a free port; `light`: without the northbound server and the camera station."""
    return write_sim_line(folder / "line.toml", {
        **line_overrides(options),
        "historian": {"path": str(folder / "history.db"), "flush_s": 0.1},
        "northbound": {"port": 0},
    }, light=light)


def environment(folder: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "XDG_DATA_HOME": str(folder / "data"), "LANG": "C", **extra}


async def smarthall(folder: Path, *args: str, timeout: float = 60, **extra: str) -> tuple[int, str, str]:
    """Run `smarthall ARGS` (its data folder in folder, LANG=C, `extra` in its environment): exit code, stdout, stderr."""
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "smarthall", *args, env=environment(folder, **extra),
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode, out.decode(), err.decode()
