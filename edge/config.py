"""The line configuration: which devices, how to reach them, what to scan and when, what to alarm.

One TOML file (``lines/sim.toml`` for the simulated line, ``lines/hall.example.toml``
for a real hall) is read into a frozen `LineConfig`. Tags are named
``<device>.<point>`` after the profiles. Every mistake raises `LineConfigError`
naming the file, the key and what was expected.

An optional ``[vision]`` table runs the camera inspection station (the reject
loop): its results are derived tags ``vision.*`` (`edge.inspection.tags`),
computed by the edge, read-only and not scanned. An optional ``[users]`` table names the
users file (``file``, relative to the line file; `edge.users`); a name not found there is
looked up among the shipped line files, so a copy of ``lines/sim.toml`` (a lesson's workspace,
a test's folder) keeps the simulated line's users.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from smarthall.devices.camera import CameraSettings, device_path
from smarthall.devices.camera_settings import checked
from smarthall.devices.driver import OFFERS, Calls, Subscribes, Timeouts, WritesBlocks
from smarthall.devices.errors import SettingsError
from smarthall.devices.profiles import (
    Device,
    Method,
    Point,
    Profile,
    ProfileError,
    Text,
    find_profile,
)
from smarthall.devices.security import Security
from smarthall.devices.toml_reader import TomlReader, non_finite, parse_toml

from . import schema
from .alarms import AlarmSpec, Priority, comm_alarm
from .errors import AlarmsRefused, LineConfigError
from .inspection import DEFAULT_RECIPE, Recipe, RecipeError, load_recipe
from .inspection.tags import VISION
from .northbound.settings import NorthboundSettings, read_northbound
from .owner import DATA_ENV, data_folder, default_history_path  # noqa: F401 - edge.config's names for them
from .sparkplug.settings import MqttSettings, read_mqtt
from .users import Users

LINES_DIR = Path(str(resources.files("smarthall.lines")))  # package data
DEFAULT_LINE = LINES_DIR / "sim.toml"

_ALARM_KINDS = ("hi", "hihi", "lo", "lolo", "discrete")
_VISION_POINTS = ("part_at_camera", "verdict_part", "verdict")


@dataclass(frozen=True)
class Connection:
    """One transport to the line: a PLC's TCP port, an RS-485 bus, an OPC UA server."""

    name: str
    profile: Profile
    settings: Mapping[str, object]
    timeouts: Timeouts
    comm_alarm: bool = True  # the communication-loss alarm comm.<name> (edge.alarms.comm)

    @property
    def subscribe_ms(self) -> float | None:
        """The publishing interval of the subscription its values come by (OPC UA), None when they are scanned."""
        if self.profile.protocol != "opcua" or not self.settings.get("subscribe", True):
            return None
        return self.settings.get("publish_ms", 100)  # type: ignore[return-value]  # a number, checked on load

    @property
    def needs(self) -> tuple[type, ...]:
        """The capabilities (devices.driver) the edge relies on from its driver: Subscribes, Calls."""
        return (Subscribes,) * (self.subscribe_ms is not None) + (Calls,) * any(d.methods for d in self.profile.devices)


@dataclass(frozen=True)
class ScanGroup:
    name: str
    rate_s: float


@dataclass(frozen=True)
class Tag:
    """A point of a device on a connection, scanned in one group."""

    name: str
    connection: str
    device: Device
    point: Point
    group: str
    deadband: float = 0.0
    derived: bool = False  # computed by the edge (vision.*): not scanned, not writable

    @cached_property
    def unit(self) -> str:  # read for every value scanned
        return self.point.unit


@dataclass(frozen=True)
class HistorianSettings:
    path: Path
    retention_days: float
    flush_s: float


@dataclass(frozen=True)
class VisionSettings:
    """The camera inspection station: the camera, the conveyor PLC that sorts, the recipe, the image archive."""

    camera: CameraSettings
    conveyor: Connection  # the reject loop opens its own connection to it, apart from the scanner's
    device: Device  # the conveyor's device with part_at_camera, verdict_part and verdict
    recipe: Recipe
    poll_s: float
    idle_poll_s: float
    poll_mm: float
    budget_s: float
    archive_path: Path
    archive_max_bytes: int
    pass_sample: int


