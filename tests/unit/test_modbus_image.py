"""DeviceImage against a tiny fake of Plant.read/write: encoding, address checks, all-or-nothing writes."""

from __future__ import annotations

import pytest

from smarthall.devices.profiles import DataType, Device, Kind, Point, Text, load_profile
from smarthall.simulators.modbus import IllegalDataAddress, IllegalDataValue, ServerDeviceFailure
from smarthall.simulators.modbus.image import DeviceImage
from smarthall.simulators.plant import SensorFailure, WriteRejected

CONVEYOR = load_profile("conveyor").device("conveyor")
METER = load_profile("fieldbus").device("energy.feeder")


class FakePlant:
    """Point values by name; writes recorded in order; some points refuse or fail."""

    def __init__(self, values=None, refuse=(), broken=()) -> None:
        self.values = dict(values or {})
        self.writes: list[tuple[str, object]] = []
        self.refuse, self.broken = set(refuse), set(broken)

    def read(self, device, point):
        if point in self.broken:
            raise SensorFailure(f"{point} is broken")
        return self.values.get(point, 0)

    def read_many(self, device, points):
        return [self.read(device, point) for point in points]

    def write(self, device, point, value):
        if point in self.refuse:
            raise WriteRejected(f"{point} busy")
        self.writes.append((point, value))
        self.values[point] = value

    def fault(self, target, kind):
        return None


def synthetic(*points: Point) -> Device:
    return Device(name="synthetic", title=Text("합성", "synthetic"), points=points, unit=1)


def pt(name, kind, address, type="uint16", access="rw", **more) -> Point:
    return Point(name=name, kind=Kind(kind), type=DataType(type), text=Text(name, name), address=address,
                 access=access, **more)


def test_input_registers_encode_scale_and_32_bit_values():
    plant = FakePlant({"speed_actual": 200, "motor_current": 1.23, "run_seconds": 70000})
    words = DeviceImage(plant, CONVEYOR).read_registers(Kind.INPUT_REGISTER, 0, 10)
    assert words[0] == 200 and words[6] == 123 and words[8:] == [1, 70000 - 65536]


def test_reading_half_of_a_32_bit_value_gives_that_word():
    image = DeviceImage(FakePlant({"run_seconds": 70000}), CONVEYOR)
    assert image.read_registers(Kind.INPUT_REGISTER, 9, 1) == [70000 - 65536]


def test_energy_meter_float32_high_word_first():
    image = DeviceImage(FakePlant({"voltage": 220.0, "current": -1.5}), METER)
    assert image.read_registers(Kind.INPUT_REGISTER, 0, 4) == [0x435C, 0x0000, 0xBFC0, 0x0000]


def test_values_beyond_the_register_type_saturate():
    device = synthetic(pt("t", "input_register", 0, "int16", "r", scale=0.1), pt("n", "input_register", 1, access="r"))
    image = DeviceImage(FakePlant({"t": 5000.0, "n": -3}), device)
    assert image.read_registers(Kind.INPUT_REGISTER, 0, 2) == [32767, 0]


def test_bits_read_from_the_plant():
    image = DeviceImage(FakePlant({"estop_ok": True, "fault": True}), CONVEYOR)
    assert image.read_bits(Kind.DISCRETE_INPUT, 4, 4) == [False, True, False, True]


@pytest.mark.parametrize(("kind", "address", "count"), [
    pytest.param(Kind.COIL, 8, 1, id="past-the-end"),
    pytest.param(Kind.COIL, 7, 2, id="straddling-the-end"),
    pytest.param(Kind.HOLDING_REGISTER, 0, 3, id="gap"),
    pytest.param(Kind.INPUT_REGISTER, 0, 1, id="kind-not-served"),
])
def test_unmapped_addresses_are_illegal_data_address(kind, address, count):
    device = synthetic(pt("a", "holding_register", 0), pt("b", "holding_register", 2), *CONVEYOR.of_kind(Kind.COIL))
    image = DeviceImage(FakePlant(), device)
    read = image.read_registers if kind.is_register else image.read_bits
    with pytest.raises(IllegalDataAddress):
        read(kind, address, count)


def test_verdict_pair_reaches_the_plant_in_one_call_part_first():
    plant = FakePlant()
    DeviceImage(plant, CONVEYOR).write_registers(1, [7, 2])
    assert plant.writes == [("verdict_part", 7), ("verdict", 2)]


def test_a_bad_value_anywhere_means_nothing_is_written():
    plant = FakePlant()
    with pytest.raises(IllegalDataValue, match="verdict"):
        DeviceImage(plant, CONVEYOR).write_registers(0, [300, 7, 5])
    assert plant.writes == []


def test_writing_part_of_a_32_bit_point_is_illegal_data_address():
    device = synthetic(pt("total", "holding_register", 0, "uint32"), pt("after", "holding_register", 2))
    image = DeviceImage(FakePlant(), device)
    for address, words in ((0, [1]), (1, [1, 2])):
        with pytest.raises(IllegalDataAddress, match="all of total"):
            image.write_registers(address, words)
    image.write_registers(0, [1, 2, 3])
    assert image.plant.writes == [("total", 65538), ("after", 3)]


def test_read_only_coils_and_holding_registers_refuse_writes():
    device = synthetic(pt("c", "coil", 0, "bool", "r"), pt("h", "holding_register", 0, "uint16", "r"))
    image = DeviceImage(FakePlant(), device)
    with pytest.raises(IllegalDataAddress, match="read-only"):
        image.write_coils(0, [True])
    with pytest.raises(IllegalDataAddress, match="read-only"):
        image.write_registers(0, [1])


def test_plant_refusal_is_illegal_data_value_and_a_broken_sensor_is_device_failure():
    image = DeviceImage(FakePlant(refuse={"motor_run"}, broken={"speed_actual"}), CONVEYOR)
    with pytest.raises(IllegalDataValue, match="busy"):
        image.write_coils(0, [True])
    with pytest.raises(ServerDeviceFailure):
        image.read_registers(Kind.INPUT_REGISTER, 0, 1)


def test_identity_names_the_device():
    assert DeviceImage(FakePlant(), CONVEYOR).identity == ("Smart Hall", "conveyor", "1")


def test_bit_points_of_one_register_read_as_one_word_and_a_write_changes_only_writable_bits():
    device = synthetic(pt("alarm", "holding_register", 0, bit=0, access="r"),
                       pt("enable", "holding_register", 0, bit=3), pt("mode", "holding_register", 0, bit=15),
                       pt("name", "holding_register", 1, type="string", length=2))
    plant = FakePlant({"alarm": True, "enable": False, "mode": True, "name": "AB"})
    image = DeviceImage(plant, device)
    assert image.read_registers(Kind.HOLDING_REGISTER, 0, 3) == [0x8001, 0x4142, 0]
    image.write_registers(0, [0x8009])
    assert plant.writes == [("enable", True)]
    with pytest.raises(IllegalDataAddress, match="alarm is read-only"):
        image.write_registers(0, [0x8008])
    assert plant.values["alarm"] is True and plant.writes == [("enable", True)]
