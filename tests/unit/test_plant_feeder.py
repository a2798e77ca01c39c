"""Feeder: pusher cycle, sequence numbers, magazine contents, auto feed."""

from collections import Counter

import pytest

from smarthall.simulators.plant import Plant, PlantConfig, WriteRejected
from smarthall.simulators.plant.parts import DEFECTS


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(seed=11))


def feeder(plant: Plant, *points: str):
    """One feeder point's value, or a tuple of several."""
    values = tuple(plant.read("feeder", point) for point in points)
    return values[0] if len(values) == 1 else values


def test_starts_full_with_the_pusher_back(plant):
    assert feeder(plant, "magazine_count", "magazine_empty") == (50, False)
    assert feeder(plant, "pusher_retracted", "pusher_extended") == (True, False)
    assert feeder(plant, "parts_dispensed", "last_part_id", "last_part_color") == (0, 0, 0)
    assert feeder(plant, "feed_interval_ms") == 2000


def test_feed_runs_one_pusher_cycle_and_the_plc_clears_the_coil(plant):
    plant.write("feeder", "feed", 1)
    plant.run_for(0.15)
    assert not feeder(plant, "pusher_retracted") and not feeder(plant, "pusher_extended")
    assert feeder(plant, "magazine_count") == 50
    plant.run_for(0.2)  # fully out: the part is on the belt
    assert feeder(plant, "pusher_extended") and feeder(plant, "feed")
    assert feeder(plant, "magazine_count", "parts_dispensed", "last_part_id") == (49, 1, 1)
    part = plant.recent_parts[-1]
    assert feeder(plant, "last_part_color") == {"red": 1, "black": 2, "silver": 3}[part.color]
    plant.run_for(0.3)
    assert not feeder(plant, "pusher_extended") and not feeder(plant, "pusher_retracted")
    plant.run_for(0.1)
    assert feeder(plant, "pusher_retracted") and not feeder(plant, "feed")
    plant.run_for(2)
    assert feeder(plant, "parts_dispensed") == 1


def test_sequence_numbers_count_up(plant):
    plant.write("conveyor", "motor_run", 1)
    for expected in (1, 2, 3):
        plant.write("feeder", "feed", 1)
        plant.run_for(1)
        assert feeder(plant, "last_part_id") == expected
    assert [p.id for p in plant.recent_parts] == [1, 2, 3]


def test_empty_magazine_clears_feed_without_pushing(plant):
    plant.write("conveyor", "motor_run", 1)
    plant.load_magazine(1, 0.0)
    plant.write("feeder", "feed", 1)
    plant.run_for(1)
    assert feeder(plant, "magazine_empty")
    plant.write("feeder", "feed", 1)
    plant.step()
    assert not feeder(plant, "feed") and feeder(plant, "pusher_retracted")
    assert feeder(plant, "parts_dispensed") == 1


def test_a_push_waits_while_a_part_is_on_the_entry_eye(plant):
    plant.write("feeder", "feed", 1)
    plant.run_for(1)
    plant.write("feeder", "feed", 1)
    plant.run_for(2)
    assert feeder(plant, "parts_dispensed", "feed", "pusher_retracted") == (1, True, True)
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(1.5)
    assert feeder(plant, "parts_dispensed", "feed") == (2, False)


def test_auto_feed_pushes_every_interval_only_while_the_belt_runs(plant):
    plant.write("feeder", "auto_feed", 1)
    plant.write("feeder", "feed_interval_ms", 1000)
    plant.run_for(5)
    assert feeder(plant, "parts_dispensed") == 0
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(10.05)  # pushes start at 1, 2, ... 10 s of belt time; a part leaves 0.3 s in
    assert feeder(plant, "parts_dispensed") == 9
    plant.write("feeder", "auto_feed", 0)
    plant.run_for(5)
    assert feeder(plant, "parts_dispensed") == 10


def test_magazine_mix_follows_the_defect_rate():
    plant = Plant(PlantConfig(seed=5, magazine_size=1000, defect_rate=0.2))
    plant.write("feeder", "auto_feed", 1)
    plant.write("feeder", "feed_interval_ms", 500)
    plant.write("conveyor", "auto_mode", 0)
    plant.write("conveyor", "speed_setpoint", 500)
    plant.write("conveyor", "motor_run", 1)
    plant.step(40)  # a push every 0.7 s: the pusher cycle is longer than the interval
    parts = plant.recent_parts
    assert len(parts) == 50
    assert set(Counter(p.color for p in parts)) == {"red", "black", "silver"}
    defective = [p.defect for p in parts if p.defect]
    assert 3 <= len(defective) <= 20
    assert set(defective) <= set(DEFECTS)


def test_load_magazine_refills_with_the_given_defect_rate(plant):
    plant.load_magazine(10, 1.0)
    assert feeder(plant, "magazine_count") == 10
    plant.write("feeder", "feed", 1)
    plant.run_for(1)
    assert plant.recent_parts[-1].defect is not None


@pytest.mark.parametrize(
    "count, rate, message", [(-1, 0.1, "count must be in 0..1000"), (5, 1.5, "defect_rate must be in 0..1")]
)
def test_load_magazine_rejects_bad_values(plant, count, rate, message):
    with pytest.raises(WriteRejected, match=message):
        plant.load_magazine(count, rate)


@pytest.mark.parametrize(
    "point, value, message",
    [
        ("feed_interval_ms", 100, "feeder.feed_interval_ms must be in 500..60000, got 100"),
        ("feed_interval_ms", 1000.5, "takes a whole number"),
        ("feed", 2, "feeder.feed takes 0 or 1, got 2"),
        ("magazine_count", 5, "feeder.magazine_count is read-only"),
        ("pusher_extended", 1, "read-only"),
    ],
)
def test_bad_feeder_writes_are_rejected(plant, point, value, message):
    with pytest.raises(WriteRejected) as error:
        plant.write("feeder", point, value)
    assert message in str(error.value)
