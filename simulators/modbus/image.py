"""A device's register image, bound to the plant through its profile (sans-IO).

The address map is built once from the device's points. Reads ask the plant
for each point in the range (``plant.read(device, point)``) and encode the
value with the profile codec, saturating at what the register type holds, as
a PLC would. Bit points (``bit``) that share a register are read as one
word; a register write sets the writable bits that changed and refuses one
that would change a read-only bit. Writes must cover whole, writable points;
all of them are decoded and range-checked before the first ``plant.write``,
then applied in address order within one call, so the plant never steps
between them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from smarthall.devices.profiles import Device, Kind, Point
from smarthall.devices.profiles.codec import block_encoder, decode, encode
from smarthall.simulators.plant import Fault, SensorFailure, WriteRejected

from .errors import IllegalDataAddress, IllegalDataValue, ServerDeviceFailure

VENDOR = "Smart Hall"
RANGES_KEPT = 256


class PlantPort(Protocol):
    """The part of `simulators.plant.Plant` the Modbus servers use."""

    def read(self, device: str, point: str) -> bool | int | float: ...

    def read_many(self, device: str, points: Sequence[str]) -> list[bool | int | float]: ...

    def write(self, device: str, point: str, value: bool | float) -> None: ...

    def fault(self, target: str, kind: str) -> Fault | None: ...


@dataclass(frozen=True)
class _Range:
    """One range of addresses: the points it touches, their names and engineering ranges, and the one
    struct encoding them all when the range holds whole numeric points (`block_encoder`), else None."""

    segments: list[tuple[Point, int, int]]  # (point, first, end offset) for each point touched
    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    encoder: Callable[[Sequence[float]], list[int]] | None


class DeviceImage:
    """The coils, inputs and registers of one device, served from the plant."""

    def __init__(self, plant: PlantPort, device: Device, revision: str = "1") -> None:
        self.plant = plant
        self.device = device
        self.identity = (VENDOR, device.name, revision)
        self._cells: dict[Kind, dict[int, tuple[Point, int]]] = {kind: {} for kind in Kind}
        self._bits: dict[tuple[Kind, int], list[Point]] = {}  # a register's bit points
        self._bounds: dict[str, tuple[float, float]] = {}  # a register point's engineering range, by name
        self._ranges: dict[tuple[Kind, int, int], _Range] = {}  # ranges served so far
        for point in device.points:
            if point.address is not None:
                for offset in range(point.width):
                    self._cells[point.kind][point.address + offset] = (point, offset)
                if point.bit is not None:
                    self._bits.setdefault((point.kind, point.address), []).append(point)
                self._bounds[point.name] = _bounds(point)

    def read_bits(self, kind: Kind, address: int, count: int) -> list[bool]:
        return [bool(value) for value in self._values(self._range(kind, address, count))]

    def read_registers(self, kind: Kind, address: int, count: int) -> list[int]:
        known = self._range(kind, address, count)
        if known.encoder is not None:
            values = self._values(known)
            return known.encoder([min(max(value, low), high) for value, (low, high) in zip(values, known.bounds)])
        words: list[int] = []
        for point, first, last in known.segments:
            if point.bit is not None:
                words.append(self._word(kind, point.address))
            else:
                words += encode(point, self._saturate(point, self._read(point)))[first:last]
        return words

    def write_coils(self, address: int, values: Sequence[bool]) -> None:
        self._write(Kind.COIL, address, values)

    def write_registers(self, address: int, values: Sequence[int]) -> None:
        self._write(Kind.HOLDING_REGISTER, address, values)

    def _segments(self, kind: Kind, address: int, count: int) -> list[tuple[Point, int, int]]:
        """(point, first, end offset) for each point the range touches; 02 on any unmapped address."""
        return self._range(kind, address, count).segments

    def _range(self, kind: Kind, address: int, count: int) -> _Range:
        """What serving a range takes, worked out on its first request: the map never changes, so a
        range's answer is kept (at most `RANGES_KEPT` of them); 02 on any unmapped address."""
        known = self._ranges.get((kind, address, count))
        if known is not None:
            return known
        cells = self._cells[kind]
        segments: list[tuple[Point, int, int]] = []
        at = address
        while at < address + count:
            if at not in cells:
                raise IllegalDataAddress(f"{self.device.name}: no {kind} at {at}")
            point, first = cells[at]
            last = min(point.width, first + address + count - at)
            segments.append((point, first, last))
            at += last - first
        points = [point for point, _, _ in segments]
        whole = all(first == 0 and last == point.width for point, first, last in segments)
        known = _Range(segments, tuple(point.name for point in points),
                       tuple(self._bounds[point.name] for point in points),
                       block_encoder(points) if whole and not kind.is_bit else None)
        if len(self._ranges) < RANGES_KEPT:
            self._ranges[kind, address, count] = known
        return known

    def _values(self, known: _Range) -> list[bool | int | float]:
        """The plant's values of a range's points, in one read."""
        try:
            return self.plant.read_many(self.device.name, known.names)
        except SensorFailure as exc:
            raise ServerDeviceFailure(f"{self.device.name}: {exc}") from None

    def _write(self, kind: Kind, address: int, values: Sequence[int | bool]) -> None:
        plan: list[tuple[Point, bool | int | float]] = []
        at = 0
        for point, first, last in self._segments(kind, address, len(values)):
            if first != 0 or last != point.width:
                raise IllegalDataAddress(f"{self.device.name}: a write must cover all of {point.name}")
            if point.bit is not None:
                plan += self._changed_bits(kind, point.address, int(values[at]))
                at += 1
                continue
            if not point.writable:
                raise IllegalDataAddress(f"{self.device.name}: {point.name} is read-only")
            raw = values[at:at + point.width]
            value = bool(raw[0]) if kind.is_bit else decode(point, raw)
            try:
                point.check(value)
            except ValueError as exc:
                raise IllegalDataValue(str(exc)) from None
            plan.append((point, value))
            at += point.width
        for point, value in plan:
            try:
                self.plant.write(self.device.name, point.name, value)
            except WriteRejected as exc:
                raise IllegalDataValue(f"{self.device.name}.{point.name}: {exc}") from None
            except SensorFailure as exc:
                raise ServerDeviceFailure(f"{self.device.name}.{point.name}: {exc}") from None

    def _word(self, kind: Kind, address: int) -> int:
        """The register holding bit points, from each one's value."""
        word = 0
        for point in self._bits[(kind, address)]:
            word = encode(point, self._read(point), word)[0]
        return word

    def _changed_bits(self, kind: Kind, address: int, word: int) -> list[tuple[Point, bool]]:
        """The bit points a register write changes; IllegalDataAddress if one of them is read-only."""
        changed = []
        for point in self._bits[(kind, address)]:
            value = bool(word >> point.bit & 1)
            if value != bool(self._read(point)):
                if not point.writable:
                    raise IllegalDataAddress(f"{self.device.name}: {point.name} is read-only")
                changed.append((point, value))
        return changed

    def _saturate(self, point: Point, value: float | str) -> float | str:
        """value limited to what the point's registers hold (NaN and text pass)."""
        if isinstance(value, str):
            return value
        low, high = self._bounds[point.name]
        return min(max(value, low), high)

    def _read(self, point: Point) -> bool | int | float:
        try:
            return self.plant.read(self.device.name, point.name)
        except SensorFailure as exc:
            raise ServerDeviceFailure(f"{self.device.name}.{point.name}: {exc}") from None


def _bounds(point: Point) -> tuple[float, float]:
    """The engineering values a point's registers hold, lowest first."""
    low, high = sorted(limit * point.scale + point.offset for limit in point.type.limits)
    return low, high
