"""The values of any profile's points, with no plant behind them (sans-IO).

A point's value is, in this order: what was last written to it (by a client or
by `set` from the test's side), held; else its profile ``default``; else a
writable point's resting value (0 inside its range, else the range's low end);
else a simple waveform: a sine inside min..max for a read-only number with a
range (at 10 % to 90 % of it), a sine around a seeded level of 1..100 for one
without, a square wave for a read-only bool, an empty text for a string. Each
point gets its own period (10..60 s) and phase from the seed, so two twins
with one seed show the same values at the same twin time.

Communication faults, as the protocol servers ask for them
(``fault(target, kind)``): ``offline``, ``latency`` {ms}, ``drop`` {fraction},
``crc_noise`` {fraction} (RTU), on a device's name or the profile's name.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from smarthall.devices.profiles import DataType, Point, Profile
from smarthall.simulators.plant import Fault, FaultError

Value = bool | int | float | str
COMM_FAULTS: Mapping[str, tuple[str, ...]] = {"offline": (), "latency": ("ms",), "drop": ("fraction",),
                                              "crc_noise": ("fraction",)}
"""The faults a twin's servers show, with the param each needs."""


@dataclass(frozen=True)
class _Wave:
    period_s: float
    phase: float
    level: float  # the waveform's centre when the point has no range


class ProfilePlant:
    """Every point of one profile, read and written by device and point name (the servers' `PlantPort`)."""

    def __init__(self, profile: Profile, seed: int = 0) -> None:
        self.profile = profile
        self.now = 0.0  # twin seconds, advanced by `step`
        rng = random.Random(seed)
        self._points: dict[tuple[str, str], Point] = {}
        self._waves: dict[tuple[str, str], _Wave] = {}
        self._held: dict[tuple[str, str], Value] = {}
        for device in profile.devices:
            for point in device.points:
                key = (device.name, point.name)
                self._points[key] = point
                self._waves[key] = _Wave(rng.uniform(10, 60), rng.uniform(0, 2 * math.pi), rng.uniform(1, 100))
        self._faults: dict[tuple[str, str], Fault] = {}
        self._fault_ids = 0

    def step(self, dt: float) -> None:
        self.now += dt

    def point(self, device: str, point: str) -> Point:
        try:
            return self._points[(device, point)]
        except KeyError:
            raise KeyError(f"profile {self.profile.name!r} has no point {device}.{point}") from None

    def read(self, device: str, point: str) -> Value:
        """The point's value now, in engineering units."""
        key = (device, point)
        if key in self._held:
            return self._held[key]
        return _shaped(self.point(device, point), self._waves[key], self.now)

    def read_many(self, device: str, points: Sequence[str]) -> list[Value]:
        return [self.read(device, point) for point in points]

    def write(self, device: str, point: str, value: Value) -> None:
        """Hold value for the point (the servers checked it against the profile first)."""
        self.point(device, point)
        self._held[(device, point)] = value

    def fault(self, target: str, kind: str) -> Fault | None:
        return self._faults.get((target, kind))

    def inject(self, target: str, kind: str, **params: float) -> Fault:
        """Start a communication fault on a device (or the profile's name: all of them); FaultError if unknown."""
        if kind not in COMM_FAULTS:
            raise FaultError(f"a twin shows the faults {', '.join(COMM_FAULTS)}, got {kind!r}")
        if sorted(params) != sorted(COMM_FAULTS[kind]):
            raise FaultError(f"fault {kind!r} takes {', '.join(COMM_FAULTS[kind]) or 'no params'}, got {sorted(params)}")
        targets = {self.profile.name, *(d.name for d in self.profile.devices)}
        if target not in targets:
            raise FaultError(f"fault target: expected one of {', '.join(sorted(targets))}, got {target!r}")
        self._fault_ids += 1
        fault = Fault(self._fault_ids, target, kind, dict(params))
        self._faults[(target, kind)] = fault
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()


def _shaped(point: Point, wave: _Wave, now: float) -> Value:
    """The point's value when nothing was written to it."""
    if point.default is not None:
        return point.default
    if point.type is DataType.STRING:
        return ""
    angle = 2 * math.pi * now / wave.period_s + wave.phase
    if point.is_bool:
        return False if point.writable else math.sin(angle) >= 0
    low, high = point.range
    if point.writable:
        value = min(max(0.0, low), high)
    elif point.min is not None and point.max is not None:
        value = (low + high) / 2 + 0.4 * (high - low) * math.sin(angle)
    else:
        value = min(max(wave.level * (1 + 0.1 * math.sin(angle)), low), high)
    return _representable(point, value)


def _representable(point: Point, value: float) -> float | int:
    """value on the point's raw grid (a whole raw number for integer types), as the device would hold it."""
    if point.type.is_float:
        return value
    raw = round((value - point.offset) / point.scale)
    low, high = point.type.limits
    raw = min(max(raw, low), high)
    engineering = raw * point.scale + point.offset
    return int(engineering) if point.scale == 1 and point.offset == 0 else engineering
