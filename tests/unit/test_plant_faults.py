"""Faults: every kind injectable and clearable, plant and sensor faults have effects, bad requests fail clearly."""

import math

import pytest

from smarthall.simulators.plant import FAULT_KINDS, FaultError, Plant, PlantConfig, SensorFailure

CONTRACT_KINDS = (
    "offline", "latency", "drop", "crc_noise", "serial_mismatch", "stuck", "drift", "noise",
    "diverter_jam", "motor_overload", "estop", "heater_failure", "thermocouple_open",
    "dim_light", "blur", "camera_offline", "bearing_wear",
)  # fmt: skip

# one valid target per kind, with the params the defaults must fill in
EXAMPLES = {
    "offline": ("conveyor", {}),
    "latency": ("fieldbus", {"ms": 200}),
    "drop": ("energy.process", {"fraction": 0.5}),
    "crc_noise": ("ambient", {"fraction": 0.2}),
    "serial_mismatch": ("vibration", {"baudrate": 9600, "parity": "N"}),
    "stuck": ("ambient.humidity", None),
    "drift": ("process.temperature", {"per_s": 0.1}),
    "noise": ("vibration.velocity_rms", {"sigma": 1.0}),
    "diverter_jam": ("conveyor", {}),
    "motor_overload": ("conveyor", {}),
    "estop": ("conveyor", {}),
    "heater_failure": ("process", {}),
    "thermocouple_open": ("process", {}),
    "dim_light": ("camera", {"factor": 0.4}),
    "blur": ("camera", {"sigma": 3.0}),
    "camera_offline": ("camera", {}),
    "bearing_wear": ("vibration", {}),
}


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(seed=3))


def conv(plant: Plant, point: str):
    return plant.read("conveyor", point)


def test_fault_kinds_are_the_contracts():
    assert FAULT_KINDS == CONTRACT_KINDS == tuple(EXAMPLES)


@pytest.mark.parametrize("kind", CONTRACT_KINDS)
def test_every_kind_is_injectable_with_defaults_and_clearable(plant, kind):
    target, defaults = EXAMPLES[kind]
    fault = plant.inject_fault(target, kind)
    assert (fault.target, fault.kind) == (target, kind)
    if defaults is not None:
        assert dict(fault.params) == defaults
    assert plant.active_faults == (fault,)
    assert plant.fault(target, kind) == fault
    plant.clear_fault(fault.id)
    assert plant.active_faults == ()
    assert plant.fault(target, kind) is None


def test_injecting_the_same_kind_again_replaces_it(plant):
    first = plant.inject_fault("conveyor", "latency", {"ms": 100})
    second = plant.inject_fault("conveyor", "latency", {"ms": 900})
    assert second.id != first.id
    assert plant.active_faults == (second,)
    assert plant.fault("conveyor", "latency").params["ms"] == 900


def test_clear_faults_clears_all(plant):
    plant.inject_fault("conveyor", "estop")
    plant.inject_fault("camera", "blur", {"sigma": 5})
    plant.clear_faults()
    assert plant.active_faults == ()
    plant.step()
    assert conv(plant, "estop_ok")


def test_camera_noise_has_its_own_default(plant):
    assert plant.inject_fault("camera", "noise").params == {"sigma": 12}