@dataclass(frozen=True)
class LineConfig:
    name: str
    title: Text
    source: str
    connections: tuple[Connection, ...]
    groups: tuple[ScanGroup, ...]
    tags: Mapping[str, Tag]
    alarms: tuple[AlarmSpec, ...]
    historian: HistorianSettings
    vision: VisionSettings | None = None
    mqtt: MqttSettings | None = None  # [mqtt]: the line as a Sparkplug B edge node
    northbound: NorthboundSettings | None = None  # None only for configs built by hand (tests)
    users: Users | None = None  # None: no users file (only the agent's own OS user, see edge.users)
    listen: tuple[str, int] | None = None  # [service] listen: the client API on TCP too (edge.service)

    def tag(self, name: str) -> Tag:
        try:
            return self.tags[name]
        except KeyError:
            raise LineConfigError(f"unknown tag {name!r}: `smarthall tags` lists the {len(self.tags)} tags") from None

    def connection(self, name: str) -> Connection:
        return next(c for c in self.connections if c.name == name)

    def method(self, name: str) -> tuple[Connection, Device, Method]:
        """The connection, device and profile method of ``device.Method`` (e.g. ``process.StartBatch``)."""
        device_name, _, method_name = name.rpartition(".")
        for connection in self.connections:
            for device in connection.profile.devices:
                if device.name == device_name:
                    method = next((m for m in device.methods if m.name == method_name), None)
                    if method is not None:
                        return connection, device, method
        known = [f"{d.name}.{m.name}" for c in self.connections for d in c.profile.devices for m in d.methods]
        raise LineConfigError(f"unknown method {name!r}: expected one of {', '.join(known) or '(none on this line)'}")


def load_line(path: str | Path = DEFAULT_LINE, overrides: Mapping[str, Mapping[str, object]] | None = None,
              tables: Mapping[str, Mapping[str, object]] | None = None) -> LineConfig:
    """Read and check a line configuration file.

    overrides replace keys of tables before checking, e.g. ``{"feeder": {"port": 40123},
    "historian": {"path": "/tmp/h.db"}, "vision": {"camera": {"source": "http://127.0.0.1:40124/..."}}}``:
    a connection by its name, the historian, the vision station or the northbound server (sub-tables are merged,
    not replaced). tables are whole top-level tables put in the file's place, checked as if written there (the
    [mqtt] a classroom gives each team's simulated line).
    """
    path = Path(path)
    return _LineReader(path).line({**line_table(path, overrides), **(tables or {})})


def line_table(path: str | Path, overrides: Mapping[str, Mapping[str, object]] | None = None) -> dict:
    """A line file's TOML as data with `overrides` put in (see `load_line`), before any check of its keys."""
    path = Path(path)
    data = parse_toml(path, LineConfigError)
    for name, values in (overrides or {}).items():
        if name in ("historian", "vision", "mqtt", "northbound"):
            if name in ("vision", "mqtt") and name not in data:
                raise LineConfigError(f"{path}: override for {name!r}: the line has no [{name}] table")
            data[name] = _merged(data.get(name, {}), values)
            continue
        matching = [c for c in data.get("connections", []) if isinstance(c, dict) and c.get("name") == name]
        if not matching:
            raise LineConfigError(f"{path}: override for {name!r}: the line has no such connection")
        matching[0].update(values)
    return data


