"""RS-485 field devices: ambient sensor, vibration sensor and four energy meters."""

import math
import random

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

    def step(self, now: float, rng: random.Random) -> None:
        hourly = math.sin(2 * math.pi * now / 3600)
        self.temperature = 22.0 + 1.5 * hourly + rng.gauss(0, 0.05)
        self.humidity = 45.0 - 3.0 * hourly + rng.gauss(0, 0.2)


class Vibration(Station):
    """Velocity RMS and surface temperature of the conveyor motor; bearing wear raises both."""

    POINTS = {"velocity_rms": ro(float), "surface_temperature": ro(float)}

    def __init__(self) -> None:
        self.velocity_rms = VIBRATION_FLOOR_MM_S
        self.surface_temperature = 22.0

    def step(
        self, dt: float, rng: random.Random, *, belt_mm_s: float, motor_a: float, ambient_c: float, worn: bool
    ) -> None:
        running = VIBRATION_PER_BELT_MM_S * belt_mm_s * (WEAR_FACTOR if worn else 1.0)
        self.velocity_rms = max(0.0, VIBRATION_FLOOR_MM_S + running + rng.gauss(0, 0.02))
        target = ambient_c + MOTOR_C_PER_A * motor_a + (WEAR_C_PER_BELT_MM_S * belt_mm_s if worn else 0.0)
        self.surface_temperature += (target - self.surface_temperature) * (1 - math.exp(-dt / SURFACE_TAU_S))


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
        self._rng = rng
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
        self.ambient.step(now, self._rng)
        self.vibration.step(
            dt, self._rng, belt_mm_s=belt_mm_s, motor_a=motor_a, ambient_c=self.ambient.temperature, worn=worn
        )
        volts = MAINS_V + 2.0 * math.sin(2 * math.pi * now / 600) + self._rng.gauss(0, 0.3)
        feeder, conveyor, process, vision = self._meters
        feeder.step(dt, volts, feeder_kw)
        conveyor.step(dt, volts, conveyor_kw)
        process.step(dt, volts, process_kw)
        vision.step(dt, volts, VISION_KW)
