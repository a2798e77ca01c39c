"""Process station: heater model, PID, batch state machine, limits."""

import pytest

from smarthall.simulators.plant import Plant, PlantConfig, WriteRejected


@pytest.fixture
def plant() -> Plant:
    return Plant(PlantConfig(tick=0.1))


def proc(plant: Plant, point: str):
    return plant.read("process", point)


def test_starts_cold_idle_and_auto_as_the_profile_says(plant):
    assert (proc(plant, "temperature"), proc(plant, "mode"), proc(plant, "batch_state")) == (22.0, 1, 0)
    assert (proc(plant, "heater_output"), proc(plant, "setpoint")) == (0, 25)


def test_heater_responds_after_the_dead_time(plant):
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 50)
    plant.run_for(2.5)
    assert proc(plant, "temperature") == pytest.approx(22.0)
    plant.run_for(10)
    assert proc(plant, "temperature") > 25


def test_full_output_settles_near_262_and_raises_the_over_temperature_alarm(plant):
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 100)
    plant.run_for(63)  # dead time plus one time constant: 63 % of the step
    assert proc(plant, "temperature") == pytest.approx(22 + 0.632 * 240, abs=2)
    assert not plant.over_temperature
    plant.run_for(600)
    assert proc(plant, "temperature") == pytest.approx(262, abs=0.5)
    assert plant.over_temperature


def test_batch_heats_soaks_cools_and_is_done(plant):
    plant.write("process", "mode", 1)
    plant.start_batch(180, 60)
    states = [proc(plant, "batch_state")]
    peak = 0.0
    for _ in range(9000):
        plant.step()
        peak = max(peak, proc(plant, "temperature"))
        if proc(plant, "batch_state") != states[-1]:
            states.append(proc(plant, "batch_state"))
            if states[-1] == 2:
                assert proc(plant, "temperature") == pytest.approx(180, abs=2)
                soak_start = plant.now
            if states[-1] == 3:
                assert plant.now - soak_start == pytest.approx(60, abs=0.2)
                assert proc(plant, "temperature") == pytest.approx(180, abs=2)
        if states[-1] == 4:
            break
    assert states == [1, 2, 3, 4]
    assert peak < 185
    assert proc(plant, "temperature") < 60
    assert proc(plant, "heater_output") == 0
    assert proc(plant, "batch_count") == 1


def test_pid_holds_the_setpoint_while_soaking(plant):
    plant.write("process", "mode", 1)
    plant.start_batch(250, 3600)
    plant.run_for(600)
    assert proc(plant, "batch_state") == 2
    assert proc(plant, "temperature") == pytest.approx(250, abs=0.5)
    assert 90 < proc(plant, "heater_output") < 100
    assert not plant.over_temperature


def test_anti_windup_limits_overshoot_after_long_saturation(plant):
    plant.write("process", "mode", 1)
    plant.write("process", "ki", 0.5)
    plant.start_batch(240, 3600)
    peak = 0.0
    for _ in range(6000):
        plant.step()
        peak = max(peak, proc(plant, "temperature"))
    assert peak < 246


def test_abort_switches_the_heater_off(plant):
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 80)
    plant.start_batch(200, 10)
    plant.run_for(20)
    plant.abort_batch()
    plant.step()
    assert (proc(plant, "batch_state"), proc(plant, "heater_output")) == (5, 0)
    plant.abort_batch()  # nothing to abort: no error
    plant.start_batch(100, 0)
    assert proc(plant, "batch_state") == 1


def test_manual_batch_cools_with_the_heater_held_off(plant):
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 100)
    plant.start_batch(100, 0)
    while proc(plant, "batch_state") != 3:
        plant.step()
    plant.step()
    assert proc(plant, "heater_output") == 0
    with pytest.raises(WriteRejected, match="cools"):
        plant.write("process", "heater_output", 10)


def test_switching_to_auto_mid_batch_is_bumpless(plant):
    plant.write("process", "mode", 0)
    plant.write("process", "heater_output", 60)
    plant.start_batch(250, 600)
    plant.run_for(30)
    plant.write("process", "mode", 1)
    plant.step()
    assert proc(plant, "heater_output") == pytest.approx(60, abs=1)


def test_auto_mode_without_a_batch_keeps_the_heater_off(plant):
    plant.run_for(30)
    assert proc(plant, "heater_output") == 0 and proc(plant, "temperature") == pytest.approx(22.0)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p: p.start_batch(300, 10), "setpoint must be in 20..250, got 300"),
        (lambda p: p.start_batch(100, -1), "soak_s must be in 0..86400, got -1"),
        (lambda p: p.write("process", "setpoint", 300), "process.setpoint must be in 20..250, got 300"),
        (lambda p: p.write("process", "heater_output", 101), "process.heater_output must be in 0..100"),
        (lambda p: p.write("process", "mode", 2), "process.mode must be in 0..1, got 2"),
        (lambda p: p.write("process", "kp", -1), "process.kp must be in 0..1000, got -1"),
        (lambda p: p.write("process", "temperature", 50), "process.temperature is read-only"),
        (lambda p: p.write("process", "batch_state", 1), "process.batch_state is read-only"),
    ],
)
def test_bad_process_writes_are_rejected(plant, call, message):
    with pytest.raises(WriteRejected) as error:
        call(plant)
    assert message in str(error.value)


def test_heater_output_is_not_writable_in_auto(plant):
    plant.write("process", "mode", 1)
    with pytest.raises(WriteRejected, match="only in manual mode"):
        plant.write("process", "heater_output", 10)


def test_second_batch_while_busy_is_rejected(plant):
    plant.start_batch(100, 10)
    with pytest.raises(WriteRejected, match="a batch is running"):
        plant.start_batch(120, 10)
