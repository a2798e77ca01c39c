"""The station interface as frozen objects: profiles, devices, points.

A profile is one transport (a Modbus TCP station, the RS-485 bus, an OPC UA
server) with the devices on it; each device has points. The loader in
`devices.profiles.loader` builds these from TOML and validates them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Kind(StrEnum):
    """Where a point lives on its device."""

    COIL = "coil"
    DISCRETE_INPUT = "discrete_input"
    INPUT_REGISTER = "input_register"
    HOLDING_REGISTER = "holding_register"
    NODE = "node"

    @property
    def is_bit(self) -> bool:
        return self in _BIT_KINDS

    @property
    def is_register(self) -> bool:
        return self in _REGISTER_KINDS

    @property
    def writable_by_protocol(self) -> bool:
        """Whether the protocol has a write function for this kind at all."""
        return self in (Kind.COIL, Kind.HOLDING_REGISTER, Kind.NODE)


_BIT_KINDS = frozenset({Kind.COIL, Kind.DISCRETE_INPUT})
_REGISTER_KINDS = frozenset({Kind.INPUT_REGISTER, Kind.HOLDING_REGISTER})


class DataType(StrEnum):
    """Value types of points; registers hold the numeric ones."""

    BOOL = "bool"
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    STRING = "string"

    @property
    def registers(self) -> int:
        """16-bit registers one value takes (a string's point says how many: `Point.length`)."""
        return _REGISTERS[self]

    @property
    def is_float(self) -> bool:
        return self in _FLOATS

    @property
    def limits(self) -> tuple[float, float]:
        """The smallest and largest raw value the type holds (a string holds no number)."""
        return _LIMITS[self]


# DataType's tables, built once (the simulators' and the edge's codecs ask for them per value)
_REGISTERS = {DataType.BOOL: 1, DataType.INT16: 1, DataType.UINT16: 1, DataType.INT32: 2, DataType.UINT32: 2,
              DataType.FLOAT32: 2, DataType.FLOAT64: 4, DataType.STRING: 0}
_FLOATS = frozenset({DataType.FLOAT32, DataType.FLOAT64})
_LIMITS: dict[DataType, tuple[float, float]] = {
    DataType.BOOL: (0, 1),
    DataType.INT16: (-(2**15), 2**15 - 1),
    DataType.UINT16: (0, 2**16 - 1),
    DataType.INT32: (-(2**31), 2**31 - 1),
    DataType.UINT32: (0, 2**32 - 1),
    DataType.FLOAT32: (-3.4028234663852886e38, 3.4028234663852886e38),
    DataType.FLOAT64: (-1.7976931348623157e308, 1.7976931348623157e308),
    DataType.STRING: (-math.inf, math.inf),
}


class Level(StrEnum):
    """Who may write a point or call a method (edge.users): operating it, supervising, configuring.

    A trainee may operate (start, stop, feed, setpoints); an instructor also supervises
    (the default); only an engineer configures (tuning, timing, calibration).
    """

    OPERATE = "operate"
    SUPERVISE = "supervise"
    CONFIGURE = "configure"


WORD_ORDERS = ("ABCD", "CDAB", "BADC", "DCBA")
"""Byte orders of multi-register values: ABCD is high word first, big-endian."""


@dataclass(frozen=True)
class Text:
    """A user-facing text in Korean and English."""

    ko: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.ko if lang == "ko" else self.en

    @classmethod
    def filled(cls, templates: tuple[str, str], **values: object) -> Text:
        """A (Korean, English) pair of format strings, filled with the same values."""
        return cls(ko=templates[0].format(**values), en=templates[1].format(**values))


@dataclass(frozen=True)
class Point:
    """One coil, input, register (or pair), bit of a register, string or OPC UA variable of a device.

    ``bit`` (0..15) makes an int16/uint16 register point a bool: that bit of
    the register. ``length`` is a string's size in registers (two bytes each).
    """

    name: str
    kind: Kind
    type: DataType
    text: Text
    address: int | None = None
    node: str | None = None
    word_order: str = "ABCD"
    scale: float = 1.0
    offset: float = 0.0
    unit: str = ""
    access: str = "r"
    min: float | None = None
    max: float | None = None
    default: float | str | None = None
    bit: int | None = None
    length: int | None = None
    level: Level = Level.SUPERVISE  # who may write it (a read-only point's is never used)

    @property
    def writable(self) -> bool:
        return self.access == "rw"

    @property
    def is_bool(self) -> bool:
        """Whether the value is a bool: a coil, an input or a bit of a register."""
        return self.type is DataType.BOOL or self.bit is not None

    @property
    def width(self) -> int:
        """Addresses the point takes: bits for coils and inputs, registers else."""
        if self.kind.is_bit or self.bit is not None:
            return 1
        return self.length if self.type is DataType.STRING and self.length else self.type.registers

    @property
    def range(self) -> tuple[float, float]:
        """Engineering range: the profile's min/max within what the type holds."""
        if self.is_bool:
            return (0, 1)
        low, high = self.type.limits
        low, high = sorted((low * self.scale + self.offset, high * self.scale + self.offset))
        return (low if self.min is None else self.min, high if self.max is None else self.max)

    def check(self, value: float | str) -> None:
        """Raise ValueError naming the point when value is outside its range."""
        low, high = self.range
        if self.type is DataType.STRING:
            if not isinstance(value, str):
                raise ValueError(f"{self.name}: expected a string, got {value!r}")
            if self.length and len(value.encode("utf-8")) > 2 * self.length:
                raise ValueError(f"{self.name}: {value!r} is longer than {2 * self.length} bytes (UTF-8)")
        elif self.is_bool:
            if value not in (0, 1):
                raise ValueError(f"{self.name}: expected 0 or 1, got {value!r}")
        elif isinstance(value, str) or not low <= value <= high:
            raise ValueError(f"{self.name}: {value!r} is outside {low:g}..{high:g} {self.unit}".rstrip())


@dataclass(frozen=True)
class Method:
    """An OPC UA method of a device."""

    name: str
    inputs: tuple[tuple[str, DataType], ...]
    text: Text
    level: Level = Level.SUPERVISE  # who may call it
    ranges: tuple[tuple[float, float], ...] = ()
    """Each input's accepted low..high (the profile's min/max, else what its type holds)."""
    node: str | None = None  # the method's NodeId or browse path from its object; None: its name there
    object: str | None = None  # the object it is called on, if not the device's (NodeId or path from Objects)

    def check(self, args: Sequence[bool | int | float], called: str = "") -> None:
        """Raise ValueError naming the method (as `called`) and argument unless args fit the inputs' count, types, ranges."""
        called = called or self.name
        if len(args) != len(self.inputs):
            signature = ", ".join(f"{name}: {dtype}" for name, dtype in self.inputs)
            raise ValueError(f"{called} takes {len(self.inputs)} arguments ({signature}), got {len(args)}")
        ranges = self.ranges or tuple(dtype.limits for _, dtype in self.inputs)
        for (name, dtype), (low, high), value in zip(self.inputs, ranges, args):
            if isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{called}: argument {name} must be a finite number, got {value!r}")
            if not dtype.is_float and value != int(value):
                raise ValueError(f"{called}: argument {name} is a {dtype}, got {value!r}")
            if not low <= value <= high:
                raise ValueError(f"{called}: argument {name} must be in {low:g}..{high:g}, got {value:g}")


@dataclass(frozen=True)
class Event:
    """An alarm event a device raises."""

    name: str
    limit: float
    text: Text


@dataclass(frozen=True)
class Device:
    """One addressable device: a PLC, a sensor on the bus, an OPC UA object."""

    name: str
    title: Text
    points: tuple[Point, ...]
    unit: int | None = None
    object: str | None = None  # OPC UA: NodeId or browse path from Objects (`devices.profiles.address`)
    methods: tuple[Method, ...] = ()
    events: tuple[Event, ...] = ()

    def point(self, name: str) -> Point:
        for point in self.points:
            if point.name == name:
                return point
        raise KeyError(f"device {self.name!r} has no point {name!r}")

    def of_kind(self, kind: Kind) -> tuple[Point, ...]:
        return tuple(p for p in self.points if p.kind is kind)


@dataclass(frozen=True)
class Manual:
    """The public manual a profile is written from."""

    title: str
    revision: str
    url: str = ""


@dataclass(frozen=True)
class Profile:
    """One transport of the line and the devices on it (or a camera), from one TOML file."""

    name: str
    version: int
    protocol: str
    title: Text
    devices: tuple[Device, ...]
    source: str
    transport: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    vendor: str = ""
    verified: str = ""  # "manual", "simulated" or "hardware": how far the map is checked ("": not said)
    manual: Manual | None = None
    camera: Mapping[str, object] | None = None  # a camera profile (protocol "uvc"): its checked [camera] keys

    def device(self, name: str) -> Device:
        for device in self.devices:
            if device.name == name:
                return device
        raise KeyError(f"profile {self.name!r} has no device {name!r}")
