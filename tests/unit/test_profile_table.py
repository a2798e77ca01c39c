"""`profile show` and `tags` say how each value sits: a bit of a register, a string's length, word order, offset."""

from __future__ import annotations

from smarthall.cli import main
from smarthall.devices.profiles import DataType, Kind, Point, Text
from smarthall.devices.profiles.table import layout

PROFILE = """
[profile]
name = "layouts"
version = 1
protocol = "modbus-tcp"
title = { ko = "배치", en = "layouts" }

[[devices]]
name = "plc"
unit = 1
title = { ko = "PLC", en = "PLC" }

[[devices.points]]
name = "door_open"
kind = "input_register"
address = 0
type = "uint16"
bit = 3
access = "r"
ko = "문 열림"
en = "door open"

[[devices.points]]
name = "recipe"
kind = "holding_register"
address = 1
type = "string"
length = 8
word_order = "BADC"
access = "rw"
ko = "레시피"
en = "recipe"

[[devices.points]]
name = "oil"
kind = "input_register"
address = 10
type = "float32"
word_order = "CDAB"
access = "r"
ko = "유온"
en = "oil temperature"

[[devices.points]]
name = "air"
kind = "input_register"
address = 12
type = "int16"
scale = 0.1
offset = -40
unit = "°C"
access = "r"
ko = "기온"
en = "air temperature"
"""


def point(**keys) -> Point:
    return Point(name="p", text=Text("p", "p"), address=0, **keys)


def test_layout_names_bit_length_word_order_scale_and_offset():
    assert layout(point(kind=Kind.HOLDING_REGISTER, type=DataType.UINT16, bit=3)) == "bool bit 3"
    assert layout(point(kind=Kind.HOLDING_REGISTER, type=DataType.STRING, length=8, word_order="BADC")) == "string 8 reg BADC"
    assert layout(point(kind=Kind.HOLDING_REGISTER, type=DataType.STRING, length=8)) == "string 8 reg"
    assert layout(point(kind=Kind.INPUT_REGISTER, type=DataType.FLOAT32, word_order="CDAB")) == "float32 CDAB"
    assert layout(point(kind=Kind.INPUT_REGISTER, type=DataType.INT16, scale=0.1, offset=-40)) == "int16 ×0.1 -40"
    assert layout(point(kind=Kind.COIL, type=DataType.BOOL)) == "bool"


def test_profile_show_and_tags_show_the_layout_not_the_register_type(tmp_path, capsys):
    (tmp_path / "layouts.toml").write_text(PROFILE, encoding="utf-8")
    line = tmp_path / "line.toml"
    line.write_text('[line]\nname = "l"\nko = "l"\nen = "l"\n[historian]\npath = "h.db"\n'
                    '[[connections]]\nname = "plc"\nprofile = "layouts"\nhost = "127.0.0.1"\nport = 1502\n'
                    '[[scan_groups]]\nname = "all"\nrate_ms = 100\ntags = ["plc.*"]\n', encoding="utf-8")
    assert main(["profile", "show", "layouts", "--line", str(line)]) == 0
    shown = capsys.readouterr().out
    for expected in ("bool bit 3", "string 8 reg BADC", "float32 CDAB", "int16 ×0.1 -40"):
        assert expected in shown
    assert "uint16" not in shown
    assert main(["tags", "--line", str(line)]) == 0
    tags = {line.split()[0]: line.split()[1:4] for line in capsys.readouterr().out.splitlines()}
    assert tags["plc.door_open"] == ["bool", "bit", "3"] and tags["plc.recipe"][:3] == ["string", "8", "reg"]
