"""Load station profiles from TOML into validated, frozen objects.

Every error is a `ProfileError` whose message names the file, the place in
it (device, point, key) and what was expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from ..camera_settings import checked
from ..errors import SettingsError
from ..toml_reader import TomlReader, parse_toml
from . import schema, search
from .address import BrowsePath, from_objects, parse_address
from .model import WORD_ORDERS, DataType, Device, Event, Kind, Level, Manual, Method, Point, Profile

PROFILE_DIR = search.STATION_DIR
LIBRARY_DIR = search.LIBRARY_DIR
POINT_KEYS = set(schema.POINT.key_names)
METHOD_KEYS = set(schema.METHOD.key_names)
MAX_STRING_REGISTERS = 125  # what one read request returns


class ProfileError(ValueError):
    """A profile file that cannot be used; the message says where and why."""


def profile_names() -> list[str]:
    """Names of the station interface's profiles (the simulated line's stations)."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def library_names() -> list[str]:
    """Names of the device library's profiles (PLCs, controllers, meters ... of real halls)."""
    return sorted(p.stem for p in LIBRARY_DIR.glob("*.toml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (the station interface's ``"conveyor"``, the library's ``"autonics_tk"``) or a file by path.

    The simulated line and the docs use this; a line file's names go through `find_profile`.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = next((folder / f"{name_or_path}.toml" for folder in (PROFILE_DIR, LIBRARY_DIR)
                     if (folder / f"{name_or_path}.toml").is_file()), path)
        if path.suffix != ".toml":
            raise ProfileError(f"unknown profile {name_or_path!r}: expected one of"
                               f" {', '.join(profile_names() + library_names())}")
    return _read(path)