@pytest.mark.parametrize(
    "target, kind, params, message",
    [
        ("conveyor", "melt", None, "unknown fault kind 'melt'; known kinds: offline, latency, drop"),
        ("feeder", "estop", None, "fault 'estop' cannot target 'feeder'; valid targets: 'conveyor'"),
        ("conveyor", "crc_noise", None, "fault 'crc_noise' cannot target 'conveyor'; valid targets: the fieldbus"),
        ("fieldbus", "serial_mismatch", None, "valid targets: a fieldbus device (ambient, vibration, energy.feeder"),
        ("conveyor.motor_run", "stuck", None, "valid targets: a read-only point (feeder.magazine_empty"),
        ("conveyor.pe_exit", "drift", None, "valid targets: a numeric read-only point"),
        ("conveyor", "latency", {"ms": 20000}, "fault 'latency' param 'ms' must be a number in 0..10000, got 20000"),
        ("conveyor", "latency", {"ms": "fast"}, "param 'ms' must be a number in 0..10000, got 'fast'"),
        ("conveyor", "drop", {"fraction": 1.5}, "param 'fraction' must be a number in 0..1, got 1.5"),
        ("conveyor", "latency", {"delay": 5}, "fault 'latency' has no param 'delay'; its params: ms"),
        ("conveyor", "estop", {"x": 1}, "fault 'estop' has no param 'x'; its params: none"),
        ("ambient", "serial_mismatch", {"baudrate": 1000}, "param 'baudrate' must be one of 1200, 2400"),
        ("ambient", "serial_mismatch", {"parity": "X"}, "param 'parity' must be one of N, E, O, got 'X'"),
        ("ambient", "serial_mismatch", {"baudrate": 19200, "parity": "E"}, "other than the bus's own"),
        ("camera", "dim_light", {"factor": -1}, "param 'factor' must be a number in 0..1"),
        ("ambient.temperature", "noise", {"sigma": math.nan}, "param 'sigma' must be a number in 0..1000"),
        ("ambient.temperature", "stuck", {"value": "hot"}, "param 'value' must be a number, got 'hot'"),
    ],
)
def test_bad_fault_requests_say_what_was_expected(plant, target, kind, params, message):
    with pytest.raises(FaultError) as error:
        plant.inject_fault(target, kind, params)
    assert message in str(error.value)
    assert plant.active_faults == ()


def test_clearing_an_unknown_fault_id_is_an_error(plant):
    fault = plant.inject_fault("conveyor", "offline")
    with pytest.raises(FaultError, match=f"no active fault with id 99; active ids: {fault.id}"):
        plant.clear_fault(99)


# -- plant faults ----------------------------------------------------------------


def start_belt(plant: Plant) -> None:
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(1)
    assert conv(plant, "motor_running")


def test_estop_stops_the_motor_and_ignores_motor_run(plant):
    start_belt(plant)
    plant.inject_fault("conveyor", "estop")
    plant.step()
    assert (conv(plant, "estop_ok"), conv(plant, "motor_running"), conv(plant, "fault_code")) == (False, False, 3)
    assert not conv(plant, "motor_run") and not conv(plant, "fault")
    assert conv(plant, "light_red")
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(2)
    assert not conv(plant, "motor_running") and conv(plant, "speed_actual") == 0
    plant.clear_faults()
    plant.step()
    assert (conv(plant, "estop_ok"), conv(plant, "fault_code")) == (True, 0)
    start_belt(plant)


def test_overload_trips_and_latches_until_reset_after_the_cause_is_gone(plant):
    start_belt(plant)
    normal = conv(plant, "motor_current")
    fault = plant.inject_fault("conveyor", "motor_overload")
    plant.step()
    assert conv(plant, "motor_current") > 5 > normal
    plant.run_for(1.1)
    assert (conv(plant, "fault"), conv(plant, "fault_code"), conv(plant, "motor_running")) == (True, 1, False)
    assert conv(plant, "motor_current") == 0
    plant.write("conveyor", "fault_reset", 1)
    plant.step()
    assert conv(plant, "fault") and not conv(plant, "fault_reset")  # cause still there
    plant.clear_fault(fault.id)
    plant.write("conveyor", "motor_run", 1)
    plant.step()
    assert not conv(plant, "motor_running")  # ignored while latched
    plant.write("conveyor", "fault_reset", 1)
    plant.step()
    assert (conv(plant, "fault"), conv(plant, "fault_code"), conv(plant, "fault_reset")) == (False, 0, False)
    start_belt(plant)


def test_diverter_jam_blocks_the_part_latches_and_clears_by_hand(plant):
    plant.inject_fault("conveyor", "diverter_jam")
    plant.write("feeder", "feed", 1)
    plant.run_for(0.8)
    start_belt(plant)
    plant.run_for(5)
    assert conv(plant, "pe_diverter")
    assert (conv(plant, "fault"), conv(plant, "fault_code"), conv(plant, "motor_running")) == (True, 2, False)
    assert conv(plant, "parts_rejected") == 0 and conv(plant, "parts_good") == 0
    plant.write("conveyor", "fault_reset", 1)
    plant.step()
    assert conv(plant, "fault")  # the part still sticks
    plant.clear_faults()
    plant.step()
    assert not conv(plant, "pe_diverter")
    assert conv(plant, "parts_rejected") == 1
    plant.write("conveyor", "fault_reset", 1)
    plant.step()
    assert conv(plant, "fault_code") == 0


