"""Every device-library profile: from a public manual, said how far it is checked, and read GOOD from its twin."""

from __future__ import annotations

import tomllib

import pytest

from smarthall.devices import Quality
from smarthall.devices.camera import CameraDriver
from smarthall.devices.profiles import library_names, load_profile
from smarthall.edge.agent import line_driver
from smarthall.edge.config import load_line
from smarthall.simulators.device import DeviceTwin
from smarthall.testing.line import write_sim_line
from tests.waiting import until

LIBRARY = library_names()
WANTED = {"ls_xgb": "modbus-tcp", "mitsubishi_fx5u": "modbus-tcp", "siemens_s7_1500": "opcua",
          "autonics_tk": "modbus-rtu", "eastron_sdm120": "modbus-rtu", "advantech_adam6050": "modbus-tcp",
          "ls_ig5a": "modbus-rtu", "uvc_camera": "uvc"}
CAMERAS = [name for name in LIBRARY if load_profile(name).protocol == "uvc"]


def test_the_library_has_the_devices_of_korean_training_halls_each_from_its_manual():
    assert len(LIBRARY) >= 8
    for name, protocol in WANTED.items():
        assert load_profile(name).protocol == protocol, name
    for name in LIBRARY:
        profile = load_profile(name)
        assert profile.name == name and profile.vendor, name
        assert profile.manual is not None and profile.manual.title and profile.manual.revision, name
        assert profile.verified in ("manual", "simulated", "hardware"), name


@pytest.mark.parametrize("name", [name for name in LIBRARY if name not in CAMERAS])
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


@pytest.mark.parametrize("name", CAMERAS)
async def test_the_edge_grabs_frames_of_the_camera_profiles_size_from_its_twin(name, tmp_path):
    """The twin streams at the profile's size and rate; the edge opens it from a line's [vision.camera] naming the
    profile, with only the source its own."""
    async with DeviceTwin(name) as twin:
        camera_table = tomllib.loads(twin.connection_table())["vision"]["camera"]  # what the twin prints, in a line
        path = write_sim_line(tmp_path / "line.toml", {"historian": {"path": str(tmp_path / "h.db")},
                                                        "vision": {"camera": camera_table}})
        settings = load_line(path).vision.camera
        camera = twin.profile.camera
        assert settings.source == twin.endpoint and (settings.width, settings.fps) == (camera["width"], camera["fps"])
        async with CameraDriver(settings) as driver:
            frame = await driver.frame_after(0, timeout=30)
            assert frame is not None, driver.status().reason
            assert frame.image.shape == (camera["height"], camera["width"], 3)
            twin.inject("offline")
            await until(lambda: driver.status().quality is Quality.BAD, timeout=30)  # offline: the stream stalls
