"""Alarms as Sparkplug node metrics (birth, changes, the Ack command) and what the centre makes of them: the
alarm list, OEE over its watch, trends (sans-IO)."""

from __future__ import annotations

import pytest

from smarthall.centre.model import HostModel
from smarthall.centre.oee import Counters, oee
from smarthall.devices.quality import Quality
from smarthall.edge.alarms import AlarmKind, AlarmManager, AlarmSpec, Priority
from smarthall.edge.sparkplug import alarm_metrics, payloads
from smarthall.edge.sparkplug.metrics import CommandError
from smarthall.edge.sparkplug.sparkplug_b_pb2 import DataType, Payload
from smarthall.edge.tags import TagValue

SPECS = (AlarmSpec("conveyor.jam", "conveyor.fault", AlarmKind.DISCRETE, "벨트 걸림", "belt jammed", value=True,
                   priority=Priority.HIGH),
         AlarmSpec("process.hot", "process.temperature", AlarmKind.HI, "온도 높음", "temperature high", limit=200))
NODE = payloads.NodeMetrics(1, 2, 3)
ALARMS = alarm_metrics.alarm_catalogue(SPECS, NODE.next_alias)


def birth(manager: AlarmManager) -> bytes:
    return payloads.node_birth(0, 0, 1000, NODE, 0, 0, ALARMS, {s.alarm_id: s for s in manager.states()})


def test_every_alarm_is_born_with_its_state_and_texts_and_aliases_follow_the_node_metrics():
    manager = AlarmManager(SPECS)
    manager.update(TagValue("conveyor.fault", True, Quality.GOOD, 5.0))
    metrics = {m.name: m for m in Payload.FromString(birth(manager)).metrics}
    jam = metrics["Alarms/conveyor.jam/State"]
    properties = {k: v.string_value for k, v in zip(jam.properties.keys, jam.properties.values)}
    assert jam.string_value == "active-unacknowledged"
    assert properties == {"tag": "conveyor.fault", "priority": "high", "text_ko": "벨트 걸림", "text_en": "belt jammed"}
    assert metrics["Alarms/process.hot/State"].string_value == "normal"
    assert metrics["Alarms/process.hot/Ack"].datatype == DataType.Boolean
    aliases = [m.alias for m in metrics.values() if m.name != "bdSeq"]
    assert sorted(aliases) == list(range(1, 8))  # rebirth, pending, dropped, then two per alarm


def ack(alias: int | None = None, name: str | None = None, value=True) -> Payload:
    payload = Payload(timestamp=1)
    metric = payload.metrics.add(datatype=DataType.Boolean, boolean_value=value)
    if name:
        metric.name = name
    else:
        metric.alias = alias
    return payload


def test_an_ncmd_acknowledges_by_name_or_alias_and_refuses_what_is_no_ack():
    assert alarm_metrics.acknowledgements(Payload.FromString(alarm_metrics.ack_command("process.hot", 1)),
                                          ALARMS) == ["process.hot"]
    assert alarm_metrics.acknowledgements(ack(alias=ALARMS["conveyor.jam"].ack_alias), ALARMS) == ["conveyor.jam"]
    assert alarm_metrics.acknowledgements(ack(name=payloads.REBIRTH), ALARMS) == []  # not the alarms' business
    with pytest.raises(CommandError, match="Alarms/nope/Ack is no alarm's Ack metric"):
        alarm_metrics.acknowledgements(ack(name="Alarms/nope/Ack"), ALARMS)
    with pytest.raises(CommandError, match="Alarms/process.hot/State is no alarm's Ack metric"):
        alarm_metrics.acknowledgements(ack(name="Alarms/process.hot/State"), ALARMS)
    with pytest.raises(CommandError, match="must be the Boolean true"):
        alarm_metrics.acknowledgements(ack(name="Alarms/process.hot/Ack", value=False), ALARMS)


