"""The profile format as data: every table and key with its type, default, unit and meaning.

The loader takes its key names from here (an unknown key is an error naming the file and
place), and `reference()` writes docs/profile-format.md from it (`python -m smarthall.docs`;
a test fails when the committed page is stale, and another loads `EXAMPLE`).
"""

from __future__ import annotations

from ..camera_settings import APPLIED
from ..camera_settings import KEYS as CAMERA_KEYS
from ..reference import Entry, Key, Said, page_head, sentence, table
from .address import __doc__ as ADDRESSING
from .model import WORD_ORDERS, DataType, Kind, Level

PROTOCOLS = ("modbus-tcp", "modbus-rtu", "opcua", "uvc")
VERIFIED = ("manual", "simulated", "hardware")
TEXT = (Key("ko", "text", "the Korean text"), Key("en", "text", "the English text"))

PROFILE = Entry("[profile]", "what the profile describes", (
    Key("name", "text", "the profile's name (a line file names it in `profile`; the file's stem finds it)"),
    Key("version", "whole number", "the map's version; raise it when an address changes"),
    Key("protocol", " ".join(PROTOCOLS), "how the devices are reached; `uvc`: a camera (a `[camera]` table in"
        " place of `[transport]` and `[[devices]]`)"),
    Key("title", "{ ko, en }", "one line saying what it is"),
    Key("vendor", "text", "the maker (library profiles)", Said("none")),
    Key("verified", " ".join(VERIFIED), "how far the map is checked: against the `manual` only, against its"
        " `simulated` twin (`smarthall sim --device`), or on the `hardware`", Said("none (station interface)")),
    Key("manual", "{ title, revision, url }", "the public manual the map is written from: its title, its revision"
        " (edition, date or document number) and where to get it (`url` optional)", Said("none")),
))
MANUAL_KEYS = ("title", "revision", "url")

TRANSPORT = Entry("[transport]", "defaults for reaching the devices; a line file's connection overrides each", (
    Key("host", "text", "Modbus TCP: the device's address", Said("from the line file")),
    Key("port", "0..65535", "Modbus TCP port", 502),
    Key("real_port", "0..65535", "the real device's port where `port` is the simulator's (a note for people:"
        " the line file's `port` is what the edge uses)", Said("none")),
    Key("baudrate", "300..4000000", "Modbus RTU line speed", 19200, "baud"),
    Key("bytesize", "7 8", "Modbus RTU data bits", 8),
    Key("parity", "N E O", "Modbus RTU parity", "E"),
    Key("stopbits", "1 2", "Modbus RTU stop bits", 1),
    Key("link", "path", "Modbus RTU: the simulator's stable link to its pty", Said("none")),
    Key("endpoint", "opc.tcp://host:port", "OPC UA server", Said("from the line file")),
    Key("namespace", "URI", "OPC UA: the namespace of browse names without their own (`Name`, not `3:Name`)",
        Said("none: every browse name says its own")),
))

DEVICE = Entry("[[devices]]", "one addressable device: a PLC, a controller on the bus, an OPC UA object", (
    Key("name", "text", "the device's name: tags are `<device>.<point>`"),
    Key("title", "{ ko, en }", "what the device is", Said("the model's title")),
    Key("unit", "0..247", "Modbus: the unit id (slave address); a line file's `unit` moves a one-device profile",
        Said("required for Modbus")),
    Key("object", "NodeId or path", "OPC UA: the device's object, a NodeId or a browse path from Objects"
        " (see addressing)", Said("none: every point a NodeId or a path from Objects")),
    Key("model", "text", "take title and points from `[models.NAME]` (devices of one kind on a bus)", Said("none")),
    Key("points", "list of tables", "the device's points (`[[devices.points]]`)", Said("required (or from the model)")),
    Key("methods", "list of tables", "OPC UA methods (`[[devices.methods]]`)", Said("none")),
    Key("events", "list of tables", "alarm events the device raises (`[[devices.events]]`)", Said("none")),
))

MODEL = Entry("[models.NAME]", "points shared by devices of one kind (`model = \"NAME\"` in each device)", (
    Key("title", "{ ko, en }", "what the model is"),
    Key("points", "list of tables", "the model's points (`[[models.NAME.points]]`), as a device's"),
))

