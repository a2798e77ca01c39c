"""The reject loop's poll: speed_actual read with part_at_camera in one request, polled slower only while the belt stands."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

from smarthall.devices.camera import CameraDriver, CameraSettings
from smarthall.devices.memory import MemoryDriver
from smarthall.devices.profiles import load_profile
from smarthall.devices.quality import Reading
from smarthall.edge.inspection import load_recipe
from smarthall.edge.inspection.loop import RejectLoop
from tests.waiting import until

CONVEYOR = load_profile("conveyor").device("conveyor")


def loop_over(driver, device=CONVEYOR) -> RejectLoop:
    camera = CameraDriver(CameraSettings("http://127.0.0.1:9/never-started"))  # not started: no frames
    return RejectLoop(driver, device, camera, load_recipe(), poll_s=0.01, idle_poll_s=0.05)


def test_a_standing_belt_is_polled_at_the_idle_rate_and_a_moving_or_unknown_one_at_the_poll_rate():
    loop = loop_over(MemoryDriver())
    part = Reading.good(0)
    assert loop.pause([Reading.good(0), part]) == 0.05
    assert loop.pause([Reading.good(0.0), part]) == 0.05
    assert loop.pause([Reading.good(1), part]) == 0.01  # creeping: a part may come
    assert loop.pause([Reading.good(200), part]) == 0.01
    assert loop.pause([Reading.bad("timeout"), Reading.bad("timeout")]) == 0.01  # unknown: as if moving


def test_without_a_speed_point_the_belt_is_always_polled_at_the_poll_rate():
    device = replace(CONVEYOR, points=tuple(p for p in CONVEYOR.points if p.name != "speed_actual"))
    loop = loop_over(MemoryDriver(), device)
    assert [p.name for p in loop._watched] == ["part_at_camera"]
    assert loop.pause([Reading.good(0)]) == 0.01  # part_at_camera 0 is no standing belt


async def test_speed_and_part_at_camera_are_read_in_one_request():
    driver = MemoryDriver({"conveyor.speed_actual": 0, "conveyor.part_at_camera": 0})
    loop = loop_over(driver)
    task = asyncio.create_task(loop.run())
    try:
        await until(lambda: sum(op.kind == "read" for op in driver.log) >= 2, timeout=30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    reads = [op for op in driver.log if op.kind == "read"]
    assert all([p.name for p in op.points] == ["speed_actual", "part_at_camera"] for op in reads)
