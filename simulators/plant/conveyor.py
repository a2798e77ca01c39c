"""The conveyor: belt drive, part tracking, sensors, sorting, counters and faults."""

import math
from dataclasses import dataclass, replace
from enum import IntEnum

from .errors import WriteRejected
from .parts import METAL_COLORS, CameraView, Part, PartLog
from .points import Station, Value, ro, rw

BELT_MM = 800.0  # a part falls into the good bin when its centre reaches the end
PART_MM = 40.0
HALF_MM = PART_MM / 2
CAMERA_MM = 300.0
METAL_MM = 400.0
DIVERTER_MM = 600.0
EYES = {"pe_entry": 0.0, "pe_camera": CAMERA_MM, "pe_diverter": DIVERTER_MM, "pe_exit": BELT_MM}
LIGHTS = ("light_green", "light_yellow", "light_red")
ACCEL_MM_S2 = 400.0
IDLE_A = 0.8  # motor current running empty at standstill
A_PER_MM_S = 0.004
A_PER_PART = 0.15
OVERLOAD_A = 5.0  # extra current drawn under the motor_overload fault
TRIP_A = 5.0
TRIP_S = 1.0  # overload relay: current above TRIP_A this long
JAM_MM = 3 * PART_MM  # belt travel with one part on pe_diverter that means a jam
MOTOR_V = 220.0
MOTOR_PF = 0.8
STANDBY_KW = 0.03


class FaultCode(IntEnum):
    NONE = 0
    OVERLOAD = 1
    JAM = 2
    ESTOP = 3


class Verdict(IntEnum):
    NONE = 0
    PASS = 1
    FAIL = 2


# Module constants for the per-tick paths: reading a member off its enum costs ~0.3 us on Python 3.11.
NO_FAULT = FaultCode.NONE
PASSED = Verdict.PASS
NO_PARTS: frozenset[int] = frozenset()


@dataclass
class _Carried:
    """A part on the belt: where its centre is and whether it is stuck at the diverter."""

    part: Part
    pos: float
    stuck: bool = False


def _eye(at_mm: float) -> property:
    """A photo-eye at at_mm on the belt: 1 while a part covers it."""
    return property(lambda self: bool(self._covering(at_mm)))


