"""RS-485 field devices: ambient sensor, vibration sensor and four energy meters."""

import math
import random
from collections.abc import Callable

from .points import Station, ro

MAINS_V = 220.0
VISION_KW = 0.15  # the vision/edge PC draws a steady load
POWER_FACTORS = {"feeder": 0.85, "conveyor": 0.8, "vision": 0.95, "process": 1.0}
METERS = tuple(POWER_FACTORS)
FIELD_DEVICES = ("ambient", "vibration", *(f"energy.{m}" for m in METERS))
VIBRATION_FLOOR_MM_S = 0.1  # the hall's background at the sensor
VIBRATION_PER_BELT_MM_S = 0.006  # velocity RMS per mm/s of belt speed, healthy bearings
WEAR_FACTOR = 3.0  # bearing_wear multiplies the running vibration
MOTOR_C_PER_A = 4.0  # surface temperature rise per ampere of motor current
WEAR_C_PER_BELT_MM_S = 0.03  # extra friction heat of a worn bearing
SURFACE_TAU_S = 120.0


class Ambient(Station):
    """Hall air: about 22 °C and 45 %RH with slow variation and a little noise."""

    POINTS = {"temperature": ro(float), "humidity": ro(float)}

    def __init__(self) -> None:
        self.temperature = 22.0
        self.humidity = 45.0

    def step(self, now: float, noise: tuple[float, float]) -> None:
        """Advance to `now` with two standard normal draws."""
        hourly = math.sin(2 * math.pi * now / 3600)
        self.temperature = 22.0 + 1.5 * hourly + (0 + noise[0] * 0.05)
        self.humidity = 45.0 - 3.0 * hourly + (0 + noise[1] * 0.2)


class Vibration(Station):
    """Velocity RMS and surface temperature of the conveyor motor; bearing wear raises both."""

    POINTS = {"velocity_rms": ro(float), "surface_temperature": ro(float)}

    def __init__(self) -> None:
        self.velocity_rms = VIBRATION_FLOOR_MM_S
        self.surface_temperature = 22.0
        self._dt = 0.0  # the last step's dt and the surface's approach to its target over it
        self._approach = 0.0

    def step(self, dt: float, noise: float, *, belt_mm_s: float, motor_a: float, ambient_c: float, worn: bool) -> None:
        """Advance dt seconds with one standard normal draw."""
        running = VIBRATION_PER_BELT_MM_S * belt_mm_s * (WEAR_FACTOR if worn else 1.0)
        self.velocity_rms = max(0.0, VIBRATION_FLOOR_MM_S + running + (0 + noise * 0.02))
        target = ambient_c + MOTOR_C_PER_A * motor_a + (WEAR_C_PER_BELT_MM_S * belt_mm_s if worn else 0.0)
        if dt != self._dt:
            self._dt, self._approach = dt, 1 - math.exp(-dt / SURFACE_TAU_S)
        self.surface_temperature += (target - self.surface_temperature) * self._approach


class EnergyMeter(Station):
    """Voltage, current, active power and the kWh register of one station's supply."""

    POINTS = {"voltage": ro(float), "current": ro(float), "power_kw": ro(float), "energy_kwh": ro(float)}

    def __init__(self, power_factor: float) -> None:
        self.power_factor = power_factor
        self.voltage = MAINS_V
        self.current = 0.0
        self.power_kw = 0.0
        self.energy_kwh = 0.0

    def step(self, dt: float, volts: float, kw: float) -> None:
        self.voltage = volts
        self.power_kw = kw
        self.current = kw * 1000 / (volts * self.power_factor)
        self.energy_kwh += kw * dt / 3600


class Field:
    """All field devices on the bus, stepped together."""

    def __init__(self, rng: random.Random) -> None:
        self._random = rng.random
        self.ambient = Ambient()
        self.vibration = Vibration()
        self.meters = {name: EnergyMeter(pf) for name, pf in POWER_FACTORS.items()}
        self._meters = tuple(self.meters[name] for name in ("feeder", "conveyor", "process", "vision"))

    def devices(self) -> dict[str, Station]:
        """The bus devices by device name."""
        return {
            "ambient": self.ambient,
            "vibration": self.vibration,
            **{f"energy.{name}": meter for name, meter in self.meters.items()},
        }

    def step(self, dt: float, now: float, *, feeder_kw: float, conveyor_kw: float, process_kw: float,
             belt_mm_s: float, motor_a: float, worn: bool) -> None:
        """Advance dt seconds with each station's draw (the vision PC's is steady)."""
        self.ambient.step(now, _normals(self._random))
        vibration_noise, mains_noise = _normals(self._random)
        self.vibration.step(
            dt, vibration_noise, belt_mm_s=belt_mm_s, motor_a=motor_a, ambient_c=self.ambient.temperature, worn=worn
        )
        volts = MAINS_V + 2.0 * math.sin(2 * math.pi * now / 600) + (0 + mains_noise * 0.3)
        feeder, conveyor, process, vision = self._meters
        feeder.step(dt, volts, feeder_kw)
        conveyor.step(dt, volts, conveyor_kw)
        process.step(dt, volts, process_kw)
        vision.step(dt, volts, VISION_KW)


def _normals(random: Callable[[], float]) -> tuple[float, float]:
    """Two standard normal draws: the numbers two calls of `random.Random.gauss` give (its Box-Muller pair),
    in one call (the field's four draws a tick were a fifth of a plant step)."""
    x2pi = random() * math.tau
    g2rad = math.sqrt(-2.0 * math.log(1.0 - random()))
    return math.cos(x2pi) * g2rad, math.sin(x2pi) * g2rad