POINT = Entry("[[devices.points]]", "one coil, input, register (or several), bit, string or OPC UA variable", (
    Key("name", "text", "the point's name: the tag is `<device>.<point>`"),
    Key("kind", " ".join(k.value for k in Kind), "Modbus: `coil` (read/write bit), `discrete_input` (read bit),"
        " `input_register` (read 16-bit), `holding_register` (read/write 16-bit); OPC UA: `node`"),
    Key("address", "0..65535", "Modbus: the 0-based PDU address (holding register 0 is \"40001\", coil 0 is"
        " \"00001\"); a 32-bit value takes two registers from here, a float64 four", Said("required for Modbus")),
    Key("node", "NodeId or path", "OPC UA: the variable, a NodeId or a browse path (see addressing)",
        Said("required for OPC UA")),
    Key("type", " ".join(t.value for t in DataType), "the value's type; coils and inputs are `bool`, registers a"
        " number or a `string`"),
    Key("word_order", " ".join(WORD_ORDERS), "byte order of a multi-register value: `ABCD` big-endian high word"
        " first (the Modbus default), `CDAB` words swapped (many meters), `BADC` bytes swapped in each word,"
        " `DCBA` both; a string: `ABCD` first character in the high byte, `BADC` in the low byte", "ABCD"),
    Key("bit", "0..15", "a bit of an int16/uint16 register: the point is a bool (0 is the least significant bit);"
        " bits of one register share its address", Said("none")),
    Key("length", "1..125", "a string's size in registers (two bytes, UTF-8, padded with NULs)", Said("required for"
        " a string in registers"), "registers"),
    Key("scale", "number, not 0", "engineering value = raw × scale + offset (0.1 for a register in tenths)", 1.0),
    Key("offset", "number", "added after `scale` (-40 for a sensor whose 0 is -40 °C)", 0.0),
    Key("unit", "text", "the engineering unit shown beside values (°C, kW, mm/s)", ""),
    Key("access", "r rw", "`rw` only for what the protocol can write (coils, holding registers, nodes)"),
    Key("min", "number", "lowest engineering value a write may set (and the range shown)", Said("the type's")),
    Key("max", "number", "highest engineering value a write may set", Said("the type's")),
    Key("default", "number, bool or text", "the value at power-up (the simulators start with it)", Said("none")),
    Key("level", " ".join(v.value for v in Level), "who may write it: a trainee of the station's team"
        " (`operate`), an instructor (`supervise`), an engineer (`configure`); only with `access = \"rw\"`",
        Level.SUPERVISE.value),
    *TEXT,
))

METHOD = Entry("[[devices.methods]]", "an OPC UA method; `smarthall call DEVICE.METHOD ARGS` calls it after checking"
               " each argument's type and range", (
    Key("name", "text", "the method's name (`smarthall call process.StartBatch`)"),
    Key("inputs", "list of { name, type, min, max }", "the arguments in order; `min`/`max` narrow the type's range",
        Said("none")),
    Key("node", "NodeId or path", "the method node, a NodeId or a path from its object", Said("its name, under the"
        " object")),
    Key("object", "NodeId or path", "the object it is called on, if not the device's", Said("the device's object")),
    Key("level", " ".join(v.value for v in Level), "who may call it", Level.SUPERVISE.value),
    *TEXT,
))
INPUT_KEYS = ("name", "type", "min", "max")

CAMERA = Entry("[camera]", "a camera profile (`protocol = \"uvc\"`): what the camera is asked for, every key"
               " optional; a line file names the profile in `[vision.camera] profile` and its own keys there win"
               " (`source` at least, where the camera is plugged in)", tuple(
                   Key(name, CAMERA_KEYS[name].said, CAMERA_KEYS[name].doc, Said("the camera's") if name != "source"
                       else Said("the line file's"), CAMERA_KEYS[name].unit) for name in ("source", *APPLIED)))

EVENT = Entry("[[devices.events]]", "an alarm event the device raises above a limit (served by the simulators)", (
    Key("name", "text", "the event's name"),
    Key("limit", "number", "the value above which it is raised"),
    *TEXT,
))

