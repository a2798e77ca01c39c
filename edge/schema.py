"""The line-file format as data: every table and key with its type, default, unit and meaning.

`edge.config` takes its key names from here, and `reference()` writes docs/line-format.md
(`python -m smarthall.docs`; a test fails when the committed page is stale, and another checks
these keys against the loaders of the tables kept elsewhere: timeouts, the camera, OPC UA
security, [northbound], [mqtt]).
"""

from __future__ import annotations

from dataclasses import fields

from smarthall.devices.camera_settings import KEYS as CAMERA_KEYS
from smarthall.devices.camera_settings import CameraSettings
from smarthall.devices.driver import Timeouts
from smarthall.devices.reference import Entry, Key, Said, page_head, sentence, table
from smarthall.devices.security import MODES, POLICIES, TRUST

from .alarms import Priority
from .northbound.settings import DEFAULT_PORT, SECURITY_MODES

TEXT = (Key("ko", "text", "the Korean text"), Key("en", "text", "the English text"))

LINE = Entry("[line]", "the line's name and title", (
    Key("name", "text", "the line's name: its history is `<name>.db` in the data folder unless [historian] says"),
    *TEXT,
))

HISTORIAN = Entry("[historian]", "where history is kept and for how long", (
    Key("path", "path", "the SQLite history file, relative to the line file", Said("`<data folder>/<line>.db`")),
    Key("retention_days", "0.01..36500", "history older than this is deleted", 30, "days"),
    Key("flush_s", "0.05..60", "how often new values are written to disk", 1.0, "s"),
))

CONNECTION = Entry("[[connections]]", "one transport to the line: a PLC's TCP port, an RS-485 bus, an OPC UA server;"
                   " the keys after these depend on the profile's protocol", (
    Key("name", "text", "the connection's name (health, `comm.<name>` alarm, users' teams)"),
    Key("profile", "name or path.toml", "the device map: a name from `smarthall profile list` (looked for beside"
        " this file, in the user's profiles folder, then the shipped ones) or a .toml path relative to this file"),
    Key("timeouts", "table", "connect, read, write and backoff times (`[connections.timeouts]` below)",
        Said("the defaults below")),
    Key("comm_alarm", "bool", "raise `comm.<name>` when the connection is lost", True),
))

MODBUS_TCP = Entry("modbus-tcp connection", "a Modbus TCP device (`profile` with `protocol = \"modbus-tcp\"`)", (
    Key("host", "text", "the device's address"),
    Key("port", "1..65535", "its Modbus TCP port", Said("required (502 on most PLCs)")),
    Key("unit", "1..247", "the unit id of the profile's one device, if not the profile's (a library device set to"
        " another address)", Said("the profile's")),
))

MODBUS_RTU = Entry("modbus-rtu connection", "an RS-485 bus (`protocol = \"modbus-rtu\"`): a serial port, or a"
                   " serial gateway framing RTU over TCP (`host`, `port`)", (
    Key("serial", "path", "the serial port (`/dev/ttyUSB0`, `/dev/serial/by-id/...`, `COM3`)", Said("or host")),
    Key("baudrate", "300..4000000", "line speed; every device on the bus uses the same", 19200, "baud"),
    Key("parity", "N E O", "parity (Modbus's default is even)", "E"),
    Key("bytesize", "7 8", "data bits", 8),
    Key("stopbits", "1 2", "stop bits (2 with parity N, by the Modbus spec)", 1),
    Key("host", "text", "a serial gateway's address (RTU framed over TCP)", Said("or serial")),
    Key("port", "1..65535", "the gateway's TCP port", Said("required with host")),
    Key("unit", "1..247", "the unit id of the profile's one device, if not the profile's", Said("the profile's")),
    Key("rs485", "auto off", "`auto`: the port's RS-485 mode (the UART drives the transmitter by RTS) and low-latency"
        " flag (FTDI: 1 ms instead of 16) where the OS offers them; requests keep the 3.5-character silence of the"
        " baud rate between frames either way", "auto"),
))

