"""The panel's sans-IO parts: a station built from the agent's tags and methods, typed values, the belt tracker."""

from __future__ import annotations

import pytest

from smarthall.devices.profiles import Level, Text
from smarthall.devices.quality import Quality
from smarthall.edge.tags import TagValue
from smarthall.panel.picture import BeltTracker, shown
from smarthall.panel.station import BadValue, Setting, refusal, stations


def tag(name: str, connection: str, profile: str, type_: str = "uint16", access: str = "r", level: str | None = None,
        unit: str = "", low: float | None = None, high: float | None = None) -> dict:
    return {"name": name, "connection": connection, "profile": profile, "type": type_, "access": access,
            "level": level, "unit": unit, "min": low, "max": high, "ko": name, "en": name, "rate_ms": 100}


TAGS = [
    tag("belt.motor_run", "belt", "conveyor", "bool", "rw", "operate"),
    tag("belt.speed_setpoint", "belt", "conveyor", "uint16", "rw", "operate", "mm/s", 0, 500),
    tag("belt.speed_actual", "belt", "conveyor", unit="mm/s"),
    tag("belt.parts_in", "belt", "conveyor", unit="pcs"),
    tag("oven.temperature", "oven", "process", "float64", unit="°C"),
    tag("ambient.temperature", "bus", "fieldbus", "int16", unit="°C"),
    tag("energy.power_kw", "bus", "fieldbus", "float32", unit="kW"),
    tag("energy.limit", "bus", "fieldbus", "float32", "rw", "supervise", "kW", 0, 10),
]
METHODS = [{"name": "oven.StartBatch", "connection": "oven", "level": "operate", "ko": "", "en": "",
            "inputs": [{"name": "setpoint", "type": "float64", "min": 20, "max": 250},
                       {"name": "soak_s", "type": "uint32", "min": 0, "max": 86400}]}]


def test_a_station_offers_what_its_layout_names_and_the_line_has():
    found = stations(TAGS, METHODS)
    assert list(found) == ["belt", "oven", "bus"]  # named by connection, kind by profile
    belt = found["belt"]
    assert [b.id for b in belt.buttons] == ["start", "stop"]  # the line's belt has no auto_mode, no fault_reset...
    assert belt.buttons[0].tag == "belt.motor_run" and belt.buttons[0].value is True
    assert [(s.id, s.low, s.high, s.integer) for s in belt.setpoints] == [("belt.speed_setpoint", 0, 500, True)]
    assert [c.tag for c in belt.counters] == ["belt.parts_in"] and [t.tag for t in belt.trends] == ["belt.speed_actual"]
    oven = found["oven"]
    assert oven.buttons[0].method == "oven.StartBatch"
    assert oven.buttons[0].args == ("oven.StartBatch.setpoint", "oven.StartBatch.soak_s")
    assert [(a.first, a.low, a.high) for a in oven.arguments] == [(120, 20, 250), (60, 0, 86400)]
    bus = found["bus"]  # no layout: every value, the writable numbers, the floating-point trends
    assert bus.picture == "table" and not bus.buttons
    assert [s.id for s in bus.setpoints] == ["energy.limit"] and bus.setpoints[0].level is Level.SUPERVISE
    assert [t.tag for t in bus.trends] == ["energy.power_kw", "energy.limit"]


def test_typed_values_are_checked_against_the_range_before_they_are_sent():
    speed = Setting("belt.speed_setpoint", Text("", ""), "mm/s", 0, 500, True, Level.OPERATE)
    assert speed.parse(" 350 ") == 350 and isinstance(speed.parse("350.0"), int)
    for typed, key in [("fast", "not_a_number"), ("nan", "not_a_number"), ("12.5", "not_whole"),
                       ("501", "out_of_range"), ("-1", "out_of_range")]:
        with pytest.raises(BadValue) as caught:
            speed.parse(typed)
        assert caught.value.key == key
    assert Setting("t", Text("", ""), "°C", 20, 250, False, Level.OPERATE).parse("120,5") == 120.5


def test_what_a_role_may_not_press_is_greyed_with_the_agents_reason():
    kim = {"name": "kim", "role": "trainee", "team": "team1", "stations": ["conveyor"]}
    assert refusal(kim, "conveyor", Level.OPERATE) is None
    assert refusal(kim, "feeder", Level.OPERATE).en == "kim (team team1) operates conveyor, not feeder"
    assert "instructor" in refusal(kim, "conveyor", Level.SUPERVISE).en
    assert refusal({"name": "t", "role": "instructor", "stations": []}, "feeder", Level.SUPERVISE) is None


def value(name: str, v, quality=Quality.GOOD) -> TagValue:
    return TagValue(name, v, quality, 0.0, "" if quality is Quality.GOOD else "timeout")


def test_a_value_that_is_not_good_never_shows_as_a_number():
    assert shown(value("c.speed_actual", 198), "en") == "198"
    assert shown(value("c.speed_actual", 198, Quality.BAD), "en") == "-- (timeout)"
    assert shown(value("c.speed_actual", None, Quality.BAD), "en", brief=True) == "--"


def test_the_belt_tracker_places_parts_by_the_sensors_and_moves_them_with_the_belt():
    station = stations([tag(f"c.{p}", "c", "conveyor", "bool") for p in
                        ("pe_entry", "pe_camera", "motor_running", "parts_rejected", "speed_actual")], [])["c"]
    belt = BeltTracker()
    values = {"c.motor_running": value("c.motor_running", True), "c.speed_actual": value("c.speed_actual", 200),
              "c.pe_entry": value("c.pe_entry", True), "c.parts_rejected": value("c.parts_rejected", 0)}
    belt.update(station, values, 0.0)
    assert belt.parts == [0.0]  # seen at the entry
    values["c.pe_entry"] = value("c.pe_entry", False)
    belt.update(station, values, 1.0)
    assert belt.parts == [200.0]  # a second at 200 mm/s
    values["c.pe_camera"] = value("c.pe_camera", True)
    belt.update(station, values, 1.25)
    assert belt.parts == [300.0]  # the camera's eye puts it where the camera is
    values["c.speed_actual"] = value("c.speed_actual", 200, Quality.BAD)
    belt.update(station, values, 2.25)
    assert belt.parts == [300.0]  # no trusted speed: the part is not moved
    values["c.speed_actual"] = value("c.speed_actual", 200)
    belt.update(station, values, 3.75)  # at the diverter (600 mm)
    assert belt.parts == [600.0]
    values["c.parts_rejected"] = value("c.parts_rejected", 1)
    belt.update(station, values, 3.8)
    assert belt.parts == []  # diverted to the reject bin
