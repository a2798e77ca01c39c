"""Conveyor: part tracking past each sensor, sorting in auto and manual mode, counters."""

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.simulators.plant import Plant, PlantConfig, WriteRejected


def run_until(plant: Plant, condition: Callable[[], bool], limit_s: float = 30.0) -> float:
    """Step until the condition holds; return the plant time. Fails the test after limit_s."""
    end = plant.now + limit_s
    while not condition():
        assert plant.now < end, "condition not reached in time"
        plant.step()
    return plant.now


def conv(plant: Plant, point: str):
    return plant.read("conveyor", point)


def feed_one(plant: Plant) -> int:
    """Push one part onto the stopped belt; return its sequence number."""
    plant.write("feeder", "feed", 1)
    run_until(plant, lambda: plant.read("feeder", "pusher_retracted") and not plant.read("feeder", "feed"))
    return plant.read("feeder", "last_part_id")


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(seed=7))


def test_pushed_part_sits_at_the_entry_eye(plant):
    assert not conv(plant, "pe_entry")
    assert feed_one(plant) == 1
    assert conv(plant, "pe_entry")
    assert conv(plant, "parts_in") == 1
    assert plant.recent_parts[-1].id == 1 and plant.recent_parts[-1].outcome is None


def test_part_passes_each_eye_in_order_at_the_expected_times(plant):
    feed_one(plant)
    plant.write("conveyor", "auto_mode", 0)
    plant.write("conveyor", "motor_run", 1)
    start = plant.now
    times = {}
    for eye in ("pe_camera", "pe_diverter", "pe_exit"):
        times[eye] = run_until(plant, lambda eye=eye: conv(plant, eye)) - start
        assert sum(conv(plant, e) for e in ("pe_entry", "pe_camera", "pe_diverter", "pe_exit")) == 1
    # ramp to 200 mm/s takes 0.5 s (50 mm); an eye turns on when the leading edge reaches it
    assert times["pe_camera"] == pytest.approx(0.5 + (280 - 50) / 200, abs=0.03)
    assert times["pe_diverter"] - times["pe_camera"] == pytest.approx(1.5, abs=0.03)
    assert times["pe_exit"] - times["pe_diverter"] == pytest.approx(1.0, abs=0.03)
    run_until(plant, lambda: conv(plant, "parts_good") == 1)
    assert not any(conv(plant, e) for e in ("pe_entry", "pe_camera", "pe_diverter", "pe_exit"))


def test_eye_is_on_while_the_part_covers_it(plant):
    feed_one(plant)
    plant.write("conveyor", "motor_run", 1)
    on = run_until(plant, lambda: conv(plant, "pe_camera"))
    off = run_until(plant, lambda: not conv(plant, "pe_camera"))
    assert off - on == pytest.approx(40 / 200, abs=0.02)


def test_camera_sees_the_part_in_its_field(plant):
    part_id = feed_one(plant)
    assert conv(plant, "part_at_camera") == 0 and plant.camera_view() is None
    plant.write("conveyor", "motor_run", 1)
    run_until(plant, lambda: conv(plant, "part_at_camera") != 0)
    view = plant.camera_view()
    assert conv(plant, "part_at_camera") == part_id == view.part.id
    assert -20 <= view.offset_mm < -15
    assert view.part == plant.recent_parts[-1]
    run_until(plant, lambda: conv(plant, "part_at_camera") == 0)
    assert plant.camera_view() is None


def test_metal_sensor_sees_only_silver_parts(plant):
    plant.write("conveyor", "auto_mode", 0)
    plant.write("conveyor", "motor_run", 1)
    seen: dict[int, bool] = {}
    for _ in range(8):
        part_id = feed_one(plant)
        metal = False
        while plant.read("feeder", "last_part_id") == part_id and conv(plant, "parts_good") < part_id:
            metal |= conv(plant, "metal_detect")
            plant.step()
        seen[part_id] = metal
    colors = {p.id: p.color for p in plant.recent_parts}
    assert {i: colors[i] == "silver" for i in seen} == seen
    assert any(seen.values()) and not all(seen.values())


def sort_one(plant: Plant, verdict: int | None) -> int:
    """Run one part through in auto mode, writing `verdict` while it is at the camera."""
    part_id = feed_one(plant)
    plant.write("conveyor", "motor_run", 1)
    if verdict is not None:
        run_until(plant, lambda: conv(plant, "part_at_camera") == part_id)
        plant.write("conveyor", "verdict_part", part_id)
        plant.write("conveyor", "verdict", verdict)
    run_until(plant, lambda: conv(plant, "parts_good") + conv(plant, "parts_rejected") == part_id)
    plant.write("conveyor", "motor_run", 0)
    return part_id


