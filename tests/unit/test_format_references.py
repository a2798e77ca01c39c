"""The profile and line formats are documented from the schemas the loaders use, and the pages are current."""

from __future__ import annotations

from dataclasses import fields

import pytest

from smarthall.devices.camera import CameraSettings
from smarthall.devices.driver import Timeouts
from smarthall.devices.profiles import ProfileError, load_profile
from smarthall.devices.profiles import schema as profile_schema
from smarthall.devices.security import KEYS as SECURITY_KEYS
from smarthall.docs import LINE_FORMAT, PROFILE_FORMAT, line_format_page, profile_format_page
from smarthall.edge import schema as line_schema
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
    assert line_schema.CAMERA.key_names == tuple(f.name for f in fields(CameraSettings))
    assert set(SECURITY_KEYS) <= set(line_schema.OPCUA.key_names)
    assert set(line_schema.NORTHBOUND.key_names) == set(northbound._KEYS)
    assert set(line_schema.MQTT.key_names) == set(sparkplug._KEYS)
    assert set(line_schema.MQTT_STORE.key_names) == set(sparkplug._STORE_KEYS)