class Conveyor(Station):
    """The belt and its PLC logic.

    Auto mode (auto_mode=1): when a part's centre reaches the diverter, the PLC
    fires a divert_pulse_ms pulse unless the part has a pass verdict, so fail
    and verdict-less (fail-safe, uninspected) parts go to the reject bin (so
    does any part meeting the arm while it is out: a long pulse costs good
    parts); the PLC drives the stack light and refuses light writes. Manual mode: the
    divert_reject coil holds the diverter out, and clients drive the lights.
    The PLC drops motor_run when the E-stop is pressed or a fault latches and
    ignores motor_run=1 until the E-stop is released and the fault is reset.
    fault_reset clears a latched fault only once its cause is gone (overload:
    the motor_overload fault cleared; jam: the stuck part removed). The PLC
    tracks parts, so a jam is the same part on pe_diverter for more than three
    part widths of belt travel; touching parts passing the eye are no jam.
    """

    POINTS = {
        "motor_run": rw(bool),
        "auto_mode": rw(bool),
        "divert_reject": rw(bool),
        "reset_counters": rw(bool),
        **{light: rw(bool) for light in LIGHTS},
        "fault_reset": rw(bool),
        **{eye: ro(bool) for eye in EYES},
        "metal_detect": ro(bool),
        "estop_ok": ro(bool),
        "motor_running": ro(bool),
        "fault": ro(bool),
        "speed_actual": ro(float),
        "part_at_camera": ro(int),
        "parts_in": ro(int),
        "parts_good": ro(int),
        "parts_rejected": ro(int),
        "parts_uninspected": ro(int),
        "motor_current": ro(float),
        "fault_code": ro(int),
        "run_seconds": ro(int),
        "speed_setpoint": rw(int, 0, 500),
        "verdict_part": rw(int, 0, 65535),
        "verdict": rw(int, 0, 2),
        "divert_pulse_ms": rw(int, 50, 2000),
    }

    def __init__(self) -> None:
        self.motor_run = False
        self.auto_mode = True
        self.divert_reject = False
        self.reset_counters = False
        self.light_green = self.light_yellow = self.light_red = False
        self.fault_reset = False
        self.speed_setpoint = 200
        self.verdict_part = 0
        self.verdict = 0
        self.divert_pulse_ms = 300
        self.speed_actual = 0.0
        self.motor_current = 0.0
        self._run_s = 0.0
        self.parts_in = self.parts_good = self.parts_rejected = self.parts_uninspected = 0
        self.log = PartLog()
        self._belt: list[_Carried] = []
        self._estop = False
        self._latched = FaultCode.NONE
        self._overload = False
        self._arm_s = 0.0  # time left in the auto-mode diverter pulse
        self._over_s = 0.0  # time above the trip current
        self._jam_ids = NO_PARTS  # the parts on pe_diverter
        self._jam_mm = 0.0  # belt travel while the same parts stayed on pe_diverter
        self._drive_lights()

    # -- points ---------------------------------------------------------------

    pe_entry = _eye(EYES["pe_entry"])
    pe_camera = _eye(EYES["pe_camera"])
    pe_diverter = _eye(EYES["pe_diverter"])
    pe_exit = _eye(EYES["pe_exit"])

    @property
    def estop_ok(self) -> bool:
        return not self._estop

    @property
    def motor_running(self) -> bool:
        return self.motor_run and not self._estop and self._latched is NO_FAULT

    @property
    def fault(self) -> bool:
        return self._latched is not NO_FAULT

    @property
    def fault_code(self) -> FaultCode:
        return FaultCode.ESTOP if self._estop else self._latched

    def entry_clear(self) -> bool:
        """No part on the entry eye: the feeder may push."""
        return not self._covering(EYES["pe_entry"])

    @property
    def metal_detect(self) -> bool:
        return any(c.part.color in METAL_COLORS for c in self._covering(METAL_MM))

    @property
    def part_at_camera(self) -> int:
        view = self.camera_view()
        return view.part.id if view else 0

    @property
    def run_seconds(self) -> int:
        return int(self._run_s + 1e-6)  # whole seconds, immune to float summing error

    @property
    def power_kw(self) -> float:
        return STANDBY_KW + MOTOR_V * self.motor_current * MOTOR_PF / 1000

    def write(self, point: str, value: Value) -> None:
        if point in LIGHTS and self.auto_mode:
            raise WriteRejected(f"conveyor.{point} is driven by the PLC in auto mode; set auto_mode to 0 first")
        if point == "motor_run" and value and (self._estop or self.fault):
            return  # the PLC ignores a start while the E-stop is pressed or a fault is latched
        super().write(point, value)
        if point == "verdict":
            self._apply_verdict()
        elif point == "auto_mode":
            self._drive_lights()

    def camera_view(self) -> CameraView | None:
        """The part nearest the camera axis among those in the camera field."""
        seen = self._covering(CAMERA_MM)
        if not seen:
            return None
        nearest = min(seen, key=lambda c: abs(c.pos - CAMERA_MM))
        return CameraView(nearest.part, nearest.pos - CAMERA_MM)

    # -- physics ----------------------------------------------------------------

    def accept(self, part: Part) -> None:
        """A part pushed onto the belt entry."""
        self._belt.append(_Carried(part, 0.0))
        self.log.put(part)
        self.parts_in += 1

    def step(self, dt: float, *, estop: bool, overload: bool, jam: bool) -> None:
        """One PLC scan and dt seconds of belt physics under the given plant faults."""
        self._estop = estop
        self._overload = overload
        self._scan()
        self._drive(dt)
        self._carry(dt, jam)
        self._drive_lights()

    def _scan(self) -> None:
        if self.reset_counters:
            self.parts_in = self.parts_good = self.parts_rejected = self.parts_uninspected = 0
            self.reset_counters = False
        if self.fault_reset:
            if not self._cause_present():
                self._latched = FaultCode.NONE
            self.fault_reset = False
        if self._estop or self.fault:
            self.motor_run = False

    def _cause_present(self) -> bool:
        if self._latched is FaultCode.OVERLOAD:
            return self._overload
        return any(c.stuck for c in self._belt)

    def _latch(self, code: FaultCode) -> None:
        self._latched = code
        self.motor_run = False

    def _drive(self, dt: float) -> None:
        running = self.motor_running
        most = ACCEL_MM_S2 * dt
        change = (self.speed_setpoint if running else 0.0) - self.speed_actual
        self.speed_actual += most if change > most else max(change, -most)
        if not running:
            self.motor_current = 0.0
            self._over_s = 0.0
            return
        self._run_s += dt
        load_a = A_PER_PART * len(self._belt) + (OVERLOAD_A if self._overload else 0.0)
        self.motor_current = IDLE_A + A_PER_MM_S * self.speed_actual + load_a
        self._over_s = self._over_s + dt if self.motor_current > TRIP_A else 0.0
        if self._over_s >= TRIP_S:
            self._latch(FaultCode.OVERLOAD)

    def _carry(self, dt: float, jam: bool) -> None:
        belt = self._belt
        if not belt:  # nothing to move, bin or watch on the diverter eye
            self._arm_s = max(0.0, self._arm_s - dt)
            self._jam_mm, self._jam_ids = 0.0, NO_PARTS
            return
        travel = self.speed_actual * dt
        auto = self.auto_mode
        limit = math.inf  # a part cannot move into the part ahead of it
        on_eye = []
        for c in tuple(belt):  # front first: parts enter at the back and never pass each other
            before = c.pos
            if not c.stuck:
                c.pos = max(before, min(before + travel, limit))
            limit = c.pos - PART_MM
            if c.stuck:
                if jam:
                    on_eye.append(c.part.id)  # held at the diverter
                else:
                    self._bin(c, "reject")  # the jam was cleared by hand
                continue
            if auto and before < DIVERTER_MM <= c.pos and c.part.verdict != PASSED:
                self._arm_s = self.divert_pulse_ms / 1000
            arm_out = self._arm_s > 0 if auto else self.divert_reject
            if arm_out and before - HALF_MM < DIVERTER_MM < c.pos + HALF_MM:
                if jam:
                    c.stuck, c.pos = True, DIVERTER_MM
                else:
                    self._bin(c, "reject")
                    continue
            elif c.pos >= BELT_MM:
                self._bin(c, "good")
                continue
            if abs(c.pos - DIVERTER_MM) < HALF_MM:
                on_eye.append(c.part.id)
        self._arm_s = max(0.0, self._arm_s - dt)
        at_eye = frozenset(on_eye) if on_eye and self.motor_running else NO_PARTS
        self._jam_mm = self._jam_mm + travel if at_eye and at_eye == self._jam_ids else 0.0
        self._jam_ids = at_eye
        if self._jam_mm > JAM_MM:
            self._latch(FaultCode.JAM)

    def _bin(self, c: _Carried, outcome: str) -> None:
        self._belt.remove(c)
        uninspected = outcome == "reject" and self.auto_mode and c.part.verdict == Verdict.NONE
        self._update(c, outcome=outcome, uninspected=uninspected)
        if outcome == "good":
            self.parts_good += 1
        else:
            self.parts_rejected += 1
            self.parts_uninspected += uninspected

    def _apply_verdict(self) -> None:
        """Give the verdict to its part if it is still before the diverter; ignore it otherwise."""
        if self.verdict == Verdict.NONE:
            return
        for c in self._belt:
            if c.part.id == self.verdict_part and c.pos < DIVERTER_MM:
                self._update(c, verdict=self.verdict)

    def _update(self, c: _Carried, **changes: object) -> None:
        c.part = replace(c.part, **changes)
        self.log.put(c.part)

    def _covering(self, at_mm: float) -> list[_Carried]:
        return [c for c in self._belt if abs(c.pos - at_mm) < HALF_MM]

    def _drive_lights(self) -> None:
        if not self.auto_mode:
            return
        self.light_red = self._estop or self.fault
        self.light_green = self.motor_running
        self.light_yellow = not (self.light_red or self.light_green)
