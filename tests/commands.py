"""`smarthall` commands as separate processes on a copy of lines/sim.toml (tests, and benchmarks/cli_latency.py).

`free_options` picks free ports for a simulated line before it starts, so that `sim_line_copy` can write
a line file naming them; `smarthall` runs one command as a whole process and returns what it said.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from smarthall.edge.config import DEFAULT_LINE
from smarthall.simulators.line import SimOptions

from .broker import free_port

DEFAULTS = SimOptions()


def free_options(folder: Path, **options) -> SimOptions:
    """A simulated line on free ports (picked now, so a line file can name them before it starts), its bus in folder."""
    return SimOptions(feeder_port=free_port(), conveyor_port=free_port(), process_port=free_port(),
                      control_port=free_port(), camera_port=free_port(), fieldbus_link=str(folder / "bus"), **options)


def sim_line_copy(folder: Path, options: SimOptions, light: bool = False) -> Path:
    """folder/line.toml: lines/sim.toml where `options` puts the simulated line, its history in folder, the
    northbound server on a free port; `light`: without the northbound server and the camera station."""
    text = DEFAULT_LINE.read_text(encoding="utf-8")
    if light:  # no [vision]; [northbound] off (without the table the agent serves on the default port)
        text = text[:text.index("[northbound]")] + "[northbound]\nenabled = false\n\n" + text[text.index("[[scan_groups]]"):]
        text = text.split('[[alarms]]\nid = "vision.camera_lost"')[0]
    for default, port in ((DEFAULTS.feeder_port, options.feeder_port), (DEFAULTS.conveyor_port, options.conveyor_port),
                          (DEFAULTS.process_port, options.process_port), (DEFAULTS.camera_port, options.camera_port)):
        text = text.replace(f"127.0.0.1:{default}", f"127.0.0.1:{port}").replace(f"port = {default}\n", f"port = {port}\n")
    text = (text.replace("port = 4850 ", "port = 0 ").replace('"/tmp/smarthall-fieldbus"', f'"{options.fieldbus_link}"')
            .replace('file = "sim-users.toml"', f'file = "{DEFAULT_LINE.parent / "sim-users.toml"}"')
            .replace("flush_s = 1.0", f'flush_s = 0.1\npath = "{folder / "history.db"}"'))
    defaults = (DEFAULTS.feeder_port, DEFAULTS.conveyor_port, DEFAULTS.process_port, DEFAULTS.camera_port, 4850)
    assert not any(f":{port}" in text or f"= {port}" in text for port in defaults) and "/tmp/smarthall" not in text
    path = folder / "line.toml"
    path.write_text(text, encoding="utf-8")
    return path


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
