"""Fault kinds, their targets and params, and the board of active faults.

Communication and camera faults are only validated and stored (the protocol
and camera servers consume them); sensor faults change what a point reads;
plant faults are turned into physics by the Plant.
"""

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .errors import FaultError
from .field import FIELD_DEVICES
from .points import Value

BUS_SETTINGS = (19200, "E")  # the fieldbus's own baud rate and parity
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class Fault:
    """One active fault."""

    id: int
    target: str
    kind: str
    params: Mapping[str, float | str]


@dataclass(frozen=True)
class Param:
    """A fault param: its default and its allowed numbers or choices."""

    default: float | str | None
    lo: float = -math.inf
    hi: float = math.inf
    choices: tuple[float | str, ...] = ()

    def check(self, kind: str, name: str, value: object) -> float | str:
        if self.choices:
            if value not in self.choices or isinstance(value, bool):
                options = ", ".join(map(str, self.choices))
                raise FaultError(f"fault {kind!r} param {name!r} must be one of {options}, got {value!r}")
            return value  # type: ignore[return-value]
        if not isinstance(value, (int, float)) or not math.isfinite(value) or not self.lo <= value <= self.hi:
            expected = "a number" if math.isinf(self.lo) else f"a number in {self.lo:g}..{self.hi:g}"
            raise FaultError(f"fault {kind!r} param {name!r} must be {expected}, got {value!r}")
        return value


@dataclass(frozen=True)
class Rule:
    """Which targets (a group name or one literal target) a kind applies to, with which params."""

    targets: str
    params: Mapping[str, Param]


LINK = "any station or fieldbus device"
BUS = "the fieldbus or one of its devices"
BUS_DEVICE = "a fieldbus device"
SENSOR = "a read-only point"
ANALOG = "a numeric read-only point"

RULES: dict[str, tuple[Rule, ...]] = {
    "offline": (Rule(LINK, {}),),
    "latency": (Rule(LINK, {"ms": Param(200, 0, 10000)}),),
    "drop": (Rule(LINK, {"fraction": Param(0.5, 0, 1)}),),
    "crc_noise": (Rule(BUS, {"fraction": Param(0.2, 0, 1)}),),
    "serial_mismatch": (
        Rule(BUS_DEVICE, {"baudrate": Param(9600, choices=BAUDRATES), "parity": Param("N", choices=("N", "E", "O"))}),
    ),
    "stuck": (Rule(SENSOR, {"value": Param(None)}),),
    "drift": (Rule(ANALOG, {"per_s": Param(0.1, -1000, 1000)}),),
    "noise": (Rule("camera", {"sigma": Param(12, 0, 255)}), Rule(ANALOG, {"sigma": Param(1.0, 0, 1000)})),
    "diverter_jam": (Rule("conveyor", {}),),
    "motor_overload": (Rule("conveyor", {}),),
    "estop": (Rule("conveyor", {}),),
    "heater_failure": (Rule("process", {}),),
    "thermocouple_open": (Rule("process", {}),),
    "dim_light": (Rule("camera", {"factor": Param(0.4, 0, 1)}),),
    "blur": (Rule("camera", {"sigma": Param(3.0, 0, 50)}),),
    "camera_offline": (Rule("camera", {}),),
    "bearing_wear": (Rule("vibration", {}),),
}
FAULT_KINDS = tuple(RULES)


class FaultBoard:
    """The active faults: validates requests, stores them, and distorts sensor readings."""

    def __init__(self, sensor_points: Mapping[str, type], rng: random.Random) -> None:
        self._types = dict(sensor_points)
        self._rng = rng
        self._groups = {
            LINK: ("feeder", "conveyor", "process", "fieldbus", *FIELD_DEVICES),
            BUS: ("fieldbus", *FIELD_DEVICES),
            BUS_DEVICE: FIELD_DEVICES,
            SENSOR: tuple(sensor_points),
            ANALOG: tuple(p for p, t in sensor_points.items() if t is not bool),
        }
        self._faults: dict[int, Fault] = {}
        self._since: dict[int, float] = {}
        self._next_id = 1

    @property
    def active(self) -> tuple[Fault, ...]:
        return tuple(self._faults.values())

    def find(self, target: str, kind: str) -> Fault | None:
        return next((f for f in self._faults.values() if f.target == target and f.kind == kind), None)

    def inject(
        self, target: str, kind: str, params: Mapping[str, object] | None, now: float, sample: Callable[[str], Value]
    ) -> Fault:
        """Validate and store a fault, replacing one of the same kind on the same target."""
        rule = self._rule(target, kind)
        given = dict(params or {})
        unknown = sorted(set(given) - set(rule.params))
        if unknown:
            known = ", ".join(rule.params) or "none"
            raise FaultError(f"fault {kind!r} has no param {unknown[0]!r}; its params: {known}")
        filled = {
            name: spec.default if given.get(name) is None else spec.check(kind, name, given[name])
            for name, spec in rule.params.items()
        }
        if kind == "stuck" and filled["value"] is None:
            filled["value"] = sample(target)
        if kind == "serial_mismatch" and (filled["baudrate"], filled["parity"]) == BUS_SETTINGS:
            raise FaultError("fault 'serial_mismatch' needs settings other than the bus's own 19200 baud, parity E")
        old = self.find(target, kind)
        if old:
            self.clear(old.id)
        fault = Fault(self._next_id, target, kind, MappingProxyType(filled))
        self._next_id += 1
        self._faults[fault.id] = fault
        self._since[fault.id] = now
        return fault

    def clear(self, fault_id: int) -> None:
        if fault_id not in self._faults:
            ids = ", ".join(map(str, self._faults)) or "none"
            raise FaultError(f"no active fault with id {fault_id!r}; active ids: {ids}")
        del self._faults[fault_id]
        del self._since[fault_id]

    def clear_all(self) -> None:
        self._faults.clear()
        self._since.clear()

    def distort(self, target: str, value: Value, now: float) -> Value:
        """What a sensor point reads under its stuck, drift and noise faults."""
        faults = [f for f in self._faults.values() if f.target == target]
        if not faults:
            return value
        for f in faults:
            if f.kind == "drift":
                value += f.params["per_s"] * (now - self._since[f.id])
            elif f.kind == "noise":
                value += self._rng.gauss(0.0, f.params["sigma"])
        stuck = next((f for f in faults if f.kind == "stuck"), None)
        if stuck:
            value = stuck.params["value"]
        kind = self._types[target]
        return kind(round(value)) if kind is not float else float(value)

    def _rule(self, target: str, kind: str) -> Rule:
        if kind not in RULES:
            raise FaultError(f"unknown fault kind {kind!r}; known kinds: {', '.join(FAULT_KINDS)}")
        for rule in RULES[kind]:
            if target in self._groups.get(rule.targets, (rule.targets,)):
                return rule
        valid = " or ".join(self._describe(rule.targets) for rule in RULES[kind])
        raise FaultError(f"fault {kind!r} cannot target {target!r}; valid targets: {valid}")

    def _describe(self, group: str) -> str:
        if group not in self._groups:
            return repr(group)
        return f"{group} ({', '.join(self._groups[group])})"