OPCUA = Entry("opcua connection", "an OPC UA server (`protocol = \"opcua\"`); the password is never written here", (
    Key("endpoint", "opc.tcp://host:port", "the server's endpoint"),
    Key("subscribe", "bool", "take changes by subscription (else every scan reads)", True),
    Key("publish_ms", "10..60000", "the subscription's publishing interval", 100, "ms"),
    Key("sampling_ms", "0..60000", "how often the server samples each subscribed variable; 0: as fast as it can,"
        " which servers that monitor their variables continuously (node-opcua, open62541) meet by reporting each"
        " change as written: less latency and no sampling work on the server, but every change of a fast one",
        Said("`publish_ms`"), "ms"),
    Key("security_policy", " ".join(POLICIES), "the message security policy", "None"),
    Key("security_mode", " ".join(MODES), "with a policy other than None", "SignAndEncrypt"),
    Key("user", "text", "sign in with this user name (else anonymous)", Said("anonymous")),
    Key("password_env", "text", "the environment variable holding the user's password", Said("none")),
    Key("password_file", "path", "or a file holding it (its first line), relative to the line file", Said("none")),
    Key("certificates", "path", "this client's certificate (made on first use) and `trusted/` server certificates",
        Said("`<data folder>/opcua`")),
    Key("trust", " ".join(TRUST), "`first-use`: a server's certificate is saved the first time and must match from"
        " then on; `pinned`: only certificates already in `trusted/`", "first-use"),
))

_TIMEOUT_DOCS = {"connect": "opening the connection", "read": "one read request", "write": "one write request",
                 "backoff_min": "first wait before reconnecting", "backoff_max": "longest wait between reconnects"}
TIMEOUTS = Entry("[connections.timeouts]", "each call's bound and the reconnect backoff (jittered, doubling from min"
                 " to max); e.g. `timeouts = { read = 0.5 }`",
                 tuple(Key(f.name, "0.001..3600", _TIMEOUT_DOCS[f.name], f.default, "s") for f in fields(Timeouts)))

SCAN_GROUP = Entry("[[scan_groups]]", "tags read together at one rate; each tag is in the first group matching it,"
                   " and every tag must be in one", (
    Key("name", "text", "the group's name"),
    Key("rate_ms", "10..3600000", "how often its tags are read", unit="ms"),
    Key("tags", "list of patterns", "tag names or patterns (`conveyor.*`, `energy.*.power_kw`); a tag is"
        " `<device>.<point>`, named by the profile's devices, not by the connection (`smarthall profile show"
        " ls_xgb` shows device `xgb`: its tags are `xgb.*`)"),
))

TAGS = Entry("[tags]", "settings per tag pattern: `\"process.temperature\" = { deadband = 0.2 }`", (
    Key("deadband", "number >= 0", "a change smaller than this is not recorded (engineering units)", 0.0),
))

ALARM = Entry("[[alarms]]", "an ISA-18.2 alarm on a tag", (
    Key("id", "text", "the alarm's id (`smarthall alarms ack ID`)"),
    Key("tag", "tag name", "the tag it watches"),
    Key("kind", "hi hihi lo lolo discrete", "above/below `limit`, or equal to `value`"),
    Key("limit", "number", "hi/lo kinds: the limit, within the tag's range", Said("required for hi/lo kinds")),
    Key("value", "bool or number", "discrete: the value that is abnormal", Said("required for discrete")),
    Key("deadband", "number >= 0", "returns to normal only this far back inside the limit", 0.0),
    Key("delay_s", "0..86400", "the condition must last this long before the alarm is raised", 0.0, "s"),
    Key("priority", " ".join(p.value for p in Priority), "its priority", "medium"),
    *TEXT,
))

VISION = Entry("[vision]", "the camera inspection station: the edge grabs a frame for each part at the camera and"
               " writes the verdict (`vision.*` tags)", (
    Key("conveyor", "connection name", "the connection whose PLC has part_at_camera, verdict_part, verdict"),
    Key("recipe", "path", "the inspection recipe, relative to the line file", Said("recipes/default.toml")),
    Key("poll_ms", "1..1000", "how often part_at_camera is read (on a connection of its own) at most, and while the"
        " belt speed is unknown", 10, "ms"),
    Key("idle_poll_ms", "1..1000", "how often at least; while the belt stands (speed_actual, read with it, is 0): no"
        " part can come", 50, "ms"),
    Key("poll_mm", "0.1..40", "between those: read again each time the belt has moved this far at speed_actual (a"
        " part takes 40 mm to cross the camera field)", 5.0, "mm"),
    Key("budget_ms", "10..10000", "no frame showing the part by then: no verdict (the PLC rejects fail-safe)", 250,
        "ms"),
    Key("camera", "table", "`[vision.camera]` below"),
    Key("archive", "table", "`[vision.archive]` below", Said("the defaults below")),
))

