"""Plant facade: point access, write validation, clock, determinism and reset."""

import importlib
import inspect
import pkgutil

import pytest

import smarthall.simulators.plant
from smarthall.simulators.plant import Plant, PlantConfig, WriteRejected
from smarthall.simulators.plant.plant import MAX_SUBSTEP_S

POINTS = {
    "feeder": "feed auto_feed magazine_empty pusher_retracted pusher_extended magazine_count parts_dispensed "
    "last_part_id last_part_color feed_interval_ms",
    "conveyor": "motor_run auto_mode divert_reject reset_counters light_green light_yellow light_red fault_reset "
    "pe_entry pe_camera pe_diverter pe_exit metal_detect estop_ok motor_running fault speed_actual part_at_camera "
    "parts_in parts_good parts_rejected parts_uninspected motor_current fault_code run_seconds speed_setpoint "
    "verdict_part verdict divert_pulse_ms",
    "process": "temperature setpoint heater_output mode kp ki kd batch_state batch_count",
    "ambient": "temperature humidity",
    "vibration": "velocity_rms surface_temperature",
    **{f"energy.{m}": "voltage current power_kw energy_kwh" for m in ("feeder", "conveyor", "vision", "process")},
}


def snapshot(plant: Plant) -> dict[str, object]:
    return {f"{d}.{p}": plant.read(d, p) for d, names in POINTS.items() for p in names.split()}


def busy_run(plant: Plant) -> list[dict[str, object]]:
    """Ten seconds of a running line with verdicts, a heating batch and a fault; a snapshot per second."""
    plant.write("feeder", "auto_feed", 1)
    plant.write("feeder", "feed_interval_ms", 700)
    plant.write("conveyor", "motor_run", 1)
    plant.write("process", "mode", 1)
    plant.start_batch(120, 5)
    plant.inject_fault("ambient.temperature", "noise", {"sigma": 0.5})
    snapshots = []
    for _ in range(10):
        plant.run_for(1)
        view = plant.camera_view()
        if view:
            plant.write("conveyor", "verdict_part", view.part.id)
            plant.write("conveyor", "verdict", 2 if view.part.defect else 1)
        snapshots.append(snapshot(plant))
    return snapshots


def test_every_profile_point_is_readable():
    plant = Plant()
    values = snapshot(plant)
    assert all(isinstance(v, (bool, int, float)) for v in values.values())


def test_point_types():
    plant = Plant()
    assert plant.read("conveyor", "motor_run") is False
    assert type(plant.read("conveyor", "parts_in")) is int
    assert type(plant.read("conveyor", "fault_code")) is int
    assert type(plant.read("conveyor", "speed_actual")) is float
    assert type(plant.read("process", "mode")) is int


def test_defaults_follow_the_line_description():
    values = snapshot(Plant())
    assert values["conveyor.speed_setpoint"] == 200
    assert values["conveyor.divert_pulse_ms"] == 300
    assert values["feeder.feed_interval_ms"] == 2000
    assert values["feeder.magazine_count"] == 50
    assert values["conveyor.estop_ok"] is True
    assert values["conveyor.auto_mode"] is True


@pytest.mark.parametrize("device, point", [("conveyor", "warp"), ("boiler", "temperature"), ("energy", "power_kw")])
def test_unknown_points_raise_key_error(device, point):
    plant = Plant()
    with pytest.raises(KeyError, match=f"unknown point {device}.{point}"):
        plant.read(device, point)
    with pytest.raises(KeyError, match=f"unknown point {device}.{point}"):
        plant.write(device, point, 1)


@pytest.mark.parametrize(
    "point, value, message",
    [
        ("speed_setpoint", 600, "conveyor.speed_setpoint must be in 0..500, got 600"),
        ("speed_setpoint", -1, "must be in 0..500"),
        ("speed_setpoint", "fast", "conveyor.speed_setpoint takes a number, got 'fast'"),
        ("speed_setpoint", float("nan"), "takes a number"),
        ("speed_setpoint", True, "takes a number"),
        ("verdict", 3, "conveyor.verdict must be in 0..2, got 3"),
        ("divert_pulse_ms", 10, "conveyor.divert_pulse_ms must be in 50..2000"),
        ("motor_run", "yes", "conveyor.motor_run takes 0 or 1, got 'yes'"),
        ("pe_camera", 1, "conveyor.pe_camera is read-only"),
        ("parts_good", 0, "conveyor.parts_good is read-only"),
    ],
)
def test_bad_conveyor_writes_are_rejected(point, value, message):
    plant = Plant()
    with pytest.raises(WriteRejected) as error:
        plant.write("conveyor", point, value)
    assert message in str(error.value)


