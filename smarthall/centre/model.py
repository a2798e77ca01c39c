"""What the centre knows of each edge node (line), from the Sparkplug messages it receives (sans-IO).

A line is online from its NBIRTH until an NDEATH with the same bdSeq (an older NDEATH, delivered
late by the broker after a new birth, is ignored, as Sparkplug 3.0 says). Data from a node whose NBIRTH
this host never saw (the host joined after it) cannot be read without the births' aliases: `apply` names
that node, for the host to ask it for a rebirth (Sparkplug 3.0 host applications do). Metrics are kept by
name; DATA messages name them by alias, resolved through the births. Each numeric metric keeps a
trend of its last `TREND_POINTS` live values. Alarms are the node's ``Alarms/<id>/State`` metrics
(edge.sparkplug.alarm_metrics). Parts, energy and OEE come from the simulated line's tags
(see `Oee`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from smarthall.edge.sparkplug.alarm_metrics import ACK, FOLDER, STATE
from smarthall.edge.sparkplug.metrics import get_value
from smarthall.edge.sparkplug.payloads import NAMESPACE
from smarthall.edge.sparkplug.sparkplug_b_pb2 import Payload

from .oee import Counters, Oee, oee

TREND_POINTS = 300  # per metric: 5 minutes of 1 s changes, or 30 s of 100 ms ones
ANNUNCIATED = ("active-unacknowledged", "active-acknowledged", "returned-unacknowledged")
PRIORITY_ORDER = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


@dataclass
class AlarmView:
    """One alarm of a line, from its birth properties and state changes."""

    alarm_id: str
    tag: str = ""
    priority: str = "medium"
    text_ko: str = ""
    text_en: str = ""
    state: str = "normal"
    since: float = 0.0

    @property
    def annunciated(self) -> bool:
        return self.state in ANNUNCIATED

    @property
    def unacknowledged(self) -> bool:
        return self.state.endswith("-unacknowledged")

    def text(self, lang: str) -> str:
        return self.text_ko if lang == "ko" else self.text_en


@dataclass
class LineView:
    group: str
    node: str
    online: bool = False
    since: float = 0.0
    bd_seq: int | None = None
    values: dict[str, object] = field(default_factory=dict)  # metric name -> latest live value
    units: dict[str, str] = field(default_factory=dict)  # metric name -> engineering unit (from the births)
    qualities: dict[str, int] = field(default_factory=dict)  # metric name -> Sparkplug quality, when not GOOD
    trends: dict[str, deque[tuple[float, float]]] = field(default_factory=dict)  # metric -> (arrival s, value)
    alarms: dict[str, AlarmView] = field(default_factory=dict)
    baseline: Counters | None = None  # the OEE window's start
    _names: dict[int, tuple[str, int]] = field(default_factory=dict)  # alias -> (name, datatype)

    @property
    def key(self) -> str:
        return f"{self.group}/{self.node}"

    def value(self, name: str) -> float | None:
        value = self.values.get(name)
        return None if value is None or isinstance(value, str) else float(value)

    @property
    def parts_good(self) -> float | None:
        return self.value("conveyor/parts_good")

    @property
    def parts_rejected(self) -> float | None:
        return self.value("conveyor/parts_rejected")

    @property
    def kwh(self) -> float | None:
        meters = [v for n, v in self.values.items() if n.startswith("energy/") and n.endswith("/energy_kwh")
                  and isinstance(v, (int, float))]
        return float(sum(meters)) if meters else None

    @property
    def kwh_per_good_part(self) -> float | None:
        good, kwh = self.parts_good, self.kwh
        return None if not good or kwh is None else kwh / good

    def counters(self, now: float) -> Counters | None:
        """The line's OEE counters now; None while one of them is unknown."""
        names = ("conveyor/run_seconds", "conveyor/parts_in", "conveyor/parts_good", "conveyor/parts_rejected",
                 "feeder/feed_interval_ms")
        values = [self.value(name) for name in names]
        if any(v is None for v in values):
            return None
        run_s, parts_in, good, rejected, interval_ms = values
        return Counters(now, run_s, parts_in, good, rejected, interval_ms / 1000)  # type: ignore[operator]

    def oee(self, now: float) -> Oee | None:
        current = self.counters(now)
        return None if current is None or self.baseline is None else oee(self.baseline, current)

    def active_alarms(self) -> list[AlarmView]:
        return sorted((a for a in self.alarms.values() if a.annunciated),
                      key=lambda a: (PRIORITY_ORDER.get(a.priority, 9), -a.since))


