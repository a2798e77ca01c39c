"""Field devices: ambient, vibration and energy meters follow the stations."""

import pytest

from smarthall.simulators.plant import Plant, PlantConfig, WriteRejected

METERS = ("energy.feeder", "energy.conveyor", "energy.vision", "energy.process")


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(seed=2, tick=0.05))


def test_ambient_is_about_22_degrees_and_45_percent(plant):
    plant.run_for(600)
    assert 19 < plant.read("ambient", "temperature") < 25
    assert 40 < plant.read("ambient", "humidity") < 50


def test_ambient_varies_slowly(plant):
    plant.step()
    first = plant.read("ambient", "temperature")
    plant.run_for(900)
    assert abs(plant.read("ambient", "temperature") - first) > 0.5


def test_vibration_rises_with_belt_speed(plant):
    plant.run_for(1)
    still = plant.read("vibration", "velocity_rms")
    plant.write("conveyor", "motor_run", 1)
    plant.write("conveyor", "speed_setpoint", 200)
    plant.run_for(2)
    slow = plant.read("vibration", "velocity_rms")
    plant.write("conveyor", "speed_setpoint", 500)
    plant.run_for(2)
    fast = plant.read("vibration", "velocity_rms")
    assert still < 0.3 < slow < fast


def test_motor_surface_warms_while_running(plant):
    plant.run_for(1)
    cold = plant.read("vibration", "surface_temperature")
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(600)
    assert plant.read("vibration", "surface_temperature") > cold + 5


def test_meters_read_mains_and_the_vision_pc_draws_steadily(plant):
    plant.step()
    for meter in METERS:
        assert plant.read(meter, "voltage") == pytest.approx(220, abs=3)
    assert plant.read("energy.vision", "power_kw") == pytest.approx(0.15)


def test_current_is_power_over_voltage_and_power_factor(plant):
    plant.write("conveyor", "motor_run", 1)
    plant.run_for(2)
    for meter in METERS:
        kw, volts, amps = (plant.read(meter, p) for p in ("power_kw", "voltage", "current"))
        assert amps > 0
        assert kw * 1000 / (volts * amps) == pytest.approx(
            {"energy.feeder": 0.85, "energy.conveyor": 0.8, "energy.vision": 0.95, "energy.process": 1.0}[meter]
        )


def test_power_follows_what_each_station_does(plant):
    plant.step()
    idle = {m: plant.read(m, "power_kw") for m in METERS}
    plant.write("feeder", "feed", 1)
    plant.write("conveyor", "motor_run", 1)
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 50)
    plant.run_for(0.2)
    busy = {m: plant.read(m, "power_kw") for m in METERS}
    assert busy["energy.feeder"] > idle["energy.feeder"] + 0.2
    assert busy["energy.conveyor"] > idle["energy.conveyor"] + 0.1
    assert busy["energy.process"] == pytest.approx(idle["energy.process"] + 1.0)
    assert busy["energy.vision"] == idle["energy.vision"]
    plant.run_for(1)
    assert plant.read("energy.feeder", "power_kw") == idle["energy.feeder"]


def test_energy_integrates_power(plant):
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 100)
    plant.run_for(360)
    assert plant.read("energy.process", "energy_kwh") == pytest.approx(2.05 * 0.1, rel=1e-3)
    assert plant.read("energy.vision", "energy_kwh") == pytest.approx(0.15 * 0.1, rel=1e-3)


def test_field_points_are_read_only(plant):
    with pytest.raises(WriteRejected, match="energy.process.energy_kwh is read-only"):
        plant.write("energy.process", "energy_kwh", 0)
