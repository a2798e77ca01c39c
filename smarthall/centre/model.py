"""What the centre knows of each edge node (line), from the Sparkplug messages it receives (sans-IO).

A line is online from its NBIRTH until an NDEATH with the same bdSeq (an older NDEATH, delivered
late by the broker after a new birth, is ignored, as Sparkplug 3.0 says). Metrics are kept by
name; DATA messages name them by alias, resolved through the births. Parts and energy come from
the simulated line's tags: conveyor/parts_good, conveyor/parts_rejected and every energy/*/energy_kwh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from smarthall.edge.sparkplug.metrics import get_value
from smarthall.edge.sparkplug.payloads import NAMESPACE
from smarthall.edge.sparkplug.sparkplug_b_pb2 import Payload


@dataclass
class LineView:
    group: str
    node: str
    online: bool = False
    since: float = 0.0
    bd_seq: int | None = None
    values: dict[str, object] = field(default_factory=dict)  # metric name -> latest live value
    _names: dict[int, tuple[str, int]] = field(default_factory=dict)  # alias -> (name, datatype)

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


class HostModel:
    """Every edge node seen on the broker, by (group, node)."""

    def __init__(self) -> None:
        self.lines: dict[tuple[str, str], LineView] = {}

    def apply(self, topic: str, data: bytes, now: float) -> None:
        parts = topic.split("/")
        if len(parts) not in (4, 5) or parts[0] != NAMESPACE or parts[1] == "STATE":
            return
        group, verb, node = parts[1], parts[2], parts[3]
        if verb not in ("NBIRTH", "NDEATH", "DBIRTH", "NDATA", "DDATA"):
            return
        try:
            payload = Payload.FromString(data)
        except Exception:  # a malformed payload is skipped, never fatal
            return
        line = self.lines.setdefault((group, node), LineView(group, node))
        if verb == "NDEATH":
            bd_seq = next((m.long_value for m in payload.metrics if m.name == "bdSeq"), None)
            if line.online and bd_seq == line.bd_seq:
                line.online, line.since = False, now
            return
        if verb == "NBIRTH":
            line.online, line.since, line._names = True, now, {}
            line.bd_seq = next((m.long_value for m in payload.metrics if m.name == "bdSeq"), None)
        for metric in payload.metrics:
            if metric.name:
                line._names[metric.alias] = (metric.name, metric.datatype)
            name, datatype = line._names.get(metric.alias, (metric.name, metric.datatype))
            if name and not metric.is_historical:
                line.values[name] = get_value(metric, metric.datatype or datatype)
