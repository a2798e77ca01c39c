"""Limit and discrete evaluators, on-/off-delay, and AlarmSpec validation (all pure)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.quality import Quality
from smarthall.edge.alarms import AlarmError, AlarmKind, AlarmSpec, InvalidAlarmSpec, Priority
from smarthall.edge.alarms.conditions import condition, discrete_condition, limit_condition
from smarthall.edge.alarms.delay import Delay
from smarthall.edge.tags import TagValue

TEXTS = {"text_ko": "경보", "text_en": "Alarm"}


@pytest.mark.parametrize(("kind", "value", "active", "expected"), [
    (AlarmKind.HI, 99.9, False, False), (AlarmKind.HI, 100.0, False, True),
    (AlarmKind.HI, 98.0, True, True), (AlarmKind.HI, 97.9, True, False),
    (AlarmKind.HIHI, 100.0, False, True), (AlarmKind.HIHI, 97.0, True, False),
    (AlarmKind.LO, 100.1, False, False), (AlarmKind.LO, 100.0, False, True),
    (AlarmKind.LO, 102.0, True, True), (AlarmKind.LO, 102.1, True, False),
    (AlarmKind.LOLO, 100.0, False, True), (AlarmKind.LOLO, 103.0, True, False),
])
def test_limit_activates_at_the_limit_and_returns_past_the_deadband(kind, value, active, expected):
    assert limit_condition(kind, 100.0, 2.0, value, active) is expected


limits = st.floats(-1e6, 1e6)
deadbands = st.floats(0.01, 100)


@given(limits, deadbands, st.booleans(), st.lists(st.floats(0.001, 0.999), max_size=30), st.booleans())
def test_noise_within_the_deadband_never_toggles_the_condition(limit, deadband, high, fractions, active):
    kind = AlarmKind.HI if high else AlarmKind.LO
    for fraction in fractions:  # strictly between the limit and limit -/+ deadband
        value = limit - fraction * deadband if high else limit + fraction * deadband
        if value in (limit, limit - deadband, limit + deadband):
            continue  # rounding put it on an edge
        assert limit_condition(kind, limit, deadband, value, active) is active


def test_discrete_condition_is_equality():
    assert discrete_condition(True, True)
    assert not discrete_condition(True, False)
    assert discrete_condition(3, 3) and not discrete_condition(3, 4)
    assert discrete_condition("fault", "fault") and not discrete_condition("fault", "idle")


def spec(kind: str = "hi", **fields) -> AlarmSpec:
    defaults = {"limit": 100.0} if kind != "discrete" else {"value": True}
    return AlarmSpec(id="a", tag="t.x", kind=kind, **TEXTS, **(defaults | fields))


@pytest.mark.parametrize("reading", [
    TagValue("t.x", 500.0, Quality.BAD, 0), TagValue("t.x", 500.0, Quality.STALE, 0),
    TagValue("t.x", None, Quality.GOOD, 0), TagValue("t.x", math.nan, Quality.GOOD, 0),
    TagValue("t.x", True, Quality.GOOD, 0), TagValue("t.x", "999", Quality.GOOD, 0),
])
def test_unusable_values_are_not_evaluated(reading):
    assert condition(spec(), reading.value, reading.quality, active=False) is None
    assert condition(spec(), reading.value, reading.quality, active=True) is None


def test_condition_dispatches_on_kind():
    assert condition(spec(), 100, Quality.GOOD, active=False) is True
    assert condition(spec("discrete"), True, Quality.GOOD, active=False) is True
    assert condition(spec("discrete"), False, Quality.GOOD, active=True) is False


@pytest.mark.parametrize(("current", "raw", "since", "now", "expected"), [
    (False, False, None, 0.0, (False, None)),
    (False, True, None, 0.0, (False, 0.0)),  # on-delay starts
    (False, True, 0.0, 4.9, (False, 0.0)),
    (False, True, 0.0, 5.0, (True, None)),  # held for on_s
    (False, False, 0.0, 4.0, (False, None)),  # reverted: forgotten
    (True, False, None, 10.0, (True, 10.0)),  # off-delay starts
    (True, False, 10.0, 12.0, (False, None)),
    (True, True, 10.0, 11.0, (True, None)),
])
def test_delay_settles_only_after_the_condition_held(current, raw, since, now, expected):
    assert Delay(on_s=5.0, off_s=2.0).settle(current, raw, since, now) == expected


def test_without_delays_a_change_settles_at_once():
    assert Delay().settle(False, True, None, 7.0) == (True, None)


def test_priorities_map_to_opc_ua_severity():
    assert [p.severity for p in Priority] == [250, 500, 750, 1000]
    assert spec(priority="urgent").severity == 1000


def test_spec_accepts_strings_for_kind_and_priority():
    made = spec("lolo", priority="high")
    assert (made.kind, made.priority) == (AlarmKind.LOLO, Priority.HIGH)


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "above"}, "kind 'above' is not one of hi, hihi, lo, lolo, discrete"),
    ({"priority": "critical"}, "priority 'critical' is not one of low, medium, high, urgent"),
    ({"limit": None}, "needs a finite numeric limit"),
    ({"limit": math.inf}, "needs a finite numeric limit"),
    ({"deadband": -1.0}, "deadband must be a finite number >= 0"),
    ({"delay_s": math.nan}, "delay_s must be a finite number >= 0"),
    ({"off_delay_s": "5"}, "off_delay_s must be a finite number >= 0"),
    ({"value": 3}, "takes a limit, not a value"),
    ({"text_ko": ""}, "text_ko and text_en are both required"),
    ({"tag": ""}, "id and tag must not be empty"),
])
def test_invalid_limit_specs_say_what_is_wrong(fields, message):
    with pytest.raises(InvalidAlarmSpec, match=message) as caught:
        AlarmSpec(**({"id": "a", "tag": "t.x", "kind": "hi", "limit": 1.0, **TEXTS} | fields))
    assert isinstance(caught.value, AlarmError)
    assert "alarm 'a'" in str(caught.value)


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "needs the value that raises it"),
    ({"value": True, "limit": 1.0}, "takes a value, not a limit"),
    ({"value": True, "deadband": 1.0}, "takes a value, not a limit or deadband"),
])
def test_invalid_discrete_specs_say_what_is_wrong(fields, message):
    with pytest.raises(InvalidAlarmSpec, match=message):
        AlarmSpec(id="a", tag="t.x", kind="discrete", **TEXTS, **fields)
