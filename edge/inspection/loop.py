"""The reject loop: part_at_camera changes -> grab a frame -> inspect -> verdict in one FC16 request.

`RejectLoop` polls the conveyor's ``part_at_camera`` on its own connection,
far faster than a scan group: each time the belt has moved ``poll_mm`` by
``speed_actual`` (read in the same request), at most every ``poll_s`` and at
least every ``idle_poll_s`` (a standing belt brings no part), and every
``poll_s`` while the speed is unknown. It takes the first camera frame
grabbed after the change was seen, inspects it and writes ``verdict_part``
and ``verdict`` together (LINE.md). Decoding and inspecting a frame and
archiving its image run in a worker thread, off the event loop that scans
(and, beside a simulated line, steps it). A frame showing no part (grabbed as the part
entered) is retried with the next frame while the time budget lasts. When
there is no frame in time (camera lost) nothing is written: the PLC rejects
the part fail-safe and counts it uninspected. Each result and every change
of the camera's state is published as ``vision.*`` tag values (see
`edge.inspection.tags`) and rejected images go to the archive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from smarthall.devices.camera import CameraDriver, Frame, UnreadableFrame
from smarthall.devices.errors import DriverError
from smarthall.devices.profiles import Device
from smarthall.devices.quality import Quality, Reading

from ..tags import TagValue
from .archive import ImageArchive
from .pipeline import Result, inspect
from .recipe import Recipe
from .tags import vision_value

_log = logging.getLogger(__name__)
PASS, FAIL = 1, 2
STARTING = ("not started", "connecting")  # the camera driver's reasons before its first frame or failure


@dataclass(frozen=True)
class Decision:
    """What the loop did for one part: its result (None: no frame) and how long it took from the change seen."""

    part_id: int
    result: Result | None
    written: bool
    latency_s: float
    reason: str = ""


@dataclass
class LoopStats:
    parts: int = 0
    passed: int = 0
    failed: int = 0
    no_frame: int = 0
    write_errors: int = 0
    latencies_s: deque = field(default_factory=lambda: deque(maxlen=10000))


class RejectLoop:
    def __init__(self, conveyor, device: Device, camera: CameraDriver, recipe: Recipe, *,
                 poll_s: float = 0.01, idle_poll_s: float = 0.05, poll_mm: float = 5.0, budget_s: float = 0.25,
                 publish: Callable[[TagValue], None] | None = None,
                 archive: ImageArchive | None = None) -> None:
        self.conveyor = conveyor  # a ModbusDriver (read, write_block)
        self.device = device
        self.camera = camera
        self.recipe = recipe
        self.poll_s = poll_s
        self.idle_poll_s = idle_poll_s
        self.poll_mm = poll_mm
        self.budget_s = budget_s
        self.publish = publish or (lambda value: None)
        self.archive = archive
        self.stats = LoopStats()
        speed = [device.point("speed_actual")] if any(p.name == "speed_actual" for p in device.points) else []
        self._watched = (*speed, device.point("part_at_camera"))  # one tuple: the driver keeps its read plan
        self._verdict_part = device.point("verdict_part")
        self._verdict = device.point("verdict")
        self._camera_state: tuple | None = None

    async def run(self) -> None:
        """Poll and decide until cancelled; a lost PLC or camera is waited out, never raised."""
        self._publish_all(self._counters(), time.time())  # the counters count from this run's start
        last = 0
        while True:
            seen_at = time.monotonic()
            readings = await self.conveyor.read(self.device, self._watched)
            reading = readings[-1]
            self._note_camera()
            if reading.quality is Quality.GOOD:
                part_id = int(reading.value)
                if part_id and part_id != last:
                    await self.decide(part_id, seen_at)
                last = part_id
            await asyncio.sleep(max(0.0, self.pause(readings) - (time.monotonic() - seen_at)))

    def pause(self, readings: list[Reading]) -> float:
        """How long after this poll the next one is due: the time the belt takes to move poll_mm at the speed read
        GOOD in this poll, within poll_s..idle_poll_s (a standing belt: idle_poll_s), else poll_s. A part takes 40 mm
        to cross the camera field, so it is seen within its first poll_mm of it at any speed (at the 500 mm/s top
        speed and 5 mm: every 10 ms; at 200 mm/s: 25 ms); the belt speeds up by a few mm/s within one pause (the
        simulator's 400 mm/s² ramp: 10 mm/s in 25 ms)."""
        if len(readings) == 2 and readings[0].quality is Quality.GOOD:
            speed = float(readings[0].value)
            if speed <= 0:
                return self.idle_poll_s
            return min(self.idle_poll_s, max(self.poll_s, self.poll_mm / speed))
        return self.poll_s

    async def decide(self, part_id: int, seen_at: float) -> Decision:
        deadline = seen_at + self.budget_s
        result = inspected = None  # the last result and the frame it came from
        after = seen_at
        camera_ok = self.camera.status().quality is Quality.GOOD  # a lost camera: no waiting, the PLC rejects
        while camera_ok and (left := deadline - time.monotonic()) > 0:
            frame = await self.camera.frame_after(after, timeout=left)
            if frame is None:
                break
            after = frame.monotonic
            try:
                result, inspected = await asyncio.to_thread(_inspect, frame, self.recipe), frame
            except UnreadableFrame as exc:  # a broken JPEG: the next frame, while the budget lasts
                _log.warning("part %d: %s", part_id, exc)
                continue
            if "no_part" not in result.defects:
                break
        if result is None:
            decision = Decision(part_id, None, False, time.monotonic() - seen_at, "no frame: PLC rejects fail-safe")
            self.stats.no_frame += 1
        else:
            try:
                await self.conveyor.write_block(self.device, [(self._verdict_part, part_id),
                                                              (self._verdict, PASS if result.passed else FAIL)])
                decision = Decision(part_id, result, True, time.monotonic() - seen_at)
            except DriverError as exc:
                self.stats.write_errors += 1
                decision = Decision(part_id, result, False, time.monotonic() - seen_at, f"write failed: {exc}")
        self._account(decision)
        if inspected is not None and self.archive is not None:
            try:
                await asyncio.to_thread(self.archive.keep, part_id, inspected.image, result, inspected.timestamp)
            except OSError as exc:
                _log.warning("image archive: %s", exc)
        return decision

    def _account(self, d: Decision) -> None:
        s = self.stats
        s.parts += 1
        if d.written:
            s.latencies_s.append(d.latency_s)
            if d.result.passed:
                s.passed += 1
            else:
                s.failed += 1
        else:
            _log.warning("part %d: %s", d.part_id, d.reason)
        now = time.time()
        self.publish(vision_value("last_verdict", "none" if d.result is None else d.result.verdict, now, d.reason))
        values = [("last_part", d.part_id), ("last_defects", "" if d.result is None else ",".join(d.result.defects)),
                  ("latency_ms", round(d.latency_s * 1000, 3))]
        if d.result is not None:
            values.append(("diameter_mm", round(d.result.measurements.diameter_mm, 3)))
        self._publish_all(values + self._counters(), now)

    def _counters(self) -> list[tuple[str, int]]:
        s = self.stats
        return [("inspected", s.passed + s.failed), ("passed", s.passed), ("failed", s.failed),
                ("no_frame", s.no_frame)]

    def _publish_all(self, values: list[tuple[str, object]], timestamp: float) -> None:
        for point, value in values:
            self.publish(vision_value(point, value, timestamp))

    def _note_camera(self) -> None:
        """Publish vision.camera_ok when the camera's state changes: unknown (BAD) while it first connects."""
        status = self.camera.status()
        key = (status.quality, status.reason)
        if key == self._camera_state:
            return
        self._camera_state = key
        if status.reason in STARTING:
            self.publish(vision_value("camera_ok", None, time.time(), status.reason, Quality.BAD))
            return
        if status.quality is not Quality.GOOD:
            _log.warning("camera: %s", status.reason)
        self.publish(vision_value("camera_ok", status.quality is Quality.GOOD, time.time(), status.reason))


def _inspect(frame: Frame, recipe: Recipe) -> Result:
    """Decode (a compressed frame) and inspect: 3-4 ms of OpenCV, which releases the GIL (run in a worker thread)."""
    return inspect(frame.image, recipe)
