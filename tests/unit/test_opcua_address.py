"""OPC UA addresses as PLCs serve them: NodeIds in every form, browse paths of any depth, checked at load."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from asyncua import ua

from smarthall.devices.opcua.values import argument
from smarthall.devices.profiles import DataType, ProfileError, load_profile
from smarthall.devices.profiles.address import BrowsePath, NodeIdText, parse_address


@pytest.mark.parametrize(("text", "expected"), [
    ('ns=3;s="DB_Line"."Temperature"', NodeIdText(3, "s", '"DB_Line"."Temperature"')),
    ("i=2258", NodeIdText(None, "i", 2258)),
    ("ns=2;g=09087e75-8e5e-499b-954f-f2a9603db28a",
     NodeIdText(2, "g", uuid.UUID("09087e75-8e5e-499b-954f-f2a9603db28a"))),
    ("ns=1;b=M/RsB2Q=", NodeIdText(1, "b", b"3\xf4l\x07d")),
    ('nsu=http://www.siemens.com/simatic-s7-opcua;s="DB_Line"."Temperature"',
     NodeIdText("http://www.siemens.com/simatic-s7-opcua", "s", '"DB_Line"."Temperature"')),
    ("ns=3;s=a/b;c", NodeIdText(3, "s", "a/b;c")),
])
def test_node_ids_in_every_standard_form(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Temperature", BrowsePath(((None, "Temperature"),), absolute=False)),
    ("/3:DataBlocksGlobal/3:DB_Line/3:Temperature",
     BrowsePath(((3, "DataBlocksGlobal"), (3, "DB_Line"), (3, "Temperature")), absolute=True)),
    ("/nsu=http://www.siemens.com/simatic-s7-opcua;DB_Line/Motor/2:Speed",
     BrowsePath((("http://www.siemens.com/simatic-s7-opcua", "DB_Line"), (None, "Motor"), (2, "Speed")), True)),
    ("Pressure&/Flow/a&:b", BrowsePath(((None, "Pressure/Flow"), (None, "a:b")), absolute=False)),
])
def test_browse_paths_of_any_depth_with_each_elements_namespace(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("", "expected a NodeId"),
    ("i=x", "i= expects a number"),
    ("ns=70000;i=1", "namespace index 0..65535"),
    ("ns=2;g=not-a-guid", "g= expects a GUID"),
    ("/Objects//Line", "a browse name between each '/'"),
])
def test_bad_addresses_say_what_was_expected(text, expected):
    with pytest.raises(ValueError, match=expected):
        parse_address(text)


S7_PROFILE = """
[profile]
name = "s7"
version = 1
protocol = "opcua"
title = {{ ko = "S7", en = "S7" }}

[transport]
endpoint = "opc.tcp://127.0.0.1:4840"
{namespace}

[[devices]]
name = "line"
{object}
title = {{ ko = "라인", en = "line" }}

[[devices.points]]
name = "temperature"
kind = "node"
node = '{node}'
type = "float64"
access = "r"
ko = "온도"
en = "temperature"
{methods}
"""


def _profile(tmp_path: Path, node: str, obj: str = "", namespace: str = "", methods: str = ""):
    path = tmp_path / "s7.toml"
    path.write_text(S7_PROFILE.format(node=node, object=obj, namespace=namespace, methods=methods), encoding="utf-8")
    return load_profile(path)


def test_a_profile_of_string_node_ids_needs_no_object_and_no_namespace(tmp_path):
    profile = _profile(tmp_path, 'ns=3;s="DB_Line"."Temperature"', methods="""
[[devices.methods]]
name = "Start"
object = 'ns=3;s="DB_Line"'
node = 'ns=3;s="DB_Line".Start'
inputs = [{ name = "speed", type = "int16" }]
ko = "시작"
en = "start"
""")
    device = profile.device("line")
    assert device.object is None and device.point("temperature").node == 'ns=3;s="DB_Line"."Temperature"'
    assert (device.methods[0].object, device.methods[0].node) == ('ns=3;s="DB_Line"', 'ns=3;s="DB_Line".Start')


def test_a_bad_node_id_names_file_point_key_and_form(tmp_path):
    with pytest.raises(ProfileError, match=r"s7\.toml: .*'temperature': key 'node': i= expects a number"):
        _profile(tmp_path, "ns=3;i=DB_Line")


def test_a_path_from_the_object_needs_an_object(tmp_path):
    with pytest.raises(ProfileError, match="missing key 'object': point 'temperature'"):
        _profile(tmp_path, "3:Temperature")


def test_a_browse_name_without_namespace_needs_the_profiles_namespace(tmp_path):
    with pytest.raises(ProfileError, match=r"browse name without a namespace: expected \[transport\] namespace"):
        _profile(tmp_path, "/3:DataBlocksGlobal/DB_Line/3:Temperature")
    profile = _profile(tmp_path, "/DataBlocksGlobal/DB_Line/Temperature", namespace='namespace = "urn:plc"')
    assert profile.device("line").point("temperature").node == "/DataBlocksGlobal/DB_Line/Temperature"


def test_a_method_without_any_object_is_refused(tmp_path):
    with pytest.raises(ProfileError, match="method 'Start' has no 'object'"):
        _profile(tmp_path, "i=2258", methods="""
[[devices.methods]]
name = "Start"
ko = "시작"
en = "start"
""")


def test_method_arguments_are_checked_against_the_servers_type_before_sending():
    int16 = ua.Argument(Name="speed", DataType=ua.NodeId(ua.ObjectIds.Int16), ValueRank=-1)
    with pytest.raises(ValueError, match=r"argument speed \(Int16\): expected a whole number -32768\.\.32767, got 40000"):
        argument("speed", DataType.UINT32, 40000, int16)  # the server's type wins over the profile's
    assert argument("speed", DataType.UINT32, -5, int16) == ua.Variant(-5, ua.VariantType.Int16)
    with pytest.raises(ValueError, match=r"\(Int16\)"):
        argument("speed", DataType.INT16, 40000)  # no InputArguments: the profile's type
    with pytest.raises(ValueError, match=r"\(Int16\): expected a whole number"):
        argument("speed", DataType.INT16, 1.5)
