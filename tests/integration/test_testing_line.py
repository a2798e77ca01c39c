"""The plugin's line and agent in this process: a manual clock moves only when stepped, and closing leaves nothing.

The suite's leak fixture (tests/conftest.py) checks tasks, threads and sockets after the test; this
test also counts the pseudo-terminals the RTU bus opened.
"""

from __future__ import annotations

import os

import pytest

from smarthall.testing.edge import EdgeUnderTest
from smarthall.testing.line import LineSettings, LineUnderTest

pytestmark = pytest.mark.timeout(300)  # a line and an agent starting on a loaded machine


def open_ptys() -> list[str]:
    targets = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            targets.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return [t for t in targets if t == "/dev/ptmx" or t.startswith("/dev/pts/")]


def test_a_manual_clock_moves_the_plant_only_when_stepped_and_closing_leaves_no_pty(tmp_path):
    ptys = open_ptys()
    line = LineUnderTest.start(tmp_path, LineSettings(seed=3, clock="manual"))
    try:
        edge = EdgeUnderTest.start(line.portal, line.line_file, tmp_path / "history.db", line)
        try:
            edge.write("conveyor.motor_run", True)
            assert edge.read("conveyor.speed_actual") == 0  # the plant has not moved since the write
            edge.step(0.25)
            assert edge.snapshot()["conveyor.speed_actual"].value == 100  # 400 mm/s² for 0.25 s of plant time
            edge.step(1.0)
            assert edge.snapshot()["conveyor.speed_actual"].value == 200
        finally:
            edge.close()
    finally:
        line.close()
    assert open_ptys() == ptys