def test_bool_points_take_ints_and_numbers_take_whole_floats():
    plant = Plant()
    plant.write("conveyor", "auto_mode", 0)
    plant.write("conveyor", "speed_setpoint", 250.0)
    assert plant.read("conveyor", "auto_mode") is False
    assert plant.read("conveyor", "speed_setpoint") == 250


def test_step_defaults_to_the_tick_and_run_for_adds_up():
    plant = Plant(PlantConfig(tick=0.02))
    plant.step()
    assert plant.now == pytest.approx(0.02)
    plant.run_for(1.01)
    assert plant.now == pytest.approx(1.03)


@pytest.mark.parametrize("dt", [0, -1, float("inf")])
def test_step_rejects_a_non_positive_dt(dt):
    with pytest.raises(ValueError, match="dt must be a positive number"):
        Plant().step(dt)


def test_a_long_step_matches_small_steps():
    coarse, fine = Plant(), Plant()
    for plant in (coarse, fine):
        plant.write("feeder", "feed", 1)
        plant.write("conveyor", "motor_run", 1)
    coarse.step(2.0)
    for _ in range(round(2.0 / MAX_SUBSTEP_S)):
        fine.step(MAX_SUBSTEP_S)
    assert snapshot(coarse) == snapshot(fine)


def test_a_long_step_does_not_let_a_fast_part_skip_the_diverter():
    plant = Plant()
    plant.write("conveyor", "speed_setpoint", 500)
    plant.write("feeder", "feed", 1)
    plant.step(1)
    plant.write("conveyor", "motor_run", 1)
    plant.step(5)
    assert (plant.read("conveyor", "parts_rejected"), plant.read("conveyor", "parts_uninspected")) == (1, 1)


@pytest.mark.parametrize("kwargs", [{"defect_rate": 2}, {"magazine_size": -1}, {"tick": 0}])
def test_bad_config_is_rejected(kwargs):
    with pytest.raises(ValueError):
        PlantConfig(**kwargs)


def test_same_seed_gives_the_identical_run():
    first, second = Plant(PlantConfig(seed=42)), Plant(PlantConfig(seed=42))
    assert busy_run(first) == busy_run(second)
    assert first.recent_parts == second.recent_parts


def test_another_seed_gives_other_parts():
    assert Plant(PlantConfig(seed=1)).recent_parts == ()
    runs = []
    for seed in (1, 2):
        plant = Plant(PlantConfig(seed=seed))
        busy_run(plant)
        runs.append([(p.color, p.defect, p.seed) for p in plant.recent_parts])
    assert runs[0] != runs[1]


def test_reset_restores_the_initial_state_of_the_same_seed():
    plant = Plant(PlantConfig(seed=9))
    first = busy_run(plant)
    plant.inject_fault("conveyor", "estop")
    plant.reset()
    assert plant.now == 0 and plant.active_faults == () and plant.recent_parts == ()
    assert snapshot(plant) == snapshot(Plant(PlantConfig(seed=9)))
    assert busy_run(plant) == first


FORBIDDEN = ("asyncio", "socket", "time", "threading", "os", "io", "pymodbus", "asyncua", "cv2", "serial")


@pytest.mark.parametrize("module", sorted(pkgutil.iter_modules(smarthall.simulators.plant.__path__)), ids=lambda m: m.name)
def test_plant_modules_use_no_io_or_clock_libraries(module):
    loaded = importlib.import_module(f"smarthall.simulators.plant.{module.name}")
    used = {
        (value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None) or "").split(".")[0]
        for value in vars(loaded).values()
    }
    assert not used & set(FORBIDDEN)


def test_parts_and_faults_are_the_same_tuples_until_they_change():
    """Sim control republishes RecentParts and ActiveFaults only when these tuples change (`is`)."""
    plant = Plant()
    plant.write("feeder", "feed", True)
    plant.run_for(1)
    parts, faults = plant.recent_parts, plant.active_faults
    assert parts and plant.recent_parts is parts and plant.active_faults is faults
    plant.run_for(0.5)  # a part riding the belt changes nothing in its snapshot
    assert plant.recent_parts is parts
    plant.write("conveyor", "verdict_part", parts[-1].id)
    plant.write("conveyor", "verdict", 1)
    assert plant.recent_parts is not parts and plant.recent_parts[-1].verdict == 1
    fault = plant.inject_fault("conveyor", "estop")
    assert plant.active_faults is not faults and plant.active_faults == (fault,)
    faults = plant.active_faults
    plant.clear_faults()
    assert plant.active_faults is not faults and plant.active_faults == ()