class HostModel:
    """Every edge node seen on the broker, by (group, node)."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str, str], LineView] = {}

    def apply(self, topic: str, data: bytes, now: float) -> tuple[str, str] | None:
        """Take in one message; the (group, node) to ask for a rebirth when it is data of an unborn node."""
        parts = topic.split("/")
        if len(parts) not in (4, 5) or parts[0] != NAMESPACE or parts[1] == "STATE":
            return None
        group, verb, node = parts[1], parts[2], parts[3]
        if verb not in ("NBIRTH", "NDEATH", "DBIRTH", "NDATA", "DDATA"):
            return None
        try:
            payload = Payload.FromString(data)
        except Exception:  # a malformed payload is skipped, never fatal
            return None
        line = self.lines.setdefault((group, node), LineView(group, node))
        if verb == "NDEATH":
            bd_seq = next((m.long_value for m in payload.metrics if m.name == "bdSeq"), None)
            if line.online and bd_seq == line.bd_seq:
                line.online, line.since = False, now
            return None
        if verb != "NBIRTH" and line.bd_seq is None:
            return group, node  # its births went out before this host listened
        if verb == "NBIRTH":
            line.online, line.since, line._names = True, now, {}
            line.bd_seq = next((m.long_value for m in payload.metrics if m.name == "bdSeq"), None)
        for metric in payload.metrics:
            if metric.name:
                line._names[metric.alias] = (metric.name, metric.datatype)
                _birth_properties(line, metric, now)
            name, datatype = line._names.get(metric.alias, (metric.name, metric.datatype))
            if name and not metric.is_historical:
                _live(line, name, get_value(metric, metric.datatype or datatype), _quality(metric), now)
        if line.baseline is None or _went_back(line.baseline, line.counters(now)):
            line.baseline = line.counters(now)
        return None

    def alarms(self) -> list[tuple[LineView, AlarmView]]:
        """Every annunciated alarm of every line, most urgent first, then newest."""
        return sorted(((line, alarm) for line in self.lines.values() for alarm in line.active_alarms()),
                      key=lambda la: (PRIORITY_ORDER.get(la[1].priority, 9), -la[1].since, la[0].key))


def _birth_properties(line: LineView, metric: Payload.Metric, now: float) -> None:
    properties = {key: value.string_value for key, value in zip(metric.properties.keys, metric.properties.values)
                  if value.WhichOneof("value") == "string_value"}
    if "engUnit" in properties:
        line.units[metric.name] = properties["engUnit"]
    alarm_id = _alarm_id(metric.name)
    if alarm_id is not None:
        line.alarms[alarm_id] = AlarmView(alarm_id, properties.get("tag", ""), properties.get("priority", "medium"),
                                          properties.get("text_ko", alarm_id), properties.get("text_en", alarm_id),
                                          since=now)


def _live(line: LineView, name: str, value, quality: int | None, now: float) -> None:
    alarm_id = _alarm_id(name)
    if alarm_id is not None:
        alarm = line.alarms.setdefault(alarm_id, AlarmView(alarm_id))
        if alarm.state != value:
            alarm.state, alarm.since = str(value), now
        return
    if name.startswith(f"{FOLDER}/"):
        return  # an alarm's Ack command metric
    line.values[name] = value
    if quality is None:
        line.qualities.pop(name, None)
    else:
        line.qualities[name] = quality
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        line.trends.setdefault(name, deque(maxlen=TREND_POINTS)).append((now, float(value)))


def _alarm_id(name: str) -> str | None:
    """The alarm id of an ``Alarms/<id>/State`` metric name; None for any other."""
    prefix, suffix = f"{FOLDER}/", f"/{STATE}"
    if name.startswith(prefix) and name.endswith(suffix) and not name.endswith(f"/{ACK}"):
        return name[len(prefix):-len(suffix)]
    return None


def _quality(metric: Payload.Metric) -> int | None:
    """The metric's Sparkplug Quality property when it is not GOOD (192); None when GOOD or not sent."""
    for key, value in zip(metric.properties.keys, metric.properties.values):
        if key == "Quality" and value.int_value != 192:
            return value.int_value
    return None


def _went_back(baseline: Counters, current: Counters | None) -> bool:
    """A counter lower than at the window's start: the line restarted, the window starts again."""
    return current is not None and current.went_back_from(baseline)