def test_auto_mode_pass_goes_to_the_good_bin(plant):
    sort_one(plant, 1)
    assert (conv(plant, "parts_good"), conv(plant, "parts_rejected"), conv(plant, "parts_uninspected")) == (1, 0, 0)
    assert plant.recent_parts[-1].verdict == 1 and plant.recent_parts[-1].outcome == "good"


def test_auto_mode_fail_is_diverted_to_the_reject_bin(plant):
    sort_one(plant, 2)
    assert (conv(plant, "parts_good"), conv(plant, "parts_rejected"), conv(plant, "parts_uninspected")) == (0, 1, 0)
    part = plant.recent_parts[-1]
    assert (part.verdict, part.outcome, part.uninspected) == (2, "reject", False)


def test_part_without_verdict_is_rejected_fail_safe_and_counted_uninspected(plant):
    sort_one(plant, None)
    assert (conv(plant, "parts_good"), conv(plant, "parts_rejected"), conv(plant, "parts_uninspected")) == (0, 1, 1)
    part = plant.recent_parts[-1]
    assert (part.verdict, part.outcome, part.uninspected) == (0, "reject", True)


def test_verdict_after_the_diverter_is_ignored(plant):
    part_id = sort_one(plant, None)
    plant.write("conveyor", "verdict_part", part_id)
    plant.write("conveyor", "verdict", 1)
    plant.step()
    assert plant.recent_parts[-1].verdict == 0
    assert conv(plant, "parts_good") == 0


def test_verdict_for_another_part_does_not_save_this_one(plant):
    part_id = feed_one(plant)
    plant.write("conveyor", "verdict_part", part_id + 5)
    plant.write("conveyor", "verdict", 1)
    plant.write("conveyor", "motor_run", 1)
    run_until(plant, lambda: conv(plant, "parts_rejected") == 1)
    assert conv(plant, "parts_uninspected") == 1


@pytest.mark.parametrize("divert, bin_counter", [(1, "parts_rejected"), (0, "parts_good")])
def test_manual_mode_divert_coil_drives_the_diverter(plant, divert, bin_counter):
    plant.write("conveyor", "auto_mode", 0)
    plant.write("conveyor", "divert_reject", divert)
    feed_one(plant)
    plant.write("conveyor", "motor_run", 1)
    run_until(plant, lambda: conv(plant, bin_counter) == 1)
    assert conv(plant, "parts_good") + conv(plant, "parts_rejected") == 1
    assert conv(plant, "parts_uninspected") == 0


def test_reset_counters_zeroes_the_counters_and_clears_itself(plant):
    sort_one(plant, 1)
    sort_one(plant, None)
    assert [conv(plant, c) for c in ("parts_in", "parts_good", "parts_rejected", "parts_uninspected")] == [2, 1, 1, 1]
    plant.write("conveyor", "reset_counters", 1)
    assert conv(plant, "reset_counters")
    plant.step()
    assert [conv(plant, c) for c in ("parts_in", "parts_good", "parts_rejected", "parts_uninspected")] == [0, 0, 0, 0]
    assert not conv(plant, "reset_counters")


def test_belt_accelerates_to_the_setpoint_and_coasts_down(plant):
    plant.write("conveyor", "speed_setpoint", 400)
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(0.5)
    assert conv(plant, "speed_actual") == pytest.approx(200, abs=5)
    assert conv(plant, "motor_running")
    plant.run_for(1.0)
    assert conv(plant, "speed_actual") == pytest.approx(400)
    plant.write("conveyor", "motor_run", 0)
    plant.step()
    assert not conv(plant, "motor_running")
    plant.run_for(1.0)
    assert conv(plant, "speed_actual") == 0


def test_run_seconds_count_only_running_time(plant):
    plant.run_for(3)
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(5)
    plant.write("conveyor", "motor_run", 0)
    plant.run_for(3)
    assert conv(plant, "run_seconds") == 5


def test_motor_current_rises_with_speed_and_load(plant):
    plant.write("conveyor", "motor_run", 1)
    plant.write("conveyor", "speed_setpoint", 100)
    plant.run_for(1)
    slow = conv(plant, "motor_current")
    plant.write("conveyor", "speed_setpoint", 400)
    plant.run_for(1)
    fast = conv(plant, "motor_current")
    plant.write("conveyor", "auto_mode", 0)
    plant.write("feeder", "feed", 1)
    plant.run_for(0.5)
    loaded = conv(plant, "motor_current")
    assert 0 < slow < fast < loaded