_CAMERA_DEFAULTS = {f.name: f.default for f in fields(CameraSettings)}
CAMERA = Entry("[vision.camera]", "the camera: a camera profile's settings (`profile`), each key of this table"
               " taking the place of the profile's", (
    Key("profile", "profile name or path", "a camera profile (`protocol = \"uvc\"`, e.g. the library's `uvc_camera`),"
        " looked for as a connection's profile is", Said("none: only the keys here")),
    *(Key(name, spec.said, spec.doc, Said("the profile's; required without one") if name == "source" else
          Said("the profile's, else the camera's") if _CAMERA_DEFAULTS[name] is None else _CAMERA_DEFAULTS[name],
          spec.unit) for name, spec in CAMERA_KEYS.items())))

ARCHIVE = Entry("[vision.archive]", "images of rejected parts (and every `pass_sample`-th passed one)", (
    Key("path", "path", "the image folder, relative to the line file", Said("`<history file name>-images` beside the history (`<line>-images` by default)")),
    Key("max_mb", "0.001..1000000", "the oldest images are deleted beyond this", 50, "MB"),
    Key("pass_sample", "0..1000000", "keep every N-th passed part's image too (0: none)", 50),
))

USERS = Entry("[users]", "who may read, write, call and handle alarms (without it only the agent's own OS user"
              " reaches the agent, as engineer)", (
    Key("file", "path", "the users file, relative to the line file (`smarthall users passwd NAME` sets passwords)"),
))

SERVICE = Entry("[service]", "the client API (`smarthall read/write/...` from other machines)", (
    Key("listen", "host:port", "also serve the API on TCP with sign-in (port 0 picks one)", Said("Unix socket only")),
))

NORTHBOUND = Entry("[northbound]", "the line as an OPC UA server for SCADA and HMI clients", (
    Key("enabled", "bool", "serve it while `edge run` runs", True),
    Key("host", "address", "where to listen (`0.0.0.0`: every interface)", "127.0.0.1"),
    Key("port", "0..65535", "its port (0 picks a free one)", DEFAULT_PORT),
    Key("anonymous", "bool", "allow sessions without a user name (as the users file's anonymous role)", True),
    Key("security", "list", f"offered modes, of {', '.join(SECURITY_MODES)}", Said("all three")),
    Key("pki", "path", "the server's certificate and trusted/ and rejected/ client certificates",
        Said("`<line>-opcua` beside the history")),
    Key("insecure_remote", "bool", "allow \"None\" off loopback (passwords in clear)", False),
))

MQTT = Entry("[mqtt]", "the line as a Sparkplug B edge node through an MQTT broker", (
    Key("broker", "mqtt://host:port or mqtts://host:port", "the broker"),
    Key("group_id", "text", "the Sparkplug group (the hall)"),
    Key("edge_node_id", "text", "this line's node id", Said("the line's name")),
    Key("username", "text", "the MQTT user name", Said("none")),
    Key("password_env", "text", "the variable holding the password", Said("none")),
    Key("password_file", "path", "or a file holding it", Said("none")),
    Key("ca_file", "path", "the CA of an mqtts:// broker", Said("the system's")),
    Key("primary_host", "text", "publish live only while this host application is online", Said("none")),
    Key("command_user", "text", "DCMD writes and NCMD alarm acknowledgements are made as this user of the [users] "
        "file, with its role (none: refused)", Said("none")),
    Key("keepalive_s", "1..3600", "MQTT keep-alive", 10, "s"),
    Key("store", "table", "`[mqtt.store]` below", Said("the defaults below")),
))

