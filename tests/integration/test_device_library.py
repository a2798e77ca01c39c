"""Every device-library profile: from a public manual, said how far it is checked, and read GOOD from its twin."""

from __future__ import annotations

import pytest

from smarthall.devices import Quality
from smarthall.devices.profiles import library_names, load_profile
from smarthall.edge.agent import line_driver
from smarthall.edge.config import load_line
from smarthall.simulators.device import DeviceTwin

LIBRARY = library_names()
WANTED = {"ls_xgb": "modbus-tcp", "mitsubishi_fx5u": "modbus-tcp", "siemens_s7_1500": "opcua",
          "autonics_tk": "modbus-rtu", "eastron_sdm120": "modbus-rtu", "advantech_adam6050": "modbus-tcp",
          "ls_ig5a": "modbus-rtu"}


def test_the_library_has_the_devices_of_korean_training_halls_each_from_its_manual():
    assert len(LIBRARY) >= 8
    for name, protocol in WANTED.items():
        assert load_profile(name).protocol == protocol, name
    for name in LIBRARY:
        profile = load_profile(name)
        assert profile.name == name and profile.vendor, name
        assert profile.manual is not None and profile.manual.title and profile.manual.revision, name
        assert profile.verified in ("manual", "simulated", "hardware"), name


@pytest.mark.parametrize("name", LIBRARY)
async def test_the_edge_reads_every_point_good_from_the_profiles_twin(name, tmp_path):
    async with DeviceTwin(name) as twin:
        shown = {f"{d.name}.{p.name}": twin.get(f"{d.name}.{p.name}") for d in twin.profile.devices for p in d.points}
        for point, value in shown.items():
            twin.set(point, value)  # held, so the read can be compared with it
        path = tmp_path / "line.toml"
        path.write_text(twin.line_file(), encoding="utf-8")
        (connection,) = load_line(path, {"historian": {"path": str(tmp_path / "h.db")}}).connections
        driver = line_driver(connection)
        try:
            for device in connection.profile.devices:
                readings = await driver.read(device, device.points)
                bad = {p.name: r.reason for p, r in zip(device.points, readings) if r.quality is not Quality.GOOD}
                assert not bad, bad
                for point, reading in zip(device.points, readings):
                    expected = shown[f"{device.name}.{point.name}"]
                    assert reading.value == (expected if isinstance(expected, str) else
                                             pytest.approx(expected, rel=1e-6)), point.name
        finally:
            await driver.close()