def read_alarms(text: str, source: str, tags: Mapping[str, Tag]) -> tuple[AlarmSpec, ...]:
    """The ``[[alarms]]`` tables of a line file's text (a whole line file or only those tables), checked against
    `tags` (a running agent's) as `load_line` checks them; AlarmsRefused naming `source`, the key and what was
    expected, in Korean and English."""
    reader = _AlarmsReader(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AlarmsRefused(f"{source}: not valid TOML: {exc}", f"{source}: TOML 문법 오류: {exc}") from None
    if where := non_finite(data):
        key, value = where
        raise reader.fail(f"key {key!r}", Text(ko=f"유한한 수여야 합니다, 받은 값 {value}",
                                               en=f"expected a finite number, got {value}"))
    tables = reader.get(data, "alarms", "top level", list, [])
    if not tables:
        raise reader.fail("top level", Text(ko="[[alarms]] 표가 없습니다", en="expected [[alarms]] tables, found none"))
    alarms = tuple(reader.alarm(table, i, tags) for i, table in enumerate(tables))
    reader.unique((a.id for a in alarms), "[[alarms]]", Text(ko="알람 id", en="alarm id"))
    return alarms


def _merged(table: Mapping, values: Mapping) -> dict:
    """table with values put in, sub-table by sub-table."""
    merged = dict(table)
    for key, value in values.items():
        both = isinstance(value, Mapping) and isinstance(merged.get(key), Mapping)
        merged[key] = _merged(merged[key], value) if both else value
    return merged


class _LineReader(TomlReader):
    def __init__(self, path: Path) -> None:
        super().__init__(str(path), LineConfigError)
        self.path = path

    def line(self, data: Mapping) -> LineConfig:
        self.known_keys(data, "top level", schema.TOP_LEVEL)
        head = self.table(self.get(data, "line", "top level", Mapping), "[line]")
        name = self.get(head, "name", "[line]", str)
        connections = tuple(self.connection(c, i) for i, c in enumerate(self.get(data, "connections", "top level", list)))
        if not connections:
            raise self.fail("[[connections]]", "a line needs at least one connection")
        self.unique((c.name for c in connections), "[[connections]]", "connection name")
        points = self.all_points(connections)
        groups = tuple(self.group(g, i) for i, g in enumerate(self.get(data, "scan_groups", "top level", list)))
        self.unique((g.name for g in groups), "[[scan_groups]]", "scan group name")
        membership = self.memberships(data.get("scan_groups", []), groups, points)
        tag_settings = self.table(self.get(data, "tags", "top level", Mapping, {}), "[tags]")
        historian = self.historian(data.get("historian", {}), name)
        vision = None if "vision" not in data else self.vision(data["vision"], connections, historian)
        tags = {}
        for tag_name, (connection, device, point) in points.items():
            settings = self.tag_settings(tag_settings, tag_name, point)
            tags[tag_name] = Tag(tag_name, connection, device, point, membership[tag_name], settings)
        for point in VISION.points if vision else ():
            tag_name = f"{VISION.name}.{point.name}"
            if tag_name in tags:
                raise self.fail("[vision]", f"tag {tag_name!r} also comes from connection {tags[tag_name].connection!r}")
            tags[tag_name] = Tag(tag_name, "", VISION, point, "", self.tag_settings(tag_settings, tag_name, point),
                                 derived=True)
        for pattern in tag_settings:
            if not fnmatch.filter(tags, pattern):
                raise self.fail(f"[tags] {pattern!r}", "matches no tag of the line")
        alarms = tuple(self.alarm(a, i, tags) for i, a in enumerate(self.get(data, "alarms", "top level", list, [])))
        alarms += tuple(comm_alarm(c.name) for c in connections if c.comm_alarm)
        self.unique((a.id for a in alarms), "[[alarms]]", "alarm id")
        mqtt = None if "mqtt" not in data else read_mqtt(self, data["mqtt"], self.path.parent, name, historian.path)
        users = self.users(data.get("users"), connections)
        if mqtt is not None and mqtt.command_user is not None and (users is None or users.user(mqtt.command_user) is None):
            raise self.fail("[mqtt]", f"key 'command_user': expected a user of the [users] file, got {mqtt.command_user!r}")
        northbound = read_northbound(self, data.get("northbound", {}), self.path.parent,
                                     historian.path.with_name(f"{name}-opcua"))
        return LineConfig(name=name, title=self.text(head, "[line]"), source=self.source, connections=connections,
                          groups=groups, tags=MappingProxyType(tags), alarms=alarms, historian=historian, vision=vision,
                          mqtt=mqtt, northbound=northbound, users=users,
                          listen=self.listen(data.get("service", {})))

    def connection(self, data: object, index: int) -> Connection:
        where = f"connections[{index}]"
        data = self.table(data, where)
        name = self.get(data, "name", where, str)
        where = f"connections[{index}] {name!r}"
        profile_name = self.get(data, "profile", where, str)
        try:
            profile = find_profile(profile_name, beside=self.path.parent)
        except ProfileError as exc:
            raise self.fail(where, f"key 'profile': {exc}") from None
        if profile.camera is not None:
            raise self.fail(where, f"key 'profile': {profile_name!r} is a camera profile: a camera is named in"
                            " [vision.camera] profile, not in a connection")
        allowed = schema.CONNECTION_KEYS[profile.protocol]
        self.known_keys(data, where, {*schema.CONNECTION.key_names, *allowed})
        settings = {k: v for k, v in data.items() if k in allowed}
        self.check_settings(settings, profile, where)
        if "unit" in settings:
            profile = self.at_unit(profile, settings.pop("unit"), where)
        if "serial" in settings:  # the drivers call the serial port their "link"
            settings["link"] = settings.pop("serial")
        connection = Connection(name=name, profile=profile, settings=MappingProxyType(settings),
                                timeouts=self.timeouts(data.get("timeouts", {}), where),
                                comm_alarm=self.get(data, "comm_alarm", where, bool, True))
        if missing := [need.__name__ for need in connection.needs if need not in OFFERS[profile.protocol]]:
            raise self.fail(where, f"key 'profile': {profile_name!r} needs {', '.join(missing)} (its methods are "
                            f"called), which the {profile.protocol} driver does not offer (expected a profile "
                            "whose protocol has them: opcua)")
        return connection

    def check_settings(self, settings: Mapping, profile: Profile, where: str) -> None:
        if profile.protocol == "opcua":
            endpoint = self.get(settings, "endpoint", where, str)
            if not endpoint.startswith("opc.tcp://"):
                raise self.fail(where, f"key 'endpoint': expected opc.tcp://host:port, got {endpoint!r}")
            self.get(settings, "subscribe", where, bool, True)
            self.number(settings, "publish_ms", where, 10, 60000, 100)
            self.number(settings, "sampling_ms", where, 0, 60000, None)
            for key in ("password_file", "certificates"):  # relative to the line file
                if isinstance(settings.get(key), str):
                    settings[key] = str(self.path.parent / Path(settings[key]).expanduser())
            settings.setdefault("certificates", str(data_folder() / "opcua"))
            try:
                Security.from_settings(settings)
            except SettingsError as exc:
                raise self.fail(where, str(exc).replace("setting ", "key ", 1)) from None
            return
        if profile.protocol == "modbus-rtu" and "serial" in settings:
            self.get(settings, "serial", where, str)
            self.number(settings, "baudrate", where, 300, 4_000_000, 19200)
            self.choice(settings, "parity", where, ("N", "E", "O"), "E")
            self.number(settings, "bytesize", where, 7, 8, 8)
            self.number(settings, "stopbits", where, 1, 2, 1)
            self.choice(settings, "rs485", where, ("auto", "off"), "auto")
            return
        self.get(settings, "host", where, str)
        self.number(settings, "port", where, 1, 65535)
        if not isinstance(settings["port"], int):
            raise self.fail(where, f"key 'port': expected a whole number, got {settings['port']!r}")

    def at_unit(self, profile: Profile, unit: object, where: str) -> Profile:
        """The profile with its one device at the connection's unit id (a library device set to another address)."""
        if len(profile.devices) != 1:
            raise self.fail(where, f"key 'unit': profile {profile.name!r} has {len(profile.devices)} devices,"
                            " each with its own unit; 'unit' sets the unit of a one-device profile")
        if not isinstance(unit, int) or isinstance(unit, bool) or not 1 <= unit <= 247:
            raise self.fail(where, f"key 'unit': expected a Modbus unit id 1..247, got {unit!r}")
        return replace(profile, devices=(replace(profile.devices[0], unit=unit),))

    def timeouts(self, data: object, where: str) -> Timeouts:
        where = f"{where} timeouts"
        data = self.table(data, where)
        defaults = Timeouts()
        self.known_keys(data, where, defaults.__dataclass_fields__)
        values = {k: float(self.number(data, k, where, 0.001, 3600, getattr(defaults, k))) for k in defaults.__dataclass_fields__}
        if values["backoff_min"] > values["backoff_max"]:
            raise self.fail(where, f"backoff_min {values['backoff_min']:g} is above backoff_max {values['backoff_max']:g}")
        return Timeouts(**values)

    def all_points(self, connections: tuple[Connection, ...]) -> dict[str, tuple[str, Device, Point]]:
        points: dict[str, tuple[str, Device, Point]] = {}
        for connection in connections:
            for device in connection.profile.devices:
                for point in device.points:
                    name = f"{device.name}.{point.name}"
                    if name in points:
                        raise self.fail(f"connections {connection.name!r}",
                                        f"tag {name!r} also comes from connection {points[name][0]!r}:"
                                        " each profile's devices may be on the line once")
                    points[name] = (connection.name, device, point)
        return points

    def group(self, data: object, index: int) -> ScanGroup:
        where = f"scan_groups[{index}]"
        data = self.table(data, where)
        self.known_keys(data, where, schema.SCAN_GROUP.key_names)
        name = self.get(data, "name", where, str)
        rate = self.number(data, "rate_ms", f"{where} {name!r}", 10, 3_600_000)
        return ScanGroup(name=name, rate_s=rate / 1000)

    def memberships(self, raw_groups: list, groups: tuple[ScanGroup, ...], points: Mapping) -> dict[str, str]:
        """Each tag's group: the first whose patterns match it; tags in none are an error."""
        membership: dict[str, str] = {}
        for index, (raw, group) in enumerate(zip(raw_groups, groups)):
            where = f"scan_groups[{index}] {group.name!r}"
            patterns = self.get(raw, "tags", where, list)
            for pattern in patterns:
                if not isinstance(pattern, str):
                    raise self.fail(where, f"key 'tags': expected tag names or patterns, got {pattern!r}")
                matched = fnmatch.filter(points, pattern)
                if not matched:
                    devices = ", ".join(dict.fromkeys(f"{device.name}.*" for _, device, _ in points.values()))
                    raise self.fail(where, f"key 'tags': {pattern!r} matches no tag of the line's profiles: a tag is"
                                    f" <device>.<point> of the profiles' devices, here {devices} (`smarthall profile"
                                    " show NAME` lists them)")
                for tag in matched:
                    membership.setdefault(tag, group.name)
        if missing := sorted(set(points) - set(membership)):
            raise self.fail("[[scan_groups]]", f"tag {missing[0]!r} is in no scan group"
                            f" ({len(missing)} tags are not scanned); add a pattern such as {missing[0].split('.')[0] + '.*'!r}")
        return membership

    def tag_settings(self, settings: Mapping, tag: str, point: Point) -> float:
        deadband = 0.0
        for pattern, values in settings.items():
            if fnmatch.fnmatchcase(tag, pattern):
                where = f"[tags] {pattern!r}"
                values = self.table(values, where)
                self.known_keys(values, where, schema.TAGS.key_names)
                deadband = float(self.number(values, "deadband", where, 0, 1e9, 0.0))
        return deadband

    def alarm(self, data: object, index: int, tags: Mapping[str, Tag]) -> AlarmSpec:
        where = f"alarms[{index}]"
        data = self.table(data, where)
        self.known_keys(data, where, schema.ALARM.key_names)
        alarm_id = self.get(data, "id", where, str)
        where = f"alarms[{index}] {alarm_id!r}"
        tag_name = self.get(data, "tag", where, str)
        if tag_name not in tags:
            raise self.fail(where, Text(ko=f"키 'tag': 알 수 없는 태그 {tag_name!r} (`smarthall tags`가 라인의 태그를 보여 줍니다)",
                                        en=f"key 'tag': unknown tag {tag_name!r} (`smarthall tags` lists the line's tags)"))
        point = tags[tag_name].point
        kind = self.choice(data, "kind", where, _ALARM_KINDS)
        if kind == "discrete":
            value = self.get(data, "value", where, (bool, int, float))
            limit = None
        else:
            if point.type.value == "bool":
                raise self.fail(where, Text(
                    ko=f"키 'kind': {tag_name!r}는 bool입니다; {kind} 한계에는 숫자가 필요합니다 (kind = \"discrete\"를 쓰세요)",
                    en=f"key 'kind': {tag_name!r} is a bool; a {kind} limit needs a number (use kind = \"discrete\")"))
            limit = float(self.get(data, "limit", where, (int, float)))
            low, high = point.range
            if not low <= limit <= high:
                raise self.fail(where, Text(ko=f"키 'limit': {limit:g}은(는) {tag_name}의 범위 {low:g}..{high:g} 밖입니다",
                                            en=f"key 'limit': {limit:g} is outside {tag_name}'s range {low:g}..{high:g}"))
            value = None
        text = self.text(data, where)
        return AlarmSpec(
            id=alarm_id, tag=tag_name, kind=kind, limit=limit, value=value,
            deadband=float(self.number(data, "deadband", where, 0, 1e9, 0.0)),
            delay_s=float(self.number(data, "delay_s", where, 0, 86400, 0.0)),
            priority=Priority(self.choice(data, "priority", where, [p.value for p in Priority], "medium")),
            text_ko=text.ko, text_en=text.en,
        )

    def listen(self, data: object) -> tuple[str, int] | None:
        """[service] listen = "host:port": where clients sign in over TCP (port 0 picks one); absent: no TCP."""
        where = "[service]"
        data = self.table(data, where)
        self.known_keys(data, where, schema.SERVICE.key_names)
        raw = self.get(data, "listen", where, str, None)
        if raw is None:
            return None
        host, _, port = raw.rpartition(":")
        if not host or not port.isdigit() or int(port) > 65535:
            raise self.fail(where, f"key 'listen': expected host:port (e.g. 127.0.0.1:4860, port 0 picks one), got {raw!r}")
        return host.strip("[]"), int(port)

    def users(self, data: object, connections: tuple[Connection, ...]) -> Users | None:
        """The users file named by [users] file (its teams may name only the line's connections)."""
        if data is None:
            return None
        where = "[users]"
        data = self.table(data, where)
        self.known_keys(data, where, schema.USERS.key_names)
        name = Path(self.get(data, "file", where, str)).expanduser()
        path = self.path.parent / name
        if not path.is_file() and (LINES_DIR / name).is_file():
            path = LINES_DIR / name
        if not path.is_file():
            raise self.fail(where, f"key 'file': no users file at {path}")
        return Users.load(path, stations=[c.name for c in connections])

    def historian(self, data: object, line_name: str) -> HistorianSettings:
        where = "[historian]"
        data = self.table(data, where)
        self.known_keys(data, where, schema.HISTORIAN.key_names)
        raw = self.get(data, "path", where, str, None)
        path = default_history_path(line_name) if raw is None else (self.path.parent / Path(raw).expanduser())
        return HistorianSettings(path=path, retention_days=float(self.number(data, "retention_days", where, 0.01, 36500, 30)),
                                 flush_s=float(self.number(data, "flush_s", where, 0.05, 60, 1.0)))

    def vision(self, data: object, connections: tuple[Connection, ...], historian: HistorianSettings) -> VisionSettings:
        where = "[vision]"
        data = self.table(data, where)
        self.known_keys(data, where, schema.VISION.key_names)
        conveyor, device = self.vision_conveyor(self.get(data, "conveyor", where, str), connections)
        try:
            recipe = load_recipe(self.path.parent / self.get(data, "recipe", where, str, str(DEFAULT_RECIPE)))
        except RecipeError as exc:
            raise self.fail(where, f"key 'recipe': {exc}") from None
        where_archive = "[vision.archive]"
        archive = self.table(self.get(data, "archive", where, Mapping, {}), where_archive)
        self.known_keys(archive, where_archive, schema.ARCHIVE.key_names)
        raw_path = self.get(archive, "path", where_archive, str, None)
        pass_sample = self.number(archive, "pass_sample", where_archive, 0, 1_000_000, 50)
        if not isinstance(pass_sample, int):
            raise self.fail(where_archive, f"key 'pass_sample': expected a whole number, got {pass_sample!r}")
        return VisionSettings(
            camera=self.camera(self.table(self.get(data, "camera", where, Mapping), "[vision.camera]")),
            conveyor=conveyor, device=device, recipe=recipe,
            poll_s=self.number(data, "poll_ms", where, 1, 1000, 10) / 1000,
            idle_poll_s=self.number(data, "idle_poll_ms", where, 1, 1000, 50) / 1000,
            poll_mm=self.number(data, "poll_mm", where, 0.1, 40, 5.0),
            budget_s=self.number(data, "budget_ms", where, 10, 10_000, 250) / 1000,
            archive_path=historian.path.with_name(f"{historian.path.stem}-images") if raw_path is None
            else self.path.parent / Path(raw_path).expanduser(),
            archive_max_bytes=int(self.number(archive, "max_mb", where_archive, 0.001, 1_000_000, 50) * 1_000_000),
            pass_sample=pass_sample)

    def vision_conveyor(self, name: str, connections: tuple[Connection, ...]) -> tuple[Connection, Device]:
        """The connection named by [vision] conveyor and its device with part_at_camera, verdict_part and verdict."""
        where = "[vision]"
        connection = next((c for c in connections if c.name == name), None)
        if connection is None:
            raise self.fail(where, f"key 'conveyor': unknown connection {name!r}: expected one of "
                            f"{', '.join(c.name for c in connections)}")
        for device in connection.profile.devices if WritesBlocks in OFFERS[connection.profile.protocol] else ():
            if set(_VISION_POINTS) <= {p.name for p in device.points}:
                return connection, device
        raise self.fail(where, f"key 'conveyor': connection {name!r} has no Modbus device with "
                        f"{', '.join(_VISION_POINTS)} (expected the conveyor PLC's connection)")

    def camera(self, data: Mapping) -> CameraSettings:
        """CameraSettings: a camera profile's [camera] under this table's keys; a file source is relative to the line
        file (an int or digits: a USB index; a /dev path; a URL)."""
        where = "[vision.camera]"
        self.known_keys(data, where, schema.CAMERA.key_names)
        own = {key: value for key, value in data.items() if key != "profile"}
        try:
            checked(own)  # this table's mistakes are named here, before the profile's keys are merged under them
            base = self.camera_profile(self.get(data, "profile", where, str)) if "profile" in data else {}
            settings = CameraSettings.from_settings({**base, **own})
        except SettingsError as exc:
            raise self.fail(where, str(exc).removeprefix("camera settings: ")) from None
        source = settings.source
        if isinstance(source, str) and not source.isdigit() and "://" not in source and not device_path(source):
            return replace(settings, source=str(self.path.parent / Path(source).expanduser()))
        return settings

    def camera_profile(self, name: str) -> Mapping[str, object]:
        """The [camera] keys of a camera profile found on the search path (beside the line file first)."""
        try:
            profile = find_profile(name, self.path.parent)
        except ProfileError as exc:
            raise self.fail("[vision.camera]", f"key 'profile': {exc}") from None
        if profile.camera is None:
            raise self.fail("[vision.camera]", f"key 'profile': {name!r} is a {profile.protocol} profile: expected a"
                            " camera profile (protocol = \"uvc\", e.g. uvc_camera)")
        return profile.camera


class _AlarmsReader(_LineReader):
    """Reads only [[alarms]] tables; its complaints are AlarmsRefused, in Korean and English."""

    def __init__(self, source: str) -> None:
        super().__init__(Path(source))

    def fail(self, where: str, message: str | Text) -> Exception:
        said = Text(ko=message, en=message) if isinstance(message, str) else message
        return AlarmsRefused(f"{self.source}: {where}: {said.en}", f"{self.source}: {where}: {said.ko}")
