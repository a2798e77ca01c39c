"""The line's alarms as node metrics of the edge node, and the acknowledge command (sans-IO).

Each configured alarm is two metrics of the edge node, after the tags' and node's aliases:

- ``Alarms/<id>/State`` (String): the alarm's state (``normal``, ``active-unacknowledged``,
  ``active-acknowledged``, ``returned-unacknowledged``, ``shelved``, ``out-of-service``); its
  birth carries the properties ``tag``, ``priority``, ``text_ko`` and ``text_en``;
- ``Alarms/<id>/Ack`` (Boolean, writable): an NCMD setting it true acknowledges the alarm as the
  line's command user (the same role check and write log as any acknowledge).

NBIRTH carries every alarm's state; NDATA each state change. Sparkplug 3.0 leaves alarms to the
application's metrics (there is no alarm message type); a folder per alarm keeps them apart from
the tags, which are device metrics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..alarms import AlarmSpec, AlarmState
from .metrics import CommandError, add_property, get_value
from .sparkplug_b_pb2 import DataType as SpDataType
from .sparkplug_b_pb2 import Payload

FOLDER = "Alarms"
STATE = "State"
ACK = "Ack"


@dataclass(frozen=True)
class AlarmMetric:
    """One alarm's two metrics: the state's alias and the acknowledge command's."""

    spec: AlarmSpec
    state_alias: int
    ack_alias: int

    @property
    def state_name(self) -> str:
        return f"{FOLDER}/{self.spec.id}/{STATE}"

    @property
    def ack_name(self) -> str:
        return f"{FOLDER}/{self.spec.id}/{ACK}"


def alarm_catalogue(specs: Iterable[AlarmSpec], first_alias: int) -> dict[str, AlarmMetric]:
    """Every alarm's metrics, by alarm id; aliases from first_alias in alarm-id order."""
    by_id = {spec.id: spec for spec in specs}
    return {alarm_id: AlarmMetric(by_id[alarm_id], first_alias + 2 * i, first_alias + 2 * i + 1)
            for i, alarm_id in enumerate(sorted(by_id))}


def add_birth(payload: Payload, metrics: Mapping[str, AlarmMetric], states: Mapping[str, AlarmState],
              timestamp_ms: int) -> None:
    """The alarms' metrics with names, properties and their states, into an NBIRTH payload."""
    for alarm_id, metric in metrics.items():
        state = payload.metrics.add(name=metric.state_name, alias=metric.state_alias, timestamp=timestamp_ms,
                                    datatype=SpDataType.String, string_value=str(states[alarm_id].state))
        spec = metric.spec
        for key, value in (("tag", spec.tag), ("priority", str(spec.priority)), ("text_ko", spec.text_ko),
                           ("text_en", spec.text_en)):
            add_property(state, key, SpDataType.String, value)
        ack = payload.metrics.add(name=metric.ack_name, alias=metric.ack_alias, timestamp=timestamp_ms,
                                  datatype=SpDataType.Boolean, boolean_value=False)
        add_property(ack, "readOnly", SpDataType.Boolean, False)


def add_changes(payload: Payload, metrics: Mapping[str, AlarmMetric], changes: Iterable[tuple[str, str, float]]) -> None:
    """(alarm id, state, timestamp s) changes by alias, into an NDATA payload."""
    for alarm_id, state, timestamp in changes:
        payload.metrics.add(alias=metrics[alarm_id].state_alias, timestamp=int(timestamp * 1000),
                            datatype=SpDataType.String, string_value=state)


def acknowledgements(payload: Payload, metrics: Mapping[str, AlarmMetric]) -> list[str]:
    """The alarm ids an NCMD asks to acknowledge (``Alarms/<id>/Ack`` = true, by name or alias).

    Metrics outside the Alarms folder are left to the caller; CommandError for an Ack metric
    naming no configured alarm or carrying no true Boolean.
    """
    by_alias = {m.ack_alias: m for m in metrics.values()}
    by_name = {m.ack_name: m for m in metrics.values()}
    wanted = []
    for metric in payload.metrics:
        if metric.name:
            if not metric.name.startswith(f"{FOLDER}/"):
                continue  # another node metric (Node Control/Rebirth)
            alarm = by_name.get(metric.name)
            if alarm is None:
                raise CommandError(f"NCMD: {metric.name} is no alarm's {ACK} metric")
        else:
            alarm = by_alias.get(metric.alias)
            if alarm is None:
                continue
        if get_value(metric, SpDataType.Boolean) is not True:
            raise CommandError(f"NCMD: {alarm.ack_name} must be the Boolean true")
        wanted.append(alarm.spec.id)
    return wanted


def ack_command(alarm_id: str, timestamp_ms: int) -> bytes:
    """The NCMD payload a host application sends to acknowledge an alarm (by name: any host can make it)."""
    payload = Payload(timestamp=timestamp_ms)
    payload.metrics.add(name=f"{FOLDER}/{alarm_id}/{ACK}", timestamp=timestamp_ms, datatype=SpDataType.Boolean,
                        boolean_value=True)
    return payload.SerializeToString()