def test_jam_blocks_the_parts_behind(plant):
    plant.inject_fault("conveyor", "diverter_jam")
    plant.write("feeder", "auto_feed", 1)
    plant.write("feeder", "feed_interval_ms", 500)
    start_belt(plant)
    plant.run_for(10)
    assert conv(plant, "fault_code") == 2
    assert conv(plant, "parts_good") + conv(plant, "parts_rejected") == 0
    assert all(p.outcome is None for p in plant.recent_parts)


def test_heater_failure_gives_no_heat_and_draws_no_power(plant):
    plant.inject_fault("process", "heater_failure")
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 100)
    plant.run_for(30)
    assert plant.read("process", "temperature") == pytest.approx(22.0)
    assert plant.read("energy.process", "power_kw") < 0.1
    plant.clear_faults()
    plant.run_for(30)
    assert plant.read("process", "temperature") > 40
    assert plant.read("energy.process", "power_kw") > 2


def test_thermocouple_open_raises_sensor_failure(plant):
    plant.inject_fault("process", "thermocouple_open")
    with pytest.raises(SensorFailure, match="thermocouple"):
        plant.read("process", "temperature")
    plant.clear_faults()
    assert plant.read("process", "temperature") == pytest.approx(22.0)


def test_thermocouple_open_switches_the_pid_off(plant):
    plant.write("process", "mode", 1)
    plant.start_batch(200, 60)
    plant.run_for(5)
    assert plant.read("process", "heater_output") > 0
    plant.inject_fault("process", "thermocouple_open")
    plant.step()
    assert plant.read("process", "heater_output") == 0


def test_bearing_wear_raises_vibration_of_the_running_belt(plant):
    start_belt(plant)
    plant.run_for(2)
    healthy = plant.read("vibration", "velocity_rms")
    plant.inject_fault("vibration", "bearing_wear")
    plant.run_for(2)
    assert plant.read("vibration", "velocity_rms") > 2 * healthy


# -- sensor faults ---------------------------------------------------------------------


def test_stuck_holds_the_value_at_injection_by_default(plant):
    fault = plant.inject_fault("conveyor.speed_actual", "stuck")
    assert fault.params == {"value": 0.0}
    start_belt(plant)
    assert plant.read("conveyor", "speed_actual") == 0.0
    plant.clear_fault(fault.id)
    assert plant.read("conveyor", "speed_actual") == 200.0


def test_stuck_with_a_value_on_a_bool_point(plant):
    plant.inject_fault("conveyor.pe_entry", "stuck", {"value": 1})
    assert plant.read("conveyor", "pe_entry") is True


def test_stuck_counter_keeps_its_type(plant):
    plant.inject_fault("feeder.magazine_count", "stuck", {"value": 12.4})
    assert plant.read("feeder", "magazine_count") == 12


def test_drift_grows_with_time_since_injection(plant):
    plant.inject_fault("process.temperature", "drift", {"per_s": 0.5})
    plant.run_for(10)
    assert plant.read("process", "temperature") == pytest.approx(22.0 + 5.0, abs=0.01)


def test_noise_scatters_readings(plant):
    plant.inject_fault("process.temperature", "noise", {"sigma": 2.0})
    readings = [plant.read("process", "temperature") for _ in range(200)]
    mean = sum(readings) / len(readings)
    spread = (sum((r - mean) ** 2 for r in readings) / len(readings)) ** 0.5
    assert mean == pytest.approx(22.0, abs=0.5)
    assert 1.5 < spread < 2.5


def test_communication_and_camera_faults_do_not_touch_the_physics(plant):
    reference = Plant(PlantConfig(seed=3))
    for target, kind in [("conveyor", "offline"), ("fieldbus", "latency"), ("camera", "blur"), ("camera", "dim_light")]:
        plant.inject_fault(target, kind)
    for p in (plant, reference):
        p.write("conveyor", "motor_run", 1)
        p.run_for(3)
    assert plant.read("conveyor", "speed_actual") == reference.read("conveyor", "speed_actual")
    assert plant.read("energy.conveyor", "energy_kwh") == reference.read("energy.conveyor", "energy_kwh")