EXAMPLE = '''\
[profile]
name = "my_oven"
version = 1
protocol = "modbus-tcp"
title = { ko = "열처리로 PLC", en = "heat-treatment oven PLC" }
verified = "manual"
manual = { title = "Oven PLC Modbus map", revision = "rev. 2, 2024-03" }

[transport]
port = 502

[[devices]]
name = "oven"
unit = 1
title = { ko = "열처리로", en = "oven" }

[[devices.points]]
name = "temperature"
kind = "input_register"
address = 0
type = "int16"
scale = 0.1
unit = "°C"
access = "r"
ko = "로 온도 (0.1 °C)"
en = "oven temperature (0.1 °C)"

[[devices.points]]
name = "power"
kind = "input_register"
address = 1
type = "float32"
word_order = "CDAB"
unit = "kW"
access = "r"
ko = "전력"
en = "power"

[[devices.points]]
name = "door_open"
kind = "input_register"
address = 3
type = "uint16"
bit = 0
access = "r"
ko = "문 열림 (상태 워드 비트 0)"
en = "door open (status word bit 0)"

[[devices.points]]
name = "setpoint"
kind = "holding_register"
address = 0
type = "int16"
scale = 0.1
unit = "°C"
access = "rw"
level = "operate"
min = 20
max = 250
default = 25
ko = "온도 설정값"
en = "temperature setpoint"
'''

CAMERA_EXAMPLE = '''\
[profile]
name = "line_camera"
version = 1
protocol = "uvc"
title = { ko = "검사 카메라", en = "inspection camera" }
verified = "hardware"
manual = { title = "Camera datasheet", revision = "2023-05" }

[camera]
width = 1280
height = 720
fps = 30
fourcc = "MJPG"
auto_exposure = false
exposure = 80
gain = 16
autofocus = false
focus = 30
'''

ENTRIES = (PROFILE, TRANSPORT, DEVICE, MODEL, POINT, METHOD, EVENT, CAMERA)


def reference() -> str:
    """docs/profile-format.md as it must read."""
    out = [*page_head("Profile format / 프로필 형식", "devices/profiles/schema.py"),
           ("A profile is one TOML file describing a device (or a bus of devices) as data: every coil, register and"
            " OPC UA node with its type, scaling, unit and access. The edge reads exactly this map and"
            " `smarthall sim --device NAME` serves it, so a line can be tried without the device. A line file names"
            " a profile in a connection's `profile`; it is looked for beside the line file, then in the user's"
            " profiles folder (`$SMARTHALL_PROFILES`, else `profiles` in the data folder), then among the shipped"
            " ones (the station interface and the device library); `smarthall profile list` shows which file is"
            " used, `smarthall profile show NAME` its map. Every text a user sees is a pair `ko`/`en`."), "",
           "## Example", "", "```toml", EXAMPLE.rstrip(), "```", ""]
    for entry in ENTRIES:
        out += [f"## `{entry.name}`", "", sentence(entry.doc), "", *table(entry)]
    out += ["## A camera profile", "", _CAMERA_USE, "", "```toml", CAMERA_EXAMPLE.rstrip(), "```", "",
            "In the line file:", "", "```toml", "[vision.camera]", 'profile = "line_camera"',
            'source = "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920-video-index0"', "exposure = 120", "```", ""]
    out += ["## OPC UA addressing", "", _addressing(), ""]
    return "\n".join(out)


_CAMERA_USE = (
    "A USB camera (UVC) is a profile of its own: `protocol = \"uvc\"` and a `[camera]` table with what the"
    " inspection needs of it (the library's `uvc_camera` is a start: 640x480, 30 fps, MJPG, fixed exposure)."
    " The line file's `[vision.camera]` names it and says where the camera is plugged in; any key there takes"
    " the place of the profile's. Each camera has its own ranges: `v4l2-ctl -d /dev/video0 --list-ctrls` lists"
    " its controls, `--list-formats-ext` its sizes and rates per format. A camera ignores what it cannot do, so"
    " `smarthall commission --line FILE` opens it and reports the size, the measured rate and the format it"
    " really gives against those asked, or why it cannot be opened (missing, the group to join, busy).")


def _addressing() -> str:
    """The rules of `devices.profiles.address`, from its docstring."""
    body = ADDRESSING.split("\n\n", 1)[1].strip()
    return body.replace("``", "`")
