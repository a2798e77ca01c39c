"""Sparkplug B 3.0 topics and payloads of an edge node (sans-IO): births, data, death, commands, STATE.

Topics are ``spBv1.0/<group>/<VERB>/<edge node>[/<device>]`` and the primary
host's ``spBv1.0/STATE/<host id>``. Every payload but STATE is the official
``sparkplug_b.proto`` ``Payload``; STATE is JSON ``{"online": bool, "timestamp": ms}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from ..alarms import AlarmState
from ..tags import TagValue
from .alarm_metrics import AlarmMetric, add_birth, add_changes
from .metrics import MetricSpec, fill_metric, get_value, set_value
from .sparkplug_b_pb2 import DataType as SpDataType
from .sparkplug_b_pb2 import Payload

NAMESPACE = "spBv1.0"
REBIRTH = "Node Control/Rebirth"
STORE_PENDING = "Store/Pending"  # changes kept on disk, waiting to be sent
STORE_DROPPED = "Store/Dropped"  # changes dropped from the store (size or age bound), ever


@dataclass(frozen=True)
class Topics:
    group: str
    node: str

    def node_topic(self, verb: str) -> str:
        return f"{NAMESPACE}/{self.group}/{verb}/{self.node}"

    def device_topic(self, verb: str, device: str) -> str:
        return f"{NAMESPACE}/{self.group}/{verb}/{self.node}/{device}"

    @staticmethod
    def state(host: str) -> str:
        return f"{NAMESPACE}/STATE/{host}"

    def parse(self, topic: str) -> tuple[str, str | None] | None:
        """(verb, device or None) of a topic of this edge node; None for any other topic."""
        parts = topic.split("/")
        if len(parts) in (4, 5) and parts[0] == NAMESPACE and parts[1] == self.group and parts[3] == self.node:
            return parts[2], parts[4] if len(parts) == 5 else None
        return None


class Sequence256:
    """The payload ``seq``: 0 on each NBIRTH, one more on every message after, 255 wraps to 0."""

    def __init__(self) -> None:
        self._next = 0

    def restart(self) -> int:
        self._next = 0
        return self.next()

    def next(self) -> int:
        value, self._next = self._next, (self._next + 1) % 256
        return value


@dataclass(frozen=True)
class NodeMetrics:
    """Aliases of the node's own metrics, after the tags' (aliases are unique across the edge node)."""

    rebirth: int
    pending: int
    dropped: int

    @classmethod
    def after(cls, specs: Mapping[str, MetricSpec]) -> NodeMetrics:
        last = max((s.alias for s in specs.values()), default=0)
        return cls(last + 1, last + 2, last + 3)

    @property
    def next_alias(self) -> int:
        """The first alias after the node's own metrics (the alarms' start here)."""
        return self.dropped + 1

    def is_rebirth(self, metric: Payload.Metric) -> bool:
        named = metric.name == REBIRTH if metric.name else metric.alias == self.rebirth
        return named and metric.WhichOneof("value") == "boolean_value" and metric.boolean_value


def death(bd_seq: int, timestamp_ms: int) -> bytes:
    """NDEATH (the MQTT will, and what an intentional disconnect sends): the bdSeq metric only."""
    payload = Payload(timestamp=timestamp_ms)
    _bd_seq(payload, bd_seq)
    return payload.SerializeToString()


def node_birth(bd_seq: int, seq: int, timestamp_ms: int, aliases: NodeMetrics, pending: int, dropped: int,
               alarms: Mapping[str, AlarmMetric] = MappingProxyType({}),
               alarm_states: Mapping[str, AlarmState] = MappingProxyType({})) -> bytes:
    """NBIRTH: bdSeq, the node's own metrics (rebirth, the store's counters) and every alarm with its state."""
    payload = Payload(timestamp=timestamp_ms, seq=seq)
    _bd_seq(payload, bd_seq)
    for name, alias, datatype, value in ((REBIRTH, aliases.rebirth, SpDataType.Boolean, False),
                                         (STORE_PENDING, aliases.pending, SpDataType.UInt64, pending),
                                         (STORE_DROPPED, aliases.dropped, SpDataType.UInt64, dropped)):
        metric = payload.metrics.add(name=name, alias=alias, timestamp=timestamp_ms, datatype=datatype)
        set_value(metric, datatype, value)
    add_birth(payload, alarms, alarm_states, timestamp_ms)
    return payload.SerializeToString()


def node_data(seq: int, timestamp_ms: int, aliases: NodeMetrics, pending: int, dropped: int) -> bytes:
    payload = Payload(timestamp=timestamp_ms, seq=seq)
    for alias, value in ((aliases.pending, pending), (aliases.dropped, dropped)):
        payload.metrics.add(alias=alias, timestamp=timestamp_ms, datatype=SpDataType.UInt64, long_value=value)
    return payload.SerializeToString()


def alarm_data(seq: int, timestamp_ms: int, alarms: Mapping[str, AlarmMetric],
               changes: Iterable[tuple[str, str, float]]) -> bytes:
    """NDATA of alarm state changes: (alarm id, state, timestamp s), by alias."""
    payload = Payload(timestamp=timestamp_ms, seq=seq)
    add_changes(payload, alarms, changes)
    return payload.SerializeToString()


def device_birth(seq: int, timestamp_ms: int, specs: Iterable[MetricSpec], values: Mapping[str, TagValue]) -> bytes:
    """DBIRTH: every metric of the device with name, alias, datatype, unit, range and its latest value."""
    payload = Payload(timestamp=timestamp_ms, seq=seq)
    for spec in specs:
        fill_metric(payload.metrics.add(), spec, values[spec.tag], birth=True)
    return payload.SerializeToString()


def device_data(seq: int, timestamp_ms: int, changes: Sequence[tuple[MetricSpec, TagValue, bool]],
                historical: bool = False) -> bytes:
    """DDATA: the changes by alias; (spec, value, with_quality) where with_quality sends Quality even when GOOD."""
    payload = Payload(timestamp=timestamp_ms, seq=seq)
    for spec, value, with_quality in changes:
        fill_metric(payload.metrics.add(), spec, value, birth=False, historical=historical, with_quality=with_quality)
    return payload.SerializeToString()


def parse_state(data: bytes) -> tuple[bool, int]:
    """(online, timestamp) of a Sparkplug 3.0 STATE message; ValueError if it is not one."""
    try:
        state = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError("STATE payload is not JSON") from None
    if not isinstance(state, dict) or not isinstance(state.get("online"), bool) \
            or not isinstance(state.get("timestamp"), int):
        raise ValueError(f"STATE payload: expected {{\"online\": bool, \"timestamp\": int}}, got {data[:80]!r}")
    return state["online"], state["timestamp"]


def rebirth_command(timestamp_ms: int) -> bytes:
    """The NCMD payload a host application sends to ask an edge node for its births again (by name)."""
    payload = Payload(timestamp=timestamp_ms)
    payload.metrics.add(name=REBIRTH, timestamp=timestamp_ms, datatype=SpDataType.Boolean, boolean_value=True)
    return payload.SerializeToString()


def state(online: bool, timestamp_ms: int) -> bytes:
    """A host application's STATE payload (the centre and the tests publish it)."""
    return json.dumps({"online": online, "timestamp": timestamp_ms}).encode()


def bd_seq_of(data: bytes) -> int | None:
    """The bdSeq metric of an NBIRTH or NDEATH payload."""
    payload = Payload.FromString(data)
    return next((get_value(m, SpDataType.Int64) for m in payload.metrics if m.name == "bdSeq"), None)


def _bd_seq(payload: Payload, bd_seq: int) -> None:
    payload.metrics.add(name="bdSeq", timestamp=payload.timestamp, datatype=SpDataType.Int64, long_value=bd_seq)