MQTT_STORE = Entry("[mqtt.store]", "store and forward while the broker or the primary host is away", (
    Key("path", "path", "the store file", Said("`<line>-sparkplug.db` beside the history")),
    Key("max_mb", "0.01..100000", "the oldest messages are dropped (and counted) beyond this", 50, "MB"),
    Key("max_age_h", "0.001..8760", "messages older than this are dropped", 24, "h"),
    Key("drain_per_s", "1..1000000", "messages sent per second when the broker is back", 500),
))

TOP_LEVEL = ("line", "historian", "connections", "scan_groups", "tags", "alarms", "vision", "mqtt", "northbound",
             "users", "service")
CONNECTION_KEYS = {"modbus-tcp": MODBUS_TCP.key_names, "modbus-rtu": MODBUS_RTU.key_names,
                   "opcua": OPCUA.key_names}
ENTRIES = (LINE, HISTORIAN, CONNECTION, MODBUS_TCP, MODBUS_RTU, OPCUA, TIMEOUTS, SCAN_GROUP, TAGS, ALARM, VISION,
           CAMERA, ARCHIVE, USERS, SERVICE, NORTHBOUND, MQTT, MQTT_STORE)


LIBRARY_USE = (
    "A cell of three devices from the device library (`smarthall profile list`): an LS XGB PLC over Modbus TCP,"
    " an Autonics TK temperature controller on RS-485 and a Siemens S7-1500 over OPC UA with security on."
    " Each connection names a profile; its tags are `<device>.<point>` by the profile's device names"
    " (`smarthall profile show ls_xgb` shows device `xgb` and its points). Try the line before the devices are"
    " there: `smarthall sim --device ls_xgb --device autonics_tk --device siemens_s7_1500` serves twins and"
    " prints the entries reaching them; then `smarthall commission --line FILE` says what is wrong, device by"
    " device (a wrong address, word order, baud rate or node name).")
LIBRARY_EXAMPLE = '''\
[line]
name = "cell"
ko = "실습 셀"
en = "training cell"

[[connections]]
name = "plc"
profile = "ls_xgb"                      # the XGB's Modbus TCP server (its FEnet or built-in Ethernet port)
host = "192.168.0.10"
port = 502

[[connections]]
name = "bus"
profile = "autonics_tk"                 # TK controllers on RS-485; another unit id: unit = 2
serial = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"
baudrate = 9600
parity = "N"
stopbits = 2
timeouts = { read = 0.5 }

[[connections]]
name = "s7"
profile = "siemens_s7_1500"             # string NodeIds: ns=3;s="DB_Line"."Temperature"
endpoint = "opc.tcp://192.168.0.20:4840"
security_policy = "Basic256Sha256"
security_mode = "SignAndEncrypt"
user = "edge"
password_env = "S7_PASSWORD"            # never the password itself
publish_ms = 200

[[scan_groups]]
name = "fast"
rate_ms = 200
tags = ["xgb.*"]

[[scan_groups]]
name = "slow"
rate_ms = 1000
tags = ["tk.*", "s7.*"]

[tags]
"tk.pv" = { deadband = 0.2 }

[[alarms]]
id = "oven.hot"
tag = "tk.pv"
kind = "hi"
limit = 250
ko = "오븐 온도가 높습니다"
en = "oven temperature high"
'''


def reference(example: str) -> str:
    """docs/line-format.md as it must read; example: a line file that loads (lines/hall.example.toml)."""
    out = [*page_head("Line format / 라인 파일 형식", "edge/schema.py"),
           ("A line file (TOML) says which devices make the line and how to reach them, what to scan and how often,"
            " what to alarm, and where history goes. `smarthall edge run --line FILE` runs it;"
            " `smarthall commission --line FILE` probes every device first. Every mistake is one line naming the"
            " file, the key and what was expected. Relative paths are relative to the line file. Profiles: see"
            " [profile-format.md](profile-format.md)."), "",
           "## Example: devices of the library", "", LIBRARY_USE, "", "```toml", LIBRARY_EXAMPLE.rstrip(), "```", "",
           "## Example (`lines/hall.example.toml`)", "", "```toml", example.rstrip(), "```", ""]
    for entry in ENTRIES:
        out += [f"## `{entry.name}`" if entry.name.startswith("[") else f"## {entry.name}", "", sentence(entry.doc),
                "", *table(entry)]
    return "\n".join(out)