def test_the_centre_lists_active_alarms_of_every_line_most_urgent_first_and_follows_their_changes():
    model = HostModel()
    manager = AlarmManager(SPECS)
    model.apply("spBv1.0/g/NBIRTH/a", birth(manager), 10.0)
    model.apply("spBv1.0/g/NBIRTH/b", birth(manager), 10.0)
    assert model.alarms() == []
    model.apply("spBv1.0/g/NDATA/a", payloads.alarm_data(1, 2, ALARMS, [("process.hot", "active-unacknowledged", 11)]),
                11.0)
    model.apply("spBv1.0/g/NDATA/b", payloads.alarm_data(1, 2, ALARMS, [("conveyor.jam", "active-unacknowledged", 12)]),
                12.0)
    listed = [(line.node, alarm.alarm_id, alarm.priority, alarm.text("ko")) for line, alarm in model.alarms()]
    assert listed == [("b", "conveyor.jam", "high", "벨트 걸림"), ("a", "process.hot", "medium", "온도 높음")]
    model.apply("spBv1.0/g/NDATA/b", payloads.alarm_data(2, 3, ALARMS, [("conveyor.jam", "active-acknowledged", 13)]),
                13.0)
    model.apply("spBv1.0/g/NDATA/a", payloads.alarm_data(2, 3, ALARMS, [("process.hot", "normal", 14)]), 14.0)
    (line, alarm), = model.alarms()
    assert (line.node, alarm.state, alarm.since, alarm.unacknowledged) == ("b", "active-acknowledged", 13.0, False)
    assert "Alarms/conveyor.jam/State" not in line.values  # alarms are not shown as tags


def counters(at, run_s, parts_in, good, rejected, interval_s=2.0) -> Counters:
    return Counters(at, run_s, parts_in, good, rejected, interval_s)


def test_oee_is_availability_times_performance_times_quality_over_the_window():
    result = oee(counters(0, 100, 10, 8, 1), counters(100, 180, 40, 35, 4))
    assert result.availability == pytest.approx(0.8)  # 80 s of motor run in 100 s
    assert result.performance == pytest.approx(30 * 2.0 / 80)  # 30 parts in at one per 2 s ideal, in 80 s run
    assert result.quality == pytest.approx(27 / 30)
    assert result.oee == pytest.approx(0.8 * 0.75 * 0.9)
    idle = oee(counters(0, 100, 10, 8, 1), counters(50, 100, 10, 8, 1))
    assert (idle.availability, idle.performance, idle.quality, idle.oee) == (0.0, None, None, None)


def device_birth(values: dict[str, tuple[int, float]]) -> bytes:
    payload = Payload(timestamp=1, seq=1)
    for name, (alias, value) in values.items():
        metric = payload.metrics.add(name=name, alias=alias, datatype=DataType.Double)
        metric.double_value = value
    return payload.SerializeToString()


def device_data(changes: dict[int, float]) -> bytes:
    payload = Payload(timestamp=2, seq=2)
    for alias, value in changes.items():
        payload.metrics.add(alias=alias, datatype=DataType.Double, double_value=value)
    return payload.SerializeToString()


COUNTER_METRICS = {"conveyor/run_seconds": (10, 100), "conveyor/parts_in": (11, 10), "conveyor/parts_good": (12, 8),
                   "conveyor/parts_rejected": (13, 1), "feeder/feed_interval_ms": (14, 2000)}


def test_the_centres_oee_window_starts_at_the_first_counters_and_again_after_a_counter_goes_back():
    model = HostModel()
    model.apply("spBv1.0/g/NBIRTH/a", payloads.node_birth(0, 0, 1, NODE, 0, 0), 0.0)
    model.apply("spBv1.0/g/DBIRTH/a/conveyor", device_birth(COUNTER_METRICS), 0.0)
    line = model.lines["g", "a"]
    model.apply("spBv1.0/g/DDATA/a/conveyor", device_data({10: 180, 11: 40, 12: 35, 13: 4}), 100.0)
    assert line.oee(100.0).oee == pytest.approx(0.8 * 0.75 * 0.9)
    assert [v for _, v in line.trends["conveyor/parts_good"]] == [8, 35]
    model.apply("spBv1.0/g/DDATA/a/conveyor", device_data({10: 5, 11: 1, 12: 1, 13: 0}), 200.0)  # the line restarted
    assert line.baseline.at == 200.0 and line.oee(200.0).availability is None  # a window of no time yet


def test_data_from_a_node_born_before_the_centre_listened_asks_for_its_rebirth_and_its_birth_is_read():
    model = HostModel()
    data = payloads.alarm_data(5, 2, ALARMS, [("process.hot", "active-unacknowledged", 11)])
    assert model.apply("spBv1.0/g/NDATA/a", data, 1.0) == ("g", "a")  # aliases unknown: nothing read
    assert model.lines["g", "a"].alarms == {} and not model.lines["g", "a"].online
    ask = Payload.FromString(payloads.rebirth_command(3))
    assert NODE.is_rebirth(ask.metrics[0])  # what the centre sends is what the node takes as a rebirth
    assert model.apply("spBv1.0/g/NBIRTH/a", birth(AlarmManager(SPECS)), 2.0) is None
    assert model.apply("spBv1.0/g/NDATA/a", data, 3.0) is None
    assert model.lines["g", "a"].online and model.lines["g", "a"].alarms["process.hot"].state == "active-unacknowledged"
