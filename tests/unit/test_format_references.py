"""The profile and line formats are documented from the schemas the loaders use, and the pages are current."""

from __future__ import annotations

from dataclasses import fields

import pytest

from smarthall.devices.camera import CameraSettings
from smarthall.devices.camera_settings import APPLIED
from smarthall.devices.driver import Timeouts
from smarthall.devices.profiles import ProfileError, load_profile
from smarthall.devices.profiles import schema as profile_schema
from smarthall.devices.security import KEYS as SECURITY_KEYS
from smarthall.docs import LINE_FORMAT, PROFILE_FORMAT, line_format_page, profile_format_page
from smarthall.edge import schema as line_schema
from smarthall.edge.config import load_line
from smarthall.edge.northbound import settings as northbound
from smarthall.edge.sparkplug import settings as sparkplug


def test_profile_format_doc_is_generated_from_the_schema():
    assert PROFILE_FORMAT.read_text(encoding="utf-8") == profile_format_page(), (
        "docs/profile-format.md is stale: run `python -m smarthall.docs`")


def test_line_format_doc_is_generated_from_the_schema():
    assert LINE_FORMAT.read_text(encoding="utf-8") == line_format_page(), (
        "docs/line-format.md is stale: run `python -m smarthall.docs`")


def test_the_profile_example_loads_as_documented(tmp_path):
    path = tmp_path / "my_oven.toml"
    path.write_text(profile_schema.EXAMPLE, encoding="utf-8")
    profile = load_profile(path)
    assert profile.verified == "manual" and profile.manual.revision == "rev. 2, 2024-03"
    points = {p.name: p for p in profile.device("oven").points}
    assert (points["door_open"].bit, points["power"].word_order, points["temperature"].scale) == (0, "CDAB", 0.1)


def test_the_line_example_of_library_devices_loads_as_documented(tmp_path):
    path = tmp_path / "cell.toml"
    path.write_text(line_schema.LIBRARY_EXAMPLE, encoding="utf-8")
    line = load_line(path, {"historian": {"path": str(tmp_path / "cell.db")}})
    assert [(c.name, c.profile.name) for c in line.connections] == [
        ("plc", "ls_xgb"), ("bus", "autonics_tk"), ("s7", "siemens_s7_1500")]
    assert set(line.tags) == {f"{d.name}.{p.name}" for c in line.connections for d in c.profile.devices
                              for p in d.points}
    assert line.tag("xgb.temperature").group == "fast" and line.tag("s7.temperature").group == "slow"


def test_the_camera_profile_example_loads_as_documented(tmp_path):
    path = tmp_path / "line_camera.toml"
    path.write_text(profile_schema.CAMERA_EXAMPLE, encoding="utf-8")
    profile = load_profile(path)
    assert profile.protocol == "uvc" and profile.devices == ()
    assert dict(profile.camera) == {"width": 1280, "height": 720, "fps": 30, "fourcc": "MJPG", "auto_exposure": False,
                                    "exposure": 80, "gain": 16, "autofocus": False, "focus": 30}


CAMERA_HEAD = '[profile]\nname = "c"\nversion = 1\nprotocol = "uvc"\ntitle = { ko = "c", en = "c" }\n'


@pytest.mark.parametrize("text,expected", [
    (CAMERA_HEAD + "[camera]\nframerate = 30\n", r"c.toml: \[camera\]: unknown key 'framerate': expected one of auto_exposure,"),
    (CAMERA_HEAD + "[camera]\nstall_s = 3\n", r"c.toml: \[camera\]: unknown key 'stall_s'"),  # the line's, not the camera's
    (CAMERA_HEAD + "[camera]\nfps = 0\n", r"c.toml: \[camera\]: key 'fps': expected a number 0.1..1000, got 0"),
    (CAMERA_HEAD + '[camera]\nfourcc = "MJPEG"\n', (r"c.toml: \[camera\]: key 'fourcc': expected 4 characters \(MJPG, YUYV\),"
     " got 'MJPEG'")),
    (CAMERA_HEAD + "[camera]\nautofocus = true\nfocus = 10\n", (r"c.toml: \[camera\]: key 'focus': a manual focus needs"
     " autofocus = false, got autofocus = true")),
    (CAMERA_HEAD + "[camera]\n[[devices]]\n", r"c.toml: top level: unknown key 'devices'"),
    (CAMERA_HEAD, r"c.toml: top level: missing key 'camera'"),
])
def test_a_camera_profile_is_checked_naming_file_table_and_key(tmp_path, text, expected):
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=expected):
        load_profile(path)


@pytest.mark.parametrize("table,text", [
    ("[profile]", '[profile]\nname = "x"\nversion = 1\nprotocol = "modbus-tcp"\ntitle = { ko = "x", en = "x" }\ncolour = 1\n'),
    ("[transport]", ('[profile]\nname = "x"\nversion = 1\nprotocol = "modbus-tcp"\ntitle = { ko = "x", en = "x" }\n'
                    '[transport]\nbaud = 9600\n')),
])
def test_a_key_the_schema_lacks_is_refused_naming_the_table(tmp_path, table, text):
    path = tmp_path / "x.toml"
    path.write_text(text + '[[devices]]\nname = "d"\nunit = 1\ntitle = { ko = "d", en = "d" }\npoints = []\n',
                    encoding="utf-8")
    with pytest.raises(ProfileError, match=rf"{table.replace('[', '.').replace(']', '.')}: unknown key"):
        load_profile(path)


def test_every_line_table_kept_by_another_loader_has_the_same_keys_in_the_schema():
    assert line_schema.TIMEOUTS.key_names == tuple(f.name for f in fields(Timeouts))
    assert line_schema.CAMERA.key_names == ("profile", *(f.name for f in fields(CameraSettings)))
    assert profile_schema.CAMERA.key_names == ("source", *APPLIED)  # what the camera is asked, not the timeouts
    assert set(SECURITY_KEYS) <= set(line_schema.OPCUA.key_names)
    assert set(line_schema.NORTHBOUND.key_names) == set(northbound._KEYS)
    assert set(line_schema.MQTT.key_names) == set(sparkplug._KEYS)
    assert set(line_schema.MQTT_STORE.key_names) == set(sparkplug._STORE_KEYS)
