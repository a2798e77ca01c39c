"""The plant's physics, held to the bit: a hash of every point of four seeded plants over 24,000 ticks.

The per-tick paths are optimised for speed (classroom and sim_scale serve dozens of plants per process);
this test holds every optimisation to the numbers the plant gave before it: jams, overload, E-stop,
bearing wear, sensor noise, a heating batch, verdicts, manual mode and counter resets, with ticks of
two lengths, and the ground-truth part log. A change of physics on purpose changes FINGERPRINT, in the
same commit, saying why.
"""

import hashlib

from smarthall.simulators.plant import Plant, PlantConfig, SensorFailure

FINGERPRINT = "4583db164a8d02b744feea771588d69ebda94c25ad44da9f8e758ccad9b3fc42"
IDLE_FINGERPRINT = "0180d3d8d7cb178c6b61fd472a07ab0c0b6259748c8d84a85ac3503725b75aff"


def _snapshot(plant: Plant, digest) -> None:
    for device, station in plant._devices.items():
        for point in station.POINTS:
            try:
                value = plant.read(device, point)
            except SensorFailure:
                value = "fail"
            digest.update(f"{device}.{point}={value!r};".encode())
    digest.update(repr([(p.id, p.verdict, p.outcome, p.uninspected) for p in plant.recent_parts]).encode())


def _events(plant: Plant, tick: int) -> None:
    """What the operator and the instructor do at given ticks of the run."""
    write = plant.write
    if tick == 500:
        plant.inject_fault("conveyor", "diverter_jam")
    elif tick == 1500:
        plant.clear_faults()
        write("conveyor", "fault_reset", True)
    elif tick == 1600:
        write("conveyor", "motor_run", True)
    elif tick == 2000:
        plant.inject_fault("conveyor", "motor_overload")
        plant.inject_fault("vibration", "bearing_wear")
    elif tick == 2500:
        plant.clear_faults()
        write("conveyor", "fault_reset", True)
        plant.inject_fault("process.temperature", "noise", {"sigma": 1.0})
    elif tick == 2600:
        write("conveyor", "motor_run", True)
        write("conveyor", "verdict_part", plant.read("feeder", "last_part_id"))
        write("conveyor", "verdict", 1)
    elif tick == 3000:
        plant.inject_fault("conveyor", "estop")
        plant.inject_fault("process", "heater_failure")
    elif tick == 3500:
        plant.clear_faults()
        write("conveyor", "auto_mode", False)
        write("conveyor", "divert_reject", True)
    elif tick == 3600:
        write("conveyor", "motor_run", True)
        write("conveyor", "speed_setpoint", 450)
    elif tick == 4000:
        write("conveyor", "divert_reject", False)
        write("process", "mode", 0)
        write("process", "heater_output", 50.0)
    elif tick == 4500:
        write("conveyor", "auto_mode", True)
        write("conveyor", "reset_counters", True)
        plant.inject_fault("process", "thermocouple_open")


def test_every_point_of_four_plants_over_24000_ticks_is_unchanged():
    digest = hashlib.sha256()
    for seed in range(4):
        plant = Plant(PlantConfig(seed=seed))
        plant.write("conveyor", "motor_run", True)
        plant.write("feeder", "auto_feed", True)
        plant.start_batch(120.0, 20)
        for tick in range(6000):
            plant.step(0.01 if tick % 7 else 0.013)
            _events(plant, tick)
            if tick % 10 == 0:
                _snapshot(plant, digest)
        plant.run_for(3.7)
        _snapshot(plant, digest)
    assert digest.hexdigest() == FINGERPRINT


def _idle_events(plant: Plant, tick: int) -> None:
    """A line mostly at rest: idle, a manual heat, a part fed onto a stopped belt, a short run, a stop."""
    write = plant.write
    if tick == 1000:
        write("process", "mode", 0)
        write("process", "heater_output", 30.0)
    elif tick == 1400:
        write("process", "heater_output", 0.0)
    elif tick == 2000:
        write("feeder", "feed", True)
    elif tick == 2600:
        write("conveyor", "motor_run", True)
    elif tick == 2800:
        write("conveyor", "motor_run", False)
    elif tick == 3600:
        write("conveyor", "motor_run", True)
    elif tick == 5200:
        write("conveyor", "motor_run", False)
        write("process", "mode", 1)


def test_every_point_of_two_plants_mostly_at_rest_is_unchanged():
    digest = hashlib.sha256()
    for seed in (4, 5):
        plant = Plant(PlantConfig(seed=seed))
        for tick in range(6000):
            plant.step(0.01)
            _idle_events(plant, tick)
            if tick % 10 == 0:
                _snapshot(plant, digest)
    assert digest.hexdigest() == IDLE_FINGERPRINT
