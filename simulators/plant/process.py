"""The heat-treatment station: heater model, PID control and the batch state machine."""

import math
from enum import IntEnum

from .errors import WriteRejected
from .pid import DeadTime, Pid
from .points import Station, Value, ro, rw

AMBIENT_C = 22.0
GAIN_C_PER_PCT = 2.4  # steady-state rise above ambient per % output: 262 °C at 100 %
TAU_S = 60.0
DEAD_S = 3.0
HEATER_KW = 2.0
STANDBY_KW = 0.05
SOAK_BAND_C = 2.0
COOLED_C = 60.0
OVER_TEMPERATURE_C = 260.0
SETPOINT_RANGE = (20.0, 250.0)
MAX_SOAK_S = 86400


class Batch(IntEnum):
    IDLE = 0
    HEATING = 1
    SOAKING = 2
    COOLING = 3
    DONE = 4
    ABORTED = 5


BUSY = (Batch.HEATING, Batch.SOAKING, Batch.COOLING)
# The states as module constants for the per-tick paths: reading a member off its enum costs ~0.3 us on Python 3.11.
HEATING, SOAKING, COOLING, DONE = Batch.HEATING, Batch.SOAKING, Batch.COOLING, Batch.DONE
CONTROLLED = (HEATING, SOAKING)  # the PID drives the heater


class Process(Station):
    """An oven with a first-order-plus-dead-time response to its 2 kW heater.

    Mode 1 (auto): the PID drives the heater while a batch heats or soaks, and
    keeps it off otherwise. Mode 0 (manual): heater_output is the operator's,
    and writing it in auto mode is refused. A batch heats to its setpoint,
    soaks for soak_s once within ±2 °C, then cools with the heater held off
    until below 60 °C, and is done. With a broken thermocouple the PID switches
    the heater off (burnout protection).
    """

    POINTS = {
        "temperature": ro(float),
        "setpoint": rw(float, *SETPOINT_RANGE),
        "heater_output": rw(float, 0, 100),
        "mode": rw(int, 0, 1),
        "kp": rw(float, 0, 1000),
        "ki": rw(float, 0, 1000),
        "kd": rw(float, 0, 1000),
        "batch_state": ro(int),
        "batch_count": ro(int),
    }

    def __init__(self) -> None:
        self.temperature = AMBIENT_C
        self.setpoint = 25.0
        self.heater_output = 0.0
        self.mode = 1
        self.kp, self.ki, self.kd = 3.0, 0.1, 0.0
        self.batch_state = Batch.IDLE
        self.batch_count = 0
        self.heater_kw = 0.0
        self._soak_s = 0
        self._soaked_s = 0.0
        self._pid = Pid()
        self._pid_on = False
        self._delay = DeadTime(DEAD_S)

    @property
    def power_kw(self) -> float:
        return STANDBY_KW + self.heater_kw

    @property
    def over_temperature(self) -> bool:
        return self.temperature > OVER_TEMPERATURE_C

    def write(self, point: str, value: Value) -> None:
        if point == "heater_output" and self.mode == 1:
            raise WriteRejected("process.heater_output is writable only in manual mode (mode 0)")
        if point == "heater_output" and self.batch_state is Batch.COOLING:
            raise WriteRejected("process.heater_output is held at 0 while the batch cools")
        super().write(point, value)

    def start_batch(self, setpoint: float, soak_s: int) -> None:
        """Heat to setpoint, soak for soak_s, cool down."""
        if self.batch_state in BUSY:
            raise WriteRejected(f"a batch is running ({self.batch_state.name.lower()}); abort it first")
        lo, hi = SETPOINT_RANGE
        if not lo <= setpoint <= hi:
            raise WriteRejected(f"batch setpoint must be in {lo:g}..{hi:g}, got {setpoint!r}")
        if not 0 <= soak_s <= MAX_SOAK_S:
            raise WriteRejected(f"soak_s must be in 0..{MAX_SOAK_S}, got {soak_s!r}")
        self.setpoint = float(setpoint)
        self._soak_s = soak_s
        self._soaked_s = 0.0
        self.batch_state = Batch.HEATING

    def abort_batch(self) -> None:
        """Stop a running batch and switch the heater off; does nothing between batches."""
        if self.batch_state in BUSY:
            self.batch_state = Batch.ABORTED
            self.heater_output = 0.0

    def step(self, dt: float, *, heater_ok: bool, sensor_ok: bool) -> None:
        """Advance dt seconds: batch logic, heater command, oven temperature."""
        self._advance_batch(dt)
        self.heater_output = self._command(dt, sensor_ok)
        fraction = self.heater_output / 100 if heater_ok else 0.0
        self.heater_kw = HEATER_KW * fraction
        delayed = self._delay.push(100 * fraction, dt)
        target = AMBIENT_C + GAIN_C_PER_PCT * delayed
        self.temperature += (target - self.temperature) * (1 - math.exp(-dt / TAU_S))

    def _advance_batch(self, dt: float) -> None:
        state = self.batch_state
        if state is HEATING and abs(self.temperature - self.setpoint) <= SOAK_BAND_C:
            self.batch_state = SOAKING
        elif state is SOAKING:
            self._soaked_s += dt
            if self._soaked_s >= self._soak_s:
                self.batch_state = COOLING
        elif state is COOLING and self.temperature < COOLED_C:
            self.batch_state = DONE
            self.batch_count += 1

    def _command(self, dt: float, sensor_ok: bool) -> float:
        pid_on = self.mode == 1 and self.batch_state in CONTROLLED and sensor_ok
        if pid_on and not self._pid_on:
            self._pid.start(self.heater_output, self.setpoint, self.temperature, self.kp)
        self._pid_on = pid_on
        if pid_on:
            return self._pid.update(self.setpoint, self.temperature, dt, self.kp, self.ki, self.kd)
        if self.mode == 1 or self.batch_state is COOLING:
            return 0.0
        return self.heater_output