def test_lights_follow_the_plc_in_auto_mode(plant):
    lights = lambda: tuple(conv(plant, f"light_{c}") for c in ("green", "yellow", "red"))
    assert lights() == (False, True, False)
    plant.write("conveyor", "motor_run", 1)
    plant.step()
    assert lights() == (True, False, False)
    with pytest.raises(WriteRejected, match="auto mode"):
        plant.write("conveyor", "light_red", 1)


def test_clients_drive_the_lights_in_manual_mode(plant):
    plant.write("conveyor", "auto_mode", 0)
    plant.write("conveyor", "light_red", 1)
    plant.write("conveyor", "light_yellow", 0)
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(1)
    assert (conv(plant, "light_green"), conv(plant, "light_yellow"), conv(plant, "light_red")) == (False, False, True)


def test_touching_parts_passing_the_diverter_are_no_jam(plant):
    plant.write("feeder", "auto_feed", 1)
    plant.write("feeder", "feed_interval_ms", 500)
    plant.write("conveyor", "auto_mode", 0)
    plant.write("conveyor", "speed_setpoint", 40)
    plant.write("conveyor", "motor_run", 1)
    on_since, longest = None, 0.0
    while conv(plant, "parts_good") < 5:
        if conv(plant, "pe_diverter"):
            on_since = plant.now if on_since is None else on_since
            longest = max(longest, plant.now - on_since)
        else:
            on_since = None
        plant.step()
        assert plant.now < 60
    assert longest * 40 > 3 * 40  # the eye stayed on for more than three part widths
    assert conv(plant, "fault_code") == 0


def test_verdict_just_before_the_diverter_still_counts(plant):
    part_id = feed_one(plant)
    plant.write("conveyor", "motor_run", 1)
    run_until(plant, lambda: conv(plant, "part_at_camera") == part_id)
    plant.run_for(1.4)  # 280 mm on: 20 mm before the diverter
    assert not conv(plant, "parts_rejected")
    plant.write("conveyor", "verdict_part", part_id)
    plant.write("conveyor", "verdict", 1)
    run_until(plant, lambda: conv(plant, "parts_good") == 1)
    assert conv(plant, "parts_rejected") == 0


def test_a_verdict_pair_for_each_part_sorts_a_busy_line(plant):
    plant.write("feeder", "auto_feed", 1)
    plant.write("feeder", "feed_interval_ms", 800)
    plant.write("conveyor", "speed_setpoint", 500)
    plant.write("conveyor", "motor_run", 1)
    answered = set()
    while conv(plant, "parts_in") < 20 or any(p.outcome is None for p in plant.recent_parts):
        view = plant.camera_view()
        if view and view.part.id not in answered:
            plant.write("conveyor", "verdict_part", view.part.id)
            plant.write("conveyor", "verdict", 2 if view.part.defect else 1)
            answered.add(view.part.id)
        if conv(plant, "parts_in") >= 20:
            plant.write("feeder", "auto_feed", 0)
        plant.step()
    parts = plant.recent_parts
    assert [p.outcome for p in parts] == ["reject" if p.defect else "good" for p in parts]
    assert conv(plant, "parts_good") + conv(plant, "parts_rejected") == conv(plant, "parts_in") == len(parts)
    assert conv(plant, "parts_uninspected") == 0


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    speed=st.integers(50, 500),
    interval_ms=st.integers(500, 3000),
    pulse_ms=st.integers(50, 2000),
    answer=st.sampled_from(["all", "none", "fail"]),
)
def test_every_part_ends_in_one_bin_and_counters_add_up(seed, speed, interval_ms, pulse_ms, answer):
    plant = Plant(PlantConfig(seed=seed, magazine_size=8, tick=0.02))
    plant.write("feeder", "auto_feed", 1)
    plant.write("feeder", "feed_interval_ms", interval_ms)
    plant.write("conveyor", "speed_setpoint", speed)
    plant.write("conveyor", "divert_pulse_ms", pulse_ms)
    plant.write("conveyor", "motor_run", 1)
    while not plant.read("feeder", "magazine_empty") or any(p.outcome is None for p in plant.recent_parts):
        view = plant.camera_view()
        if view and answer != "none":
            plant.write("conveyor", "verdict_part", view.part.id)
            plant.write("conveyor", "verdict", 2 if answer == "fail" else 1)
        plant.step()
    parts = plant.recent_parts
    assert len(parts) == conv(plant, "parts_in") == 8
    assert conv(plant, "parts_good") == sum(p.outcome == "good" for p in parts)
    assert conv(plant, "parts_rejected") == sum(p.outcome == "reject" for p in parts)
    assert conv(plant, "parts_uninspected") == sum(p.uninspected for p in parts)
    expected = {"all": ("good", False), "fail": ("reject", False), "none": ("reject", True)}[answer]
    assert {(p.outcome, p.uninspected) for p in parts} == {expected}
