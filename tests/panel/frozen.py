"""A line that never changes, served by a real agent's client API: what the panel's snapshot tests look at.

`frozen_service(folder)` runs, in a thread with its own event loop, an `EdgeAgent` on lines/sim.toml whose
drivers read fixed values with fixed timestamps (not scanning), with a history of the trend tags over the
last minutes, and a `Service` on it with the simulated line's users. It yields the service's socket; the
panel (in the test's event loop) connects to it as any client does. Nothing shown depends on a clock, a
port or a path: the panel's clock is `NOW`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from pathlib import Path

from smarthall.devices.profiles import DataType
from smarthall.devices.quality import Quality, Reading
from smarthall.edge.agent import EdgeAgent
from smarthall.edge.config import DEFAULT_LINE, load_line
from smarthall.edge.inspection.tags import vision_value
from smarthall.edge.scan import to_tag_value
from smarthall.edge.service import Service
from smarthall.edge.tags import TagValue

T0 = 1_700_000_000.0  # every value's timestamp
NOW = T0 + 2.5  # the panel's clock
VALUES = {
    "conveyor.motor_run": True, "conveyor.auto_mode": True, "conveyor.motor_running": True, "conveyor.estop_ok": True,
    "conveyor.light_green": True, "conveyor.pe_camera": True, "conveyor.speed_actual": 198,
    "conveyor.part_at_camera": 14, "conveyor.parts_in": 15, "conveyor.parts_good": 11, "conveyor.parts_rejected": 2,
    "conveyor.parts_uninspected": 1, "conveyor.motor_current": 1.25, "conveyor.run_seconds": 754,
    "conveyor.speed_setpoint": 200, "conveyor.divert_pulse_ms": 300,
    "feeder.magazine_count": 0, "feeder.magazine_empty": True, "feeder.parts_dispensed": 50,
    "feeder.last_part_id": 50, "feeder.last_part_color": 3, "feeder.pusher_retracted": True,
    "feeder.feed_interval_ms": 2000,
    "process.temperature": 183.4, "process.setpoint": 180.0, "process.heater_output": 42.5, "process.mode": 1,
    "process.kp": 8.0, "process.ki": 0.2, "process.kd": 1.0, "process.batch_state": 2, "process.batch_count": 3,
}
VISION = {"camera_ok": True, "last_part": 14, "last_verdict": "fail", "last_defects": "scratch",
          "latency_ms": 38.2, "diameter_mm": 39.91, "inspected": 14, "passed": 12, "failed": 2, "no_frame": 0}


def history(tag: str) -> list[tuple[float, float]]:
    """The trend tags' past: a warm-up of the furnace, the belt starting, the camera's latency and diameter."""
    steps = range(-290, 1, 10)
    shapes = {
        "process.temperature": lambda s: min(183.4, 25 + (s + 300) * 0.8),
        "process.setpoint": lambda s: 180.0,
        "process.heater_output": lambda s: 100.0 if s < -100 else 42.5,
        "conveyor.speed_actual": lambda s: 0 if s < -200 else 198,
        "conveyor.motor_current": lambda s: 0.0 if s < -200 else 1.25,
        "feeder.magazine_count": lambda s: max(0, 50 + s // 6 + 48),
        "vision.latency_ms": lambda s: 38.2 + (s % 30) / 10,
        "vision.diameter_mm": lambda s: 39.91 + (s % 20) / 100,
    }
    return [(T0 + s, shapes[tag](s)) for s in steps] if tag in shapes else []


def _text(ko: str, en: str) -> dict:
    return {"ko": ko, "en": en}


STEP = {  # team1's step: a choice quiz, a hint revealed (edge.service.LessonHost's TeamStep)
    "team": "team1", "trainees": ["kim", "lee"], "lesson": "modbus-tcp",
    "lesson_title": _text("Modbus TCP 기초", "Modbus TCP basics"), "step": 2, "steps": 6,
    "title": _text("코일과 레지스터", "Coils and registers"),
    "instruction": _text("벨트 속도 설정값은 어떤 종류의 데이터에 있습니까?", "Which kind of data holds the belt speed setpoint?"),
    "kind": "choice", "choices": [_text("코일", "coil"), _text("홀딩 레지스터", "holding register"),
                                  _text("입력 레지스터", "input register")],
    "status": "waiting", "detail": _text("답을 기다리는 중", "waiting for an answer"),
    "hint": _text("쓸 수 있는 16비트 값입니다", "it is a 16-bit value you can write"),
    "since": T0 - 95, "wrong_answers": 1, "hints_taken": 1,
}


class FrozenLessons:
    """A lesson host (edge.service.LessonHost) with team1 on STEP; answers are kept in `answers`, 2 is right."""

    def __init__(self) -> None:
        self.answers: list[tuple[str | None, object, str]] = []
        self.step = dict(STEP)
        self._listeners: list[asyncio.Queue] = []

    def steps(self) -> list[dict]:
        return [self.step]

    async def changes(self):
        queue: asyncio.Queue = asyncio.Queue()
        self._listeners.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._listeners.remove(queue)

    async def answer(self, team: str | None, value: object, user: str) -> dict:
        self.answers.append((team, value, user))
        right = value == 2
        self.step = {**self.step, "status": "passed" if right else "waiting",
                     "wrong_answers": self.step["wrong_answers"] + (not right)}
        for queue in self._listeners:
            queue.put_nowait(self.step)
        return {"right": right, "status": self.step}


def _default(kind: DataType):
    return {DataType.BOOL: False, DataType.FLOAT32: 0.0, DataType.FLOAT64: 0.0, DataType.STRING: ""}.get(kind, 0)


class FrozenDriver:
    """Every point reads its value in VALUES (else its type's zero) at T0; writes change nothing."""

    async def connect(self) -> None:
        pass

    async def read(self, device, points: Sequence) -> list[Reading]:
        return [Reading(VALUES.get(f"{device.name}.{p.name}", _default(p.type)), Quality.GOOD, T0) for p in points]

    async def write(self, device, point, value) -> None:
        pass

    async def call(self, device, method_name: str, *args):
        return None

    async def subscribe(self, device, points, callback, interval_ms: float = 100) -> None:
        """Never called: the frozen agent does not scan."""

    async def close(self) -> None:
        pass


async def _serve(folder: Path, ready: threading.Event, served: list) -> None:
    """Serve the frozen line until told to stop; served gets the socket, this loop, the stop event and the lessons."""
    stop = asyncio.Event()
    config = load_line(DEFAULT_LINE, {"historian": {"path": str(folder / "frozen.db")}})
    agent = EdgeAgent(config, drivers=lambda connection: FrozenDriver())
    await agent.start(scan=False)
    try:
        for name, tag in config.tags.items():
            for at, value in history(name):
                agent._publish(TagValue(name, value, Quality.GOOD, at, "", tag.unit))
        driver = FrozenDriver()
        for tag in config.tags.values():
            if not tag.derived:
                [reading] = await driver.read(tag.device, [tag.point])
                agent._publish(to_tag_value(tag, reading))
        for point, value in VISION.items():
            agent._publish(vision_value(point, value, T0))
        lessons = FrozenLessons()
        async with Service(agent, config.users, lessons=lessons) as service:
            served.extend((service.socket, asyncio.get_running_loop(), stop, lessons))
            ready.set()
            await stop.wait()
    finally:
        await agent.close()


@contextlib.contextmanager
def frozen_service(folder: Path):
    """The frozen line's client API, served from a thread until the block ends; yields its socket and lessons."""
    ready, served = threading.Event(), []
    thread = threading.Thread(target=asyncio.run, args=(_serve(folder, ready, served),), name="frozen agent")
    thread.start()
    try:
        if not ready.wait(30):
            raise TimeoutError("the frozen agent did not start in 30 s")
        yield served[0], served[3]
    finally:
        if served:
            loop, stop = served[1], served[2]
            loop.call_soon_threadsafe(stop.set)
        thread.join(30)
