"""A line configuration file for a line running on free ports (the simulated line standing in for a hall).

It has the stations, scan groups and alarms of the station interface and no
vision station, so the console's tests run only what they look at.
"""

from __future__ import annotations

from pathlib import Path

from smarthall.simulators.line import SimulatedLine

from .frozen import LINE

# The scan groups, tag settings and alarms of the frozen line's configuration: the same station interface.
GROUPS_AND_ALARMS = "[[scan_groups]]" + LINE.read_text(encoding="utf-8").split("[[scan_groups]]", 1)[1]


def line_file(line: SimulatedLine, folder: Path) -> Path:
    """folder/hall.toml: a line configuration as an instructor writes one for a hall, for where `line` listens."""
    at = line.line_overrides()
    path = folder / "hall.toml"
    path.write_text(f"""
[line]
name = "hall"
ko = "Smart Hall 교육 라인"
en = "Smart Hall teaching line"

[historian]
path = "{folder / 'history.db'}"

[[connections]]
name = "feeder"
profile = "feeder"
host = "{at['feeder']['host']}"
port = {at['feeder']['port']}

[[connections]]
name = "conveyor"
profile = "conveyor"
host = "{at['conveyor']['host']}"
port = {at['conveyor']['port']}

[[connections]]
name = "fieldbus"
profile = "fieldbus"
serial = "{at['fieldbus']['serial']}"
baudrate = 19200
parity = "N"  # a pty keeps no parity bit

[[connections]]
name = "process"
profile = "process"
endpoint = "{at['process']['endpoint']}"

""" + GROUPS_AND_ALARMS, encoding="utf-8")
    return path
