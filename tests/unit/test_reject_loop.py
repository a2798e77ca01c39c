"""The reject loop without a line: its poll (speed_actual read with part_at_camera in one request, polled each time
the belt has moved poll_mm, within the poll and idle rates) and its frames (a compressed one that does not decode is
passed over for the next)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from smarthall.devices.camera import CameraDriver, CameraSettings, Frame
from smarthall.devices.memory import MemoryDriver
from smarthall.devices.opencv import cv2
from smarthall.devices.profiles import load_profile
from smarthall.devices.quality import Reading
from smarthall.edge.inspection import load_recipe
from smarthall.edge.inspection import loop as loop_module
from smarthall.edge.inspection.loop import PASS, RejectLoop
from smarthall.simulators.camera import Optics, render
from smarthall.simulators.plant import CameraView, Part
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
    assert loop.pause([Reading.good(500), part]) == 0.01  # top speed: 5 mm every 10 ms
    assert loop.pause([Reading.bad("timeout"), Reading.bad("timeout")]) == 0.01  # unknown: as if at top speed


def test_a_moving_belt_is_polled_each_time_it_has_moved_poll_mm_within_the_poll_and_idle_rates():
    loop = loop_over(MemoryDriver())
    part = Reading.good(0)
    assert loop.pause([Reading.good(200), part]) == pytest.approx(0.025)  # 5 mm at 200 mm/s
    assert loop.pause([Reading.good(1000), part]) == 0.01  # never faster than poll_s
    assert loop.pause([Reading.good(1), part]) == 0.05  # creeping: never slower than idle_poll_s


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


class TwoFrames:
    """A camera whose next frames are a broken JPEG, then a good red part's."""

    def __init__(self, after: float) -> None:
        ok, jpeg = cv2.imencode(".jpg", render(CameraView(Part(id=7, color="red", defect=None, seed=5), 0.0), Optics(),
                                               rng=np.random.default_rng(0)))
        assert ok
        broken = np.frombuffer(b"\xff\xd8 broken", np.uint8).reshape(1, -1)
        self.frames = [Frame(broken, 1.0, after + 1, 1, compressed=True),
                       Frame(jpeg.reshape(1, -1), 2.0, after + 2, 2, compressed=True)]

    def status(self) -> Reading:
        return Reading.good(len(self.frames))

    async def frame_after(self, monotonic: float, timeout: float) -> Frame | None:
        return next((f for f in self.frames if f.monotonic > monotonic), None)


async def test_a_frame_that_does_not_decode_is_passed_over_for_the_next():
    driver = MemoryDriver()
    seen_at = time.monotonic()
    loop = RejectLoop(driver, CONVEYOR, TwoFrames(seen_at), load_recipe(), budget_s=30.0)
    decision = await loop.decide(7, seen_at)
    assert decision.written and decision.result.passed
    assert driver.log[-1].kind == "write_block" and driver.log[-1].values == (7, PASS)


async def test_a_frame_is_inspected_off_the_event_loop(monkeypatch):
    """Inspecting takes milliseconds of OpenCV: meanwhile the loop goes on (scans, a simulated line's tick)."""
    inspecting, release = threading.Event(), threading.Event()
    real_inspect = loop_module.inspect

    def slow_inspect(image, recipe):
        inspecting.set()
        release.wait(30)
        return real_inspect(image, recipe)

    monkeypatch.setattr(loop_module, "inspect", slow_inspect)
    seen_at = time.monotonic()
    loop = RejectLoop(MemoryDriver(), CONVEYOR, TwoFrames(seen_at), load_recipe(), budget_s=30.0)
    deciding = asyncio.create_task(loop.decide(7, seen_at))
    try:
        await until(inspecting.is_set, timeout=30)  # polled on this loop: it runs while the inspection waits
        assert not deciding.done()
    finally:
        release.set()
    assert (await deciding).written
