"""A deterministic clock: the plant moves only when the test steps it, so each run sees the same thing."""

import pytest

pytestmark = pytest.mark.smarthall(clock="manual")


def test_the_belt_reaches_its_speed_only_when_the_plant_is_stepped(smarthall_edge):
    smarthall_edge.write("conveyor.motor_run", True)
    smarthall_edge.step(0.1)
    before = smarthall_edge.read("conveyor.speed_actual")
    smarthall_edge.step(3.0)
    assert smarthall_edge.read("conveyor.speed_actual") == 200 > before