def find_profile(name_or_path: str | Path, beside: Path | None = None) -> Profile:
    """A profile by name on the search path (`search`: beside the line file, the user's folder, the shipped ones)
    or by path (relative to `beside`); an unknown name's message lists the folders looked in."""
    text = str(name_or_path)
    if text.endswith(".toml"):
        return _read(beside / text if beside is not None else Path(text))
    path = search.find(text, beside)
    if path is None:
        close = difflib.get_close_matches(text, [f.name for f in search.available(beside)], n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ProfileError(f"unknown profile {text!r}{hint}: no {text}.toml in {search.describe_path(beside)};"
                           " `smarthall profile list` shows every profile found")
    return _read(path)


def _read(path: Path) -> Profile:
    return _Reader(str(path)).profile(parse_toml(path, ProfileError))


def load_all() -> dict[str, Profile]:
    """Every shipped profile by name."""
    return {name: load_profile(name) for name in profile_names()}


class _Reader(TomlReader):
    """Builds objects from parsed TOML, remembering where it is for messages."""

    def __init__(self, source: str) -> None:
        super().__init__(source, ProfileError)

    def profile(self, data: Mapping) -> Profile:
        head = self.table(self.get(data, "profile", "top level", Mapping), "[profile]")
        self.known_keys(head, "[profile]", schema.PROFILE.key_names)
        protocol = self.choice(head, "protocol", "[profile]", schema.PROTOCOLS)
        if protocol == "uvc":
            self.known_keys(data, "top level", ("profile", "camera"))
            return self.head(head, protocol, devices=(), camera=self.camera(data))
        self.known_keys(data, "top level", ("profile", "transport", "models", "devices"))
        models = self.table(self.get(data, "models", "top level", Mapping, {}), "[models]")
        raw_devices = self.get(data, "devices", "top level", list)
        if not raw_devices:
            raise self.fail("[[devices]]", "a profile needs at least one device")
        devices = tuple(self.device(d, i, protocol, models) for i, d in enumerate(raw_devices))
        self.unique([d.name for d in devices], "[[devices]]", "device name")
        transport = self.table(self.get(data, "transport", "top level", Mapping, {}), "[transport]")
        self.known_keys(transport, "[transport]", schema.TRANSPORT.key_names)
        if protocol != "opcua":
            self.unique([str(d.unit) for d in devices], "[[devices]]", "unit id")
        elif not isinstance(transport.get("namespace"), str):
            self.needs_no_namespace(devices)
        return self.head(head, protocol, devices=devices, transport=MappingProxyType(dict(transport)))

    def head(self, head: Mapping, protocol: str, **body) -> Profile:
        """The profile from its [profile] table and its body (devices and transport, or a camera)."""
        return Profile(
            name=self.get(head, "name", "[profile]", str),
            version=self.get(head, "version", "[profile]", int),
            protocol=protocol,
            title=self.text(self.get(head, "title", "[profile]", Mapping), "[profile] title"),
            source=self.source,
            vendor=self.get(head, "vendor", "[profile]", str, ""),
            verified=self.choice(head, "verified", "[profile]", schema.VERIFIED) if "verified" in head else "",
            manual=self.manual(head),
            **body,
        )

    def camera(self, data: Mapping) -> Mapping[str, object]:
        """A camera profile's [camera]: the keys of `devices.camera_settings`, each of its type and range."""
        table = self.table(self.get(data, "camera", "top level", Mapping), "[camera]")
        self.known_keys(table, "[camera]", schema.CAMERA.key_names)
        try:
            return MappingProxyType(checked(table))
        except SettingsError as exc:
            raise self.fail("[camera]", str(exc).removeprefix("camera settings: ")) from None

    def manual(self, head: Mapping) -> Manual | None:
        """[profile] manual = { title, revision, url }: the public manual the map comes from."""
        where = "[profile] manual"
        data = self.get(head, "manual", "[profile]", Mapping, None)
        if data is None:
            return None
        self.known_keys(data, where, schema.MANUAL_KEYS)
        return Manual(title=self.get(data, "title", where, str), revision=self.get(data, "revision", where, str),
                      url=self.get(data, "url", where, str, ""))

    def device(self, data: object, index: int, protocol: str, models: Mapping) -> Device:
        where = f"devices[{index}]"
        data = self.table(data, where)
        name = self.get(data, "name", where, str)
        where = f"devices[{index}] {name!r}"
        self.known_keys(data, where, schema.DEVICE.key_names)
        body = data
        if "model" in data:
            model = self.get(data, "model", where, str)
            if model not in models:
                raise self.fail(where, f"key 'model': expected one of {', '.join(models) or '(no [models])'}, got {model!r}")
            body = self.table(models[model], f"[models.{model}]")
            where = f"[models.{model}]"
            self.known_keys(body, where, schema.MODEL.key_names)
        title = self.get(data, "title", where, Mapping, None) or self.get(body, "title", where, Mapping)
        raw_points = self.get(body, "points", where, list)
        points = tuple(self.point(p, f"{where} points[{i}]", protocol) for i, p in enumerate(raw_points))
        self.unique([p.name for p in points], where, "point name")
        self.no_overlaps(points, where)
        methods = tuple(self.method(m, f"{where} methods[{i}]")
                        for i, m in enumerate(self.get(data, "methods", where, list, [])))
        if protocol == "opcua":
            unit = None
            obj = self.address(data, "object", where, None, absolute=True)
            if obj is None:
                self.no_object_needed(points, methods, where)
        else:
            unit, obj = self.get(data, "unit", where, int), None
            if not 0 <= unit <= 247:
                raise self.fail(where, f"key 'unit': expected a Modbus unit id 0..247, got {unit}")
        return Device(
            name=name, title=self.text(title, f"{where} title"), points=points, unit=unit, object=obj,
            methods=methods,
            events=tuple(self.event(e, f"{where} events[{i}]") for i, e in enumerate(self.get(data, "events", where, list, []))),
        )

    def point(self, data: object, where: str, protocol: str) -> Point:
        data = self.table(data, where)
        name = self.get(data, "name", where, str)
        where = f"{where} {name!r}"
        if unknown := sorted(set(data) - POINT_KEYS):
            raise self.fail(where, f"unknown key {unknown[0]!r}: expected one of {', '.join(sorted(POINT_KEYS))}")
        kinds = [Kind.NODE.value] if protocol == "opcua" else [k.value for k in Kind if k is not Kind.NODE]
        kind = Kind(self.choice(data, "kind", where, kinds))
        dtype = DataType(self.choice(data, "type", where, [t.value for t in DataType]))
        if kind.is_bit and dtype is not DataType.BOOL:
            raise self.fail(where, f"key 'type': a {kind} holds a bool, got {dtype}")
        if kind.is_register and dtype is DataType.BOOL:
            raise self.fail(where, f"key 'type': a {kind} holds a number (int16 ... float64), got bool")
        access = self.choice(data, "access", where, ("r", "rw"))
        if access == "rw" and not kind.writable_by_protocol:
            raise self.fail(where, f"key 'access': a {kind} is read-only, got 'rw'")
        if "level" in data and access != "rw":
            raise self.fail(where, "key 'level': only a writable point (access = \"rw\") has a level")
        bit, length = self.bit(data, where, kind, dtype), self.length(data, where, kind, dtype)
        number = (int, float)
        point = Point(
            name=name, kind=kind, type=dtype, text=self.text(data, where),
            address=None if kind is Kind.NODE else self.get(data, "address", where, int),
            node=self.address(data, "node", where) if kind is Kind.NODE else None,
            word_order=self.choice(data, "word_order", where, ("ABCD", "BADC") if length else WORD_ORDERS, "ABCD"),
            scale=float(self.get(data, "scale", where, number, 1.0)),
            offset=float(self.get(data, "offset", where, number, 0.0)),
            unit=self.get(data, "unit", where, str, ""), access=access,
            min=self.get(data, "min", where, number, None), max=self.get(data, "max", where, number, None),
            default=self.get(data, "default", where, str if dtype is DataType.STRING else (*number, bool), None),
            bit=bit, length=length, level=self.level(data, where),
        )
        if point.address is not None and not 0 <= point.address <= 65536 - point.width:
            raise self.fail(where, f"key 'address': expected 0..65535 for the whole value, got {point.address}")
        if dtype is DataType.STRING and (point.scale, point.offset, point.min, point.max) != (1, 0, None, None):
            raise self.fail(where, "a string has no 'scale', 'offset', 'min' or 'max'")
        if point.scale == 0:
            raise self.fail(where, "key 'scale': expected a non-zero number, got 0")
        self.check_range(point, where)
        return point

    def bit(self, data: Mapping, where: str, kind: Kind, dtype: DataType) -> int | None:
        """A bit of a 16-bit register (0..15), or None."""
        bit = self.get(data, "bit", where, int, None)
        if bit is not None:
            if not kind.is_register or dtype not in (DataType.INT16, DataType.UINT16):
                raise self.fail(where, f"key 'bit': only an int16 or uint16 register has bits, got a {dtype} {kind}")
            if not 0 <= bit <= 15:
                raise self.fail(where, f"key 'bit': expected 0..15, got {bit}")
        return bit

    def length(self, data: Mapping, where: str, kind: Kind, dtype: DataType) -> int | None:
        """A register string's size in registers, or None."""
        if dtype is not DataType.STRING or not kind.is_register:
            if "length" in data:
                raise self.fail(where, f"key 'length': only a string in registers has a length, got a {dtype} {kind}")
            return None
        length = self.get(data, "length", where, int)
        if not 1 <= length <= MAX_STRING_REGISTERS:
            raise self.fail(where, f"key 'length': expected 1..{MAX_STRING_REGISTERS} registers, got {length}")
        return length

    def check_range(self, point: Point, where: str) -> None:
        """min, max and default must lie within what the type can hold."""
        saved = Point(**{**point.__dict__, "min": None, "max": None})
        low, high = saved.range
        for key in ("min", "max"):
            value = getattr(point, key)
            if value is not None and not low <= value <= high:
                raise self.fail(where, f"key {key!r}: {value:g} is outside what a {point.type} holds"
                                f" at scale {point.scale:g} ({low:g}..{high:g})")
        if point.min is not None and point.max is not None and point.min > point.max:
            raise self.fail(where, f"keys 'min'/'max': min {point.min:g} is above max {point.max:g}")
        if point.default is not None:
            try:
                point.check(point.default)
            except ValueError as exc:
                raise self.fail(where, f"key 'default': {exc}") from None

    def level(self, data: Mapping, where: str) -> Level:
        """Who may write the point or call the method (default: supervise)."""
        return Level(self.choice(data, "level", where, [level.value for level in Level], Level.SUPERVISE.value))

    def address(self, data: Mapping, key: str, where: str, default=..., absolute: bool = False) -> str | None:
        """An OPC UA NodeId or browse path (`devices.profiles.address`), checked and kept as written."""
        text = self.get(data, key, where, str, default)
        if text is None:
            return None
        try:
            parse_address(from_objects(text) if absolute else text)
        except ValueError as exc:
            raise self.fail(where, f"key {key!r}: {exc}") from None
        return text

    def needs_no_namespace(self, devices: tuple[Device, ...]) -> None:
        """Without [transport] namespace, every browse name needs its own (3:Name or nsu=URI;Name)."""
        for device in devices:
            texts = [("object", device.object and from_objects(device.object)),
                     *((f"point {p.name!r} node", p.node) for p in device.points),
                     *((f"method {m.name!r} node", m.node or m.name) for m in device.methods),
                     *((f"method {m.name!r} object", m.object and from_objects(m.object)) for m in device.methods)]
            for what, text in texts:
                address = parse_address(text) if text else None
                if isinstance(address, BrowsePath) and any(ns is None for ns, _ in address.elements):
                    raise self.fail(f"device {device.name!r}", f"{what} {text!r} has a browse name without a"
                                    " namespace: expected [transport] namespace = URI, or 3:Name / nsu=URI;Name")

    def no_object_needed(self, points: tuple[Point, ...], methods: tuple[Method, ...], where: str) -> None:
        """Without an 'object', every point needs a NodeId or a path from Objects, every method its object."""
        for point in points:
            address = parse_address(point.node)
            if isinstance(address, BrowsePath) and not address.absolute:
                raise self.fail(where, f"missing key 'object': point {point.name!r} has node {point.node!r},"
                                " a path from the device's object (or give a NodeId or a /path from Objects)")
        for method in methods:
            if method.object is None:
                raise self.fail(where, f"missing key 'object': method {method.name!r} has no 'object' of its own")

    def method(self, data: object, where: str) -> Method:
        data = self.table(data, where)
        self.known_keys(data, where, METHOD_KEYS)
        inputs, ranges = [], []
        for i, arg in enumerate(self.get(data, "inputs", where, list, [])):
            at = f"{where} inputs[{i}]"
            arg = self.table(arg, at)
            self.known_keys(arg, at, schema.INPUT_KEYS)
            dtype = DataType(self.choice(arg, "type", at, [t.value for t in DataType]))
            inputs.append((self.get(arg, "name", at, str), dtype))
            low, high = dtype.limits
            ranges.append((self.number(arg, "min", at, low, high, low), self.number(arg, "max", at, low, high, high)))
        return Method(name=self.get(data, "name", where, str), inputs=tuple(inputs), text=self.text(data, where),
                      ranges=tuple(ranges), level=self.level(data, where), node=self.address(data, "node", where, None),
                      object=self.address(data, "object", where, None, absolute=True))

    def event(self, data: object, where: str) -> Event:
        data = self.table(data, where)
        self.known_keys(data, where, schema.EVENT.key_names)
        return Event(name=self.get(data, "name", where, str),
                     limit=float(self.get(data, "limit", where, (int, float))), text=self.text(data, where))

    def no_overlaps(self, points: tuple[Point, ...], where: str) -> None:
        """No two points of one kind may share an address (a float32 takes two), but for distinct bits."""
        taken: dict[tuple[Kind, int, int], str] = {}
        for point in points:
            if point.address is None:
                continue
            bits = range(16) if point.bit is None else (point.bit,)
            for address in range(point.address, point.address + point.width):
                for bit in bits:
                    if (point.kind, address, bit) in taken:
                        other = taken[(point.kind, address, bit)]
                        raise self.fail(where, f"points {other!r} and {point.name!r} overlap at {point.kind} {address}")
                    taken[(point.kind, address, bit)] = point.name

