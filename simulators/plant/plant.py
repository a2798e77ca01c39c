"""The Plant facade: one clock stepping every station, point access by profile names, sim control."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .conveyor import Conveyor
from .errors import SensorFailure, WriteRejected
from .faults import Fault, FaultBoard
from .feeder import Feeder
from .field import Field
from .parts import CameraView, Magazine, Part
from .points import Station, Value
from .process import Process
from .rng import stream

MAX_SUBSTEP_S = 0.05  # step() splits longer steps so fast parts cannot skip a sensor
MAX_MAGAZINE = 1000
PHYSICAL_FAULTS = (("conveyor", "estop"), ("conveyor", "motor_overload"), ("conveyor", "diverter_jam"),
                   ("process", "heater_failure"), ("process", "thermocouple_open"), ("vibration", "bearing_wear"))
NO_PHYSICAL_FAULTS = (False,) * len(PHYSICAL_FAULTS)  # estop, overload, jam, heater failed, sensor open, worn


@dataclass(frozen=True)
class PlantConfig:
    """What a plant starts with; the same config always gives the same run."""

    seed: int = 1
    defect_rate: float = 0.1
    magazine_size: int = 50
    tick: float = 0.01

    def __post_init__(self) -> None:
        if not 0 <= self.defect_rate <= 1:
            raise ValueError(f"defect_rate must be in 0..1, got {self.defect_rate!r}")
        if not 0 <= self.magazine_size <= MAX_MAGAZINE:
            raise ValueError(f"magazine_size must be in 0..{MAX_MAGAZINE}, got {self.magazine_size!r}")
        if not self.tick > 0:
            raise ValueError(f"tick must be > 0 s, got {self.tick!r}")


class Plant:
    """The whole simulated line, advanced only by step(); no I/O, no sleeping."""

    def __init__(self, config: PlantConfig = PlantConfig()) -> None:
        self.config = config
        self.reset()

    def reset(self) -> None:
        """Back to the initial state of the same seed, faults cleared."""
        seed = self.config.seed
        self._now = 0.0
        magazine = Magazine(stream(seed, "magazine"))
        magazine.load(self.config.magazine_size, self.config.defect_rate)
        self._feeder = Feeder(magazine)
        self._conveyor = Conveyor()
        self._process = Process()
        self._field = Field(stream(seed, "field"))
        self._devices: dict[str, Station] = {
            "feeder": self._feeder,
            "conveyor": self._conveyor,
            "process": self._process,
            **self._field.devices(),
        }
        sensors = {
            f"{device}.{point}": spec.type
            for device, station in self._devices.items()
            for point, spec in station.POINTS.items()
            if not spec.writable
        }
        self._faults = FaultBoard(sensors, stream(seed, "faults"))
        self._acting = NO_PHYSICAL_FAULTS  # the plant faults the physics feels, kept as faults come and go

    # -- clock ----------------------------------------------------------------

    @property
    def now(self) -> float:
        return self._now

    def step(self, dt: float | None = None) -> None:
        """Advance all physics by dt plant seconds (default: config.tick)."""
        dt = self.config.tick if dt is None else dt
        if 0 < dt <= MAX_SUBSTEP_S:  # the usual tick: one substep
            self._advance(dt)
            return
        if not (math.isfinite(dt) and dt > 0):
            raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
        substeps = math.ceil(dt / MAX_SUBSTEP_S)
        for _ in range(substeps):
            self._advance(dt / substeps)

    def run_for(self, seconds: float) -> None:
        """Step by config.tick until `seconds` have passed."""
        ticks = int(seconds / self.config.tick + 1e-9)
        for _ in range(ticks):
            self.step()
        rest = seconds - ticks * self.config.tick
        if rest > 1e-9:
            self.step(rest)

    def _advance(self, dt: float) -> None:
        self._now += dt
        conveyor, process = self._conveyor, self._process
        part = self._feeder.step(dt, belt_running=conveyor.motor_running, entry_clear=conveyor.entry_clear)
        if part:
            conveyor.accept(part)
        estop, overload, jam, heater_failed, sensor_open, worn = self._acting
        conveyor.step(dt, estop=estop, overload=overload, jam=jam)
        process.step(dt, heater_ok=not heater_failed, sensor_ok=not sensor_open)
        self._field.step(
            dt,
            self._now,
            feeder_kw=self._feeder.power_kw,
            conveyor_kw=conveyor.power_kw,
            process_kw=process.power_kw,
            belt_mm_s=conveyor.speed_actual,
            motor_a=conveyor.motor_current,
            worn=worn,
        )

    def _faults_changed(self) -> None:
        """Which plant faults act on the physics now (in PHYSICAL_FAULTS' order)."""
        find = self._faults.find
        self._acting = tuple(find(target, kind) is not None for target, kind in PHYSICAL_FAULTS)

    # -- points ---------------------------------------------------------------

    def read(self, device: str, point: str) -> Value:
        """A point's value in engineering units, as its sensor reports it."""
        value = self._raw(device, point)
        if (device, point) == ("process", "temperature") and self._faults.find("process", "thermocouple_open"):
            raise SensorFailure("process.temperature: thermocouple open")
        return self._faults.distort(f"{device}.{point}", value, self._now)

    def read_many(self, device: str, points: Sequence[str]) -> list[Value]:
        """`read` of each point of one device, in order: a server's register range in one call."""
        station = self._devices.get(device)
        if station is not None and not self._faults:
            try:
                return station.read_many(points)
            except KeyError:
                pass  # read names the unknown point
        return [self.read(device, point) for point in points]

    def write(self, device: str, point: str, value: Value) -> None:
        """Apply a client's write as the PLC does; WriteRejected says why it refused."""
        station = self._station(device, point)
        station.write(point, station.POINTS[point].coerce(f"{device}.{point}", value))

    def _station(self, device: str, point: str) -> Station:
        station = self._devices.get(device)
        if station is None or point not in station.POINTS:
            raise KeyError(f"unknown point {device}.{point}")
        return station

    def _raw(self, device: str, point: str) -> Value:
        return self._station(device, point).read(point)

    # -- process station methods -------------------------------------------------

    def start_batch(self, setpoint: float, soak_s: int) -> None:
        self._process.start_batch(setpoint, soak_s)

    def abort_batch(self) -> None:
        self._process.abort_batch()

    @property
    def over_temperature(self) -> bool:
        return self._process.over_temperature

    # -- sim control ---------------------------------------------------------------

    def inject_fault(self, target: str, kind: str, params: dict | None = None) -> Fault:
        """Inject (or replace) a fault; FaultError names what was wrong and what was expected."""
        fault = self._faults.inject(target, kind, params, self._now, lambda t: self._raw(*t.rsplit(".", 1)))
        self._faults_changed()
        return fault

    def clear_faults(self) -> None:
        self._faults.clear_all()
        self._faults_changed()

    def clear_fault(self, fault_id: int) -> None:
        self._faults.clear(fault_id)
        self._faults_changed()

    @property
    def active_faults(self) -> tuple[Fault, ...]:
        return self._faults.active

    def fault(self, target: str, kind: str) -> Fault | None:
        return self._faults.find(target, kind)

    def load_magazine(self, count: int, defect_rate: float) -> None:
        """Refill the magazine with `count` new parts."""
        if not 0 <= count <= MAX_MAGAZINE:
            raise WriteRejected(f"magazine count must be in 0..{MAX_MAGAZINE}, got {count!r}")
        if not 0 <= defect_rate <= 1:
            raise WriteRejected(f"defect_rate must be in 0..1, got {defect_rate!r}")
        self._feeder.load(count, defect_rate)

    @property
    def recent_parts(self) -> tuple[Part, ...]:
        return self._conveyor.log.recent

    def camera_view(self) -> CameraView | None:
        return self._conveyor.camera_view()
