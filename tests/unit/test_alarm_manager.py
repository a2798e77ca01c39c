"""AlarmManager: tag values and operator commands in, AlarmEvents out; time is always passed in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.quality import Quality
from smarthall.edge.alarms import (
    AlarmError,
    AlarmEvent,
    AlarmKind,
    AlarmManager,
    AlarmSpec,
    Event,
    InvalidAlarmSpec,
    Priority,
    State,
    UnknownAlarm,
)
from smarthall.edge.tags import TagValue

TEMP = "process.temperature"
FAULT = "conveyor.fault"


def hi(alarm_id: str = "temp.hi", **fields) -> AlarmSpec:
    return AlarmSpec(**({"id": alarm_id, "tag": TEMP, "kind": "hi", "limit": 80.0, "deadband": 2.0,
                         "priority": "high", "text_ko": "온도 높음", "text_en": "Temperature high"} | fields))


def value(v, t: float, quality: Quality = Quality.GOOD, tag: str = TEMP) -> TagValue:
    return TagValue(tag, v, quality, t)


def kinds(events: list[AlarmEvent]) -> list[tuple[str, Event, State]]:
    return [(e.alarm_id, e.event, e.state) for e in events]


def test_hi_alarm_activates_with_a_full_event():
    manager = AlarmManager([hi()])
    assert manager.update(value(79.9, 1.0)) == []
    assert manager.update(value(80.5, 2.0)) == [AlarmEvent(
        alarm_id="temp.hi", tag=TEMP, kind=AlarmKind.HI, event=Event.ACTIVATE, state=State.UNACK, value=80.5,
        priority=Priority.HIGH, user="", comment="", timestamp=2.0)]
    assert manager.update(value(85.0, 3.0)) == []


def test_returns_only_past_the_deadband_then_waits_for_ack():
    manager = AlarmManager([hi()])
    manager.update(value(81.0, 1.0))
    assert manager.update(value(78.5, 2.0)) == []
    assert kinds(manager.update(value(77.9, 3.0))) == [("temp.hi", Event.RETURN, State.RTN_UNACK)]
    assert [s.state for s in manager.active()] == [State.RTN_UNACK]
    assert kinds(manager.ack("temp.hi", "kim", "checked", now=4.0)) == [("temp.hi", Event.ACKNOWLEDGE, State.NORMAL)]
    assert manager.active() == []


@pytest.mark.parametrize(("kind", "limit", "trip", "hold", "clear"), [
    ("hihi", 90.0, 90.0, 88.5, 87.9), ("lo", 10.0, 10.0, 11.5, 12.1), ("lolo", 5.0, 4.0, 6.9, 7.1),
])
def test_other_limit_kinds(kind, limit, trip, hold, clear):
    manager = AlarmManager([hi(kind=kind, limit=limit)])
    assert kinds(manager.update(value(trip, 1.0))) == [("temp.hi", Event.ACTIVATE, State.UNACK)]
    assert manager.update(value(hold, 2.0)) == []
    assert kinds(manager.update(value(clear, 3.0))) == [("temp.hi", Event.RETURN, State.RTN_UNACK)]


def test_hi_and_hihi_on_one_tag_both_fire():
    manager = AlarmManager([hi(), hi("temp.hihi", kind="hihi", limit=95.0, priority="urgent")])
    assert [e.alarm_id for e in manager.update(value(96.0, 1.0))] == ["temp.hi", "temp.hihi"]
    assert [s.alarm_id for s in manager.active()] == ["temp.hihi", "temp.hi"]


def test_discrete_alarm_on_conveyor_fault():
    manager = AlarmManager([AlarmSpec(id="conveyor.fault", tag=FAULT, kind="discrete", value=True,
                                      text_ko="컨베이어 고장", text_en="Conveyor fault")])
    assert manager.update(value(False, 1.0, tag=FAULT)) == []
    assert kinds(manager.update(value(True, 2.0, tag=FAULT))) == [("conveyor.fault", Event.ACTIVATE, State.UNACK)]
    assert kinds(manager.update(value(False, 3.0, tag=FAULT))) == [("conveyor.fault", Event.RETURN, State.RTN_UNACK)]


def test_discrete_alarm_on_a_string_tag():
    manager = AlarmManager([AlarmSpec(id="batch.fault", tag="process.state", kind="discrete", value="fault",
                                      text_ko="배치 고장", text_en="Batch fault")])
    assert manager.update(value("running", 1.0, tag="process.state")) == []
    [event] = manager.update(value("fault", 2.0, tag="process.state"))
    assert (event.event, event.value) == (Event.ACTIVATE, "fault")


def test_other_tags_are_ignored():
    assert AlarmManager([hi()]).update(value(500.0, 1.0, tag="ambient.temperature")) == []


def test_on_delay_needs_the_condition_to_hold():
    manager = AlarmManager([hi(delay_s=5.0)])
    assert manager.update(value(85.0, 0.0)) == []
    assert manager.update(value(85.0, 4.0)) == []
    assert manager.update(value(70.0, 4.5)) == []  # dipped: the delay starts over
    assert manager.update(value(85.0, 6.0)) == []
    assert manager.tick(10.9) == []
    assert kinds(manager.tick(11.0)) == [("temp.hi", Event.ACTIVATE, State.UNACK)]  # no new value needed
    assert manager.tick(20.0) == []


def test_off_delay_holds_the_alarm_until_the_condition_stayed_false():
    manager = AlarmManager([hi(off_delay_s=3.0)])
    manager.update(value(85.0, 0.0))
    assert manager.update(value(70.0, 1.0)) == []
    assert manager.update(value(70.0, 3.9)) == []
    events = manager.update(value(70.0, 4.0))
    assert kinds(events) == [("temp.hi", Event.RETURN, State.RTN_UNACK)] and events[0].timestamp == 4.0


@pytest.mark.parametrize("quality", [Quality.BAD, Quality.STALE])
def test_bad_quality_never_activates_and_never_clears(quality):
    manager = AlarmManager([hi()])
    assert manager.update(value(500.0, 1.0, quality)) == []
    assert manager.state("temp.hi").input_bad
    manager.update(value(90.0, 2.0))
    assert not manager.state("temp.hi").input_bad
    assert manager.update(value(0.0, 3.0, quality)) == []
    assert manager.update(value(None, 4.0, quality)) == []
    assert manager.state("temp.hi").state is State.UNACK


def test_bad_quality_cancels_a_running_on_delay():
    manager = AlarmManager([hi(delay_s=5.0)])
    manager.update(value(85.0, 0.0))
    manager.update(value(85.0, 3.0, Quality.BAD))
    assert manager.tick(100.0) == []
    manager.update(value(85.0, 101.0))
    assert manager.tick(105.9) == [] and len(manager.tick(106.0)) == 1


def test_ack_records_user_and_comment_and_is_ignored_when_nothing_to_ack():
    manager = AlarmManager([hi()])
    assert manager.ack("temp.hi", "kim", "", now=1.0) == []
    manager.update(value(90.0, 2.0))
    [event] = manager.ack("temp.hi", "kim", "fan on", now=3.0)
    assert (event.event, event.state, event.user, event.comment, event.timestamp) == (
        Event.ACKNOWLEDGE, State.ACKED, "kim", "fan on", 3.0)
    assert manager.ack("temp.hi", "lee", now=4.0) == []


def test_unknown_alarm_is_a_clear_error():
    manager = AlarmManager([hi()])
    for command in (manager.ack, manager.unshelve, manager.remove_from_service, manager.return_to_service):
        with pytest.raises(UnknownAlarm, match="no alarm 'nope'; configured: temp.hi"):
            command("nope", "kim", now=1.0)
    with pytest.raises(AlarmError, match="'nope'"):
        manager.shelve("nope", "kim", 1.0, 60.0)
    with pytest.raises(AlarmError, match="'nope'"):
        manager.comment("nope", "kim", "text", 1.0)
    with pytest.raises(AlarmError, match="'nope'"):
        manager.state("nope")


def test_timed_shelve_hides_then_unshelves_on_tick():
    manager = AlarmManager([hi()])
    manager.update(value(90.0, 1.0))
    assert kinds(manager.shelve("temp.hi", "kim", 2.0, 60.0)) == [("temp.hi", Event.SHELVE, State.SHELVED)]
    assert manager.state("temp.hi").shelved_until == 62.0
    assert manager.active() == []
    assert kinds(manager.update(value(70.0, 3.0))) == [("temp.hi", Event.RETURN, State.SHELVED)]
    assert kinds(manager.update(value(90.0, 4.0))) == [("temp.hi", Event.ACTIVATE, State.SHELVED)]
    assert manager.ack("temp.hi", "kim", now=5.0) == []
    assert manager.tick(61.9) == []
    [event] = manager.tick(62.0)
    assert (event.event, event.state, event.user, event.timestamp) == (Event.UNSHELVE, State.UNACK, "", 62.0)


def test_one_shot_shelve_ends_when_the_alarm_returns():
    manager = AlarmManager([hi()])
    manager.update(value(90.0, 1.0))
    manager.shelve("temp.hi", "kim", 2.0)
    assert manager.tick(1e9) == []
    assert kinds(manager.update(value(70.0, 3.0))) == [("temp.hi", Event.RETURN, State.NORMAL)]
    assert kinds(manager.update(value(90.0, 4.0))) == [("temp.hi", Event.ACTIVATE, State.UNACK)]


def test_unshelve_by_hand():
    manager = AlarmManager([hi()])
    manager.shelve("temp.hi", "kim", 1.0, 60.0)
    assert kinds(manager.unshelve("temp.hi", "lee", 2.0, "back")) == [("temp.hi", Event.UNSHELVE, State.NORMAL)]


@pytest.mark.parametrize("duration", [0.0, -5.0, float("inf"), float("nan")])
def test_shelve_duration_must_be_positive(duration):
    with pytest.raises(AlarmError, match="duration must be a positive number of seconds"):
        AlarmManager([hi()]).shelve("temp.hi", "kim", 1.0, duration)


def test_out_of_service_and_back():
    manager = AlarmManager([hi()])
    manager.update(value(90.0, 1.0))
    assert kinds(manager.remove_from_service("temp.hi", "kim", 2.0, "sensor replaced")) == [
        ("temp.hi", Event.REMOVE_FROM_SERVICE, State.OUT_OF_SERVICE)]
    assert manager.active() == [] and manager.shelve("temp.hi", "kim", 3.0) == []
    assert kinds(manager.return_to_service("temp.hi", "kim", 4.0)) == [
        ("temp.hi", Event.RETURN_TO_SERVICE, State.UNACK)]


def test_comment_keeps_the_state():
    manager = AlarmManager([hi()])
    manager.update(value(90.0, 1.0))
    [event] = manager.comment("temp.hi", "kim", "maintenance called / 정비 호출", 2.0)
    assert (event.event, event.state, event.user, event.comment) == (
        Event.COMMENT, State.UNACK, "kim", "maintenance called / 정비 호출")
    assert manager.state("temp.hi").since == 1.0


def test_active_is_sorted_by_priority_then_time():
    specs = [hi("low", priority="low", limit=10.0), hi("urgent", priority="urgent", limit=30.0),
             hi("high.late", priority="high", limit=20.0), hi("high.early", priority="high", limit=5.0)]
    manager = AlarmManager(specs)
    for t, v in enumerate([6.0, 11.0, 21.0, 31.0]):
        manager.update(value(v, float(t)))
    assert [(s.alarm_id, s.since) for s in manager.active()] == [
        ("urgent", 3.0), ("high.early", 0.0), ("high.late", 2.0), ("low", 1.0)]
    assert [s.alarm_id for s in manager.states()] == ["low", "urgent", "high.late", "high.early"]


def test_duplicate_alarm_ids_are_rejected():
    with pytest.raises(InvalidAlarmSpec, match="'temp.hi' is configured twice"):
        AlarmManager([hi(), hi()])


def test_an_alarm_loaded_into_a_running_manager_raises_on_its_tag():
    manager = AlarmManager([hi()])
    manager.update(value(False, 1.0, tag=FAULT))  # not watched yet: nothing
    manager.load([AlarmSpec("belt.fault", FAULT, "discrete", "고장", "fault", value=True)], known_tags={TEMP, FAULT})
    assert manager.tags == {TEMP, FAULT}
    assert kinds(manager.update(value(True, 2.0, tag=FAULT))) == [("belt.fault", Event.ACTIVATE, State.UNACK)]
    assert kinds(manager.update(value(81.0, 3.0))) == [("temp.hi", Event.ACTIVATE, State.UNACK)]
    assert [s.alarm_id for s in manager.states()] == ["temp.hi", "belt.fault"]


@pytest.mark.parametrize(("specs", "refusal"), [
    ([hi("temp.hihi", limit=90.0), hi()], "'temp.hi' is configured twice"),  # the first one is good
    ([hi("temp.hihi", limit=90.0), hi("temp.hihi", limit=95.0)], "'temp.hihi' is configured twice"),
    ([hi("temp.hihi", limit=90.0), hi("belt.hi", tag="conveyor.speed")], "'belt.hi': unknown tag 'conveyor.speed'"),
])
def test_a_load_with_a_duplicate_id_or_an_unknown_tag_loads_nothing(specs, refusal):
    manager = AlarmManager([hi()])
    with pytest.raises(InvalidAlarmSpec, match=refusal):
        manager.load(specs, known_tags={TEMP})
    assert [s.alarm_id for s in manager.states()] == ["temp.hi"] and manager.tags == {TEMP}
    assert kinds(manager.update(value(95.0, 1.0))) == [("temp.hi", Event.ACTIVATE, State.UNACK)]


@given(st.floats(0.0, 1.0), st.lists(st.floats(0.001, 0.999), min_size=1, max_size=40))
def test_noise_within_the_deadband_raises_no_event(start, noise):
    manager = AlarmManager([hi(limit=80.0, deadband=2.0)])
    manager.update(value(78.0 + 4.0 * start, 0.0))  # either side of the band
    events = [e for t, n in enumerate(noise, 1) for e in manager.update(value(78.0 + 2.0 * n, float(t)))]
    assert events == []
