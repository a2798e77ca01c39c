"""Line configurations: the shipped ones load; each kind of mistake is one clear message."""

from __future__ import annotations

from importlib import resources

import pytest

from smarthall.edge.config import DEFAULT_LINE, LINES_DIR, LineConfigError, load_line
from smarthall.edge.inspection import DEFAULT_RECIPE
from smarthall.edge.inspection.tags import VISION
from smarthall.edge.users import UsersFileError

SIM = DEFAULT_LINE.read_text(encoding="utf-8")


def test_sim_line_names_every_tag_of_the_profiles():
    line = load_line()
    assert len(line.tags) == (2 + 3 + 4 + 1) + (8 + 8 + 9 + 4) + 9 + 2 + 2 + 4 * 4 + len(VISION.points)
    assert line.tag("conveyor.run_seconds").point.type == "uint32"
    assert line.tag("energy.conveyor.power_kw").deadband == 0.005
    assert line.tag("process.temperature").group == "process"
    assert line.tag("ambient.humidity").connection == "fieldbus"
    assert {a.id for a in line.alarms} >= {"process.temperature.hi", "conveyor.estop"}
    assert line.connection("fieldbus").timeouts.read == 0.5


def test_unit_moves_the_one_device_of_a_modbus_profile(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(SIM.replace('port = 5020', 'port = 5020\nunit = 12'), encoding="utf-8")
    assert load_line(path).tag("feeder.feed").device.unit == 12


def test_hall_example_loads():
    line = load_line(LINES_DIR / "hall.example.toml")
    assert line.connection("fieldbus").settings["parity"] == "E"


def test_unknown_tag_says_how_to_list_them():
    with pytest.raises(LineConfigError, match=r"unknown tag 'conveyor.speed': `smarthall tags` lists the"):
        load_line().tag("conveyor.speed")


BAD_LINES = {
    "missing file": (None, r"no such file"),
    "not TOML": ("[line\n", r"not valid TOML"),
    "unknown profile": (SIM.replace('profile = "feeder"', 'profile = "oven"'),
                        r"connections\[0\] 'feeder': key 'profile': unknown profile 'oven'"),
    "unknown key in a connection": (SIM.replace('port = 5020', 'prot = 5020'),
                                    r"connections\[0\] 'feeder': unknown key 'prot'"),
    "port out of range": (SIM.replace('port = 5020', 'port = 70000'),
                          r"connections\[0\] 'feeder': key 'port': expected 1\.\.65535, got 70000"),
    "duplicate connection": (SIM.replace('name = "conveyor"\nprofile', 'name = "feeder"\nprofile'),
                             r"duplicate connection name 'feeder'"),
    "same profile twice": (SIM + '\n[[connections]]\nname = "feeder2"\nprofile = "feeder"\nhost = "127.0.0.1"\nport = 5030\n',
                           r"tag 'feeder.feed' also comes from connection 'feeder'"),
    "bad parity": (SIM.replace('parity = "N"', 'parity = "even"'),
                   r"connections\[2\] 'fieldbus': key 'parity': expected one of N, E, O, got 'even'"),
    "unit on a bus of many devices": (SIM.replace('baudrate = 19200', 'baudrate = 19200\nunit = 3'),
                                      r"connections\[2\] 'fieldbus': key 'unit': profile 'fieldbus' has 6 devices"),
    "unknown rs485 mode": (SIM.replace('baudrate = 19200', 'baudrate = 19200\nrs485 = "on"'),
                           r"connections\[2\] 'fieldbus': key 'rs485': expected one of auto, off, got 'on'"),
    "unit out of range": (SIM.replace('port = 5020', 'port = 5020\nunit = 300'),
                          r"connections\[0\] 'feeder': key 'unit': expected a Modbus unit id 1\.\.247, got 300"),
    "bad endpoint": (SIM.replace('endpoint = "opc.tcp://127.0.0.1:4840"', 'endpoint = "http://127.0.0.1:4840"'),
                     r"key 'endpoint': expected opc.tcp://host:port"),
    "unknown security policy": (SIM.replace("subscribe = true", 'subscribe = true\nsecurity_policy = "Basic128"'),
                                r"connections\[3\] 'process': key 'security_policy': expected one of None, Basic256Sha256,"),
    "password in the line file": (SIM.replace("subscribe = true", 'subscribe = true\nuser = "op"\npassword = "x"'),
                                  r"connections\[3\] 'process': unknown key 'password'"),
    "user without a password source": (SIM.replace("subscribe = true", 'subscribe = true\nuser = "op"'),
                                       r"key 'user': expected exactly one of password_env .* or password_file"),
    "unknown trust": (SIM.replace("subscribe = true", 'subscribe = true\ntrust = "always"'),
                      r"key 'trust': expected one of first-use, pinned, got 'always'"),
    "negative sampling": (SIM.replace("subscribe = true", "subscribe = true\nsampling_ms = -1"),
                          r"connections\[3\] 'process': key 'sampling_ms': expected 0\.\.60000, got -1"),
    "backoff upside down": (SIM.replace('timeouts = { read = 0.5 }', 'timeouts = { backoff_min = 20 }'),
                            r"timeouts: backoff_min 20 is above backoff_max 1.5"),
    "rate too fast": (SIM.replace('rate_ms = 100', 'rate_ms = 1'),
                      r"scan_groups\[0\] 'fast': key 'rate_ms': expected 10\.\.3600000, got 1"),
    "pattern matching nothing": (SIM.replace('tags = ["conveyor.*", "feeder.*"]', 'tags = ["conveyer.*", "feeder.*"]'),
                                 r"scan_groups\[0\] 'fast': key 'tags': 'conveyer.\*' matches no tag"),
    "pattern naming a connection, not a device": (
        SIM.replace('tags = ["ambient.*", "vibration.*", "energy.*"]', 'tags = ["fieldbus.*"]'),
        (r"scan_groups\[2\] 'field': key 'tags': 'fieldbus.\*' matches no tag of the line's profiles: a tag is"
        r" <device>.<point> of the profiles' devices, here feeder.\*, conveyor.\*, ambient.\*, vibration.\*,"
        r" energy.feeder.\*, .*, process.\* \(`smarthall profile show NAME` lists them\)")),
    "tag in no group": (SIM.replace('tags = ["ambient.*", "vibration.*", "energy.*"]', 'tags = ["ambient.*", "energy.*"]'),
                        r"tag 'vibration.surface_temperature' is in no scan group"),
    "negative deadband": (SIM.replace('"process.temperature" = { deadband = 0.2 }', '"process.temperature" = { deadband = -1 }'),
                          r"\[tags\] 'process.temperature': key 'deadband': expected 0\.\.1e\+09, got -1"),
    "deadband for an unknown tag": (SIM.replace('"ambient.humidity" = { deadband = 0.5 }', '"ambient.humidty" = { deadband = 0.5 }'),
                                    r"\[tags\] 'ambient.humidty': matches no tag"),
    "alarm on an unknown tag": (SIM.replace('tag = "feeder.magazine_empty"', 'tag = "feeder.empty"'),
                                r"alarms\[4\] 'feeder.magazine_empty': key 'tag': unknown tag 'feeder.empty'"),
    "limit alarm on a bool": (SIM.replace('kind = "discrete"\nvalue = true\npriority = "high"', 'kind = "hi"\nlimit = 1\npriority = "high"'),
                              r"alarms\[2\] 'conveyor.fault': key 'kind': 'conveyor.fault' is a bool"),
    "alarm without Korean": (SIM.replace('ko = "가열로 온도 높음"\n', ""),
                             r"alarms\[1\] 'process.temperature.hi': missing the Korean text"),
    "unknown priority": (SIM.replace('priority = "urgent"', 'priority = "critical"', 1),
                         r"key 'priority': expected one of"),
    "duplicate alarm id": (SIM.replace('id = "conveyor.estop"', 'id = "conveyor.fault"'),
                           r"duplicate alarm id 'conveyor.fault'"),
    "unknown top-level table": (SIM + "\n[scan]\nrate = 1\n", r"top level: unknown key 'scan'"),
    "unknown key in [vision]": (SIM.replace("poll_ms = 10", "poll = 10"), r"\[vision\]: unknown key 'poll'"),
    "vision on an unknown connection": (SIM.replace('conveyor = "conveyor"', 'conveyor = "belt"'),
                                        r"\[vision\]: key 'conveyor': unknown connection 'belt': expected one of feeder,"),
    "vision on a PLC without verdicts": (SIM.replace('conveyor = "conveyor"', 'conveyor = "feeder"'),
                                         r"\[vision\]: key 'conveyor': connection 'feeder' has no Modbus device with .*verdict"),
    "poll too fast": (SIM.replace("poll_ms = 10", "poll_ms = 0"), r"\[vision\]: key 'poll_ms': expected 1\.\.1000, got 0"),
    "recipe not found": (SIM.replace('# recipe = "my-recipe.toml"', 'recipe = "my-recipe.toml"'),
                         r"\[vision\]: key 'recipe': .*my-recipe.toml: no such file"),
    "vision without a camera": (SIM.replace("[vision.camera]", "[vision.camera_]"), r"\[vision\]: unknown key 'camera_'"),
    "camera without a source": (SIM.replace('source = "http', '# source = "http'),
                                r"\[vision.camera\]: missing key 'source' \(a USB index, a /dev/video path, a file or a URL\)"),
    "camera stall of zero": (SIM.replace("stall_s = 1.0", "stall_s = 0"),
                             r"\[vision.camera\]: key 'stall_s': expected a number > 0, got 0"),
    "camera source of the wrong type": (SIM.replace('source = "http://127.0.0.1:8080/camera/stream.mjpg"', "source = true"),
                                        (r"\[vision.camera\]: key 'source': expected a USB index, a /dev path, a file or a URL,"
                                        " got True")),
    "camera profile that is no camera": (SIM.replace("stall_s = 1.0", 'profile = "ls_xgb"'),
                                         (r"\[vision.camera\]: key 'profile': 'ls_xgb' is a modbus-tcp profile: expected"
                                         r" a camera profile \(protocol = \"uvc\", e.g. uvc_camera\)")),
    "camera profile unknown": (SIM.replace("stall_s = 1.0", 'profile = "uvc_camera2"'),
                               r"\[vision.camera\]: key 'profile': unknown profile 'uvc_camera2' \(did you mean uvc_camera\?\)"),
    "camera width as text": (SIM.replace("stall_s = 1.0", 'profile = "uvc_camera"\nwidth = "640"'),
                             r"\[vision.camera\]: key 'width': expected a whole number 1..16384, got '640'"),
    "camera exposure with auto exposure": (SIM.replace("stall_s = 1.0", 'profile = "uvc_camera"\nauto_exposure = true'),
                                           (r"\[vision.camera\]: key 'exposure': a manual exposure needs auto_exposure"
                                           " = false, got auto_exposure = true")),
    "camera unknown key": (SIM.replace("stall_s = 1.0", "framerate = 30"),
                           r"\[vision.camera\]: unknown key 'framerate'"),
    "camera profile in a connection": (SIM.replace('profile = "feeder"', 'profile = "uvc_camera"', 1),
                                       (r"connections\[0\] 'feeder': key 'profile': 'uvc_camera' is a camera profile: a"
                                       r" camera is named in \[vision.camera\] profile, not in a connection")),
    "archive cap of zero": (SIM.replace("max_mb = 50", "max_mb = 0"),
                            r"\[vision.archive\]: key 'max_mb': expected 0\.001\.\.1000000, got 0"),
    "pass sample not whole": (SIM.replace("pass_sample = 50", "pass_sample = 2.5"),
                              r"\[vision.archive\]: key 'pass_sample': expected a whole number, got 2.5"),
    "users file not found": (SIM.replace('file = "sim-users.toml"', 'file = "nobody.toml"'),
                             r"\[users\]: key 'file': no users file at .*nobody.toml"),
    "unknown key in [users]": (SIM.replace('file = "sim-users.toml"', 'path = "sim-users.toml"'),
                               r"\[users\]: unknown key 'path'"),
    "vision tag alarm without vision": (SIM[:SIM.index("[vision]")] + SIM[SIM.index("[[scan_groups]]"):],
                                        r"alarms\[6\] 'vision.camera_lost': key 'tag': unknown tag 'vision.camera_ok'"),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_line_configuration_is_one_clear_message(tmp_path, case):
    text, expected = BAD_LINES[case]
    path = tmp_path / "line.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(LineConfigError, match=expected) as caught:
        load_line(path)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_the_simulated_line_has_teams_on_its_stations_and_its_own_user_as_instructor():
    users = load_line().users
    assert users.source == str(LINES_DIR / "sim-users.toml")
    assert users.local.role == "instructor" and users.anonymous.role == "observer"
    assert users.authenticate("kim", "kim").stations == frozenset({"conveyor"})
    assert load_line(LINES_DIR / "hall.example.toml").users is None


def test_a_copy_of_the_simulated_line_file_keeps_its_users_and_a_users_file_beside_it_comes_first(tmp_path):
    (tmp_path / "line.toml").write_text(SIM, encoding="utf-8")
    assert load_line(tmp_path / "line.toml").users.source == str(LINES_DIR / "sim-users.toml")
    (tmp_path / "sim-users.toml").write_text('[local]\nrole = "engineer"\n', encoding="utf-8")
    assert load_line(tmp_path / "line.toml").users.local.role == "engineer"


def test_a_team_on_a_station_the_line_lacks_names_the_users_file(tmp_path):
    (tmp_path / "sim-users.toml").write_text('[teams.t]\nstations = ["oven"]\n', encoding="utf-8")
    (tmp_path / "line.toml").write_text(SIM, encoding="utf-8")
    with pytest.raises(UsersFileError, match=r"sim-users.toml: \[teams.t\]: key 'stations': unknown station 'oven'"):
        load_line(tmp_path / "line.toml")


def test_opcua_security_keys_and_a_password_file_beside_the_line_file(tmp_path):
    path = tmp_path / "line.toml"
    path.write_text(SIM.replace("subscribe = true", 'subscribe = true\nsecurity_policy = "Basic256Sha256"\n'
                                'security_mode = "Sign"\nuser = "op"\npassword_file = "secrets/plc.txt"'), encoding="utf-8")
    settings = load_line(path).connection("process").settings
    assert settings["password_file"] == str(tmp_path / "secrets" / "plc.txt")
    assert (settings["security_policy"], settings["security_mode"], settings["user"]) == ("Basic256Sha256", "Sign", "op")


def test_overrides_point_a_connection_elsewhere_and_are_checked(tmp_path):
    line = load_line(DEFAULT_LINE, {"conveyor": {"port": 40123}, "historian": {"path": str(tmp_path / "h.db")}})
    assert line.connection("conveyor").settings["port"] == 40123
    assert line.historian.path == tmp_path / "h.db"
    with pytest.raises(LineConfigError, match=r"connections\[1\] 'conveyor': key 'port': expected 1\.\.65535, got 0"):
        load_line(DEFAULT_LINE, {"conveyor": {"port": 0}})
    with pytest.raises(LineConfigError, match="override for 'oven': the line has no such connection"):
        load_line(DEFAULT_LINE, {"oven": {"port": 1}})


def test_vision_tags_are_derived_and_paths_are_relative_to_the_line_file(tmp_path):
    sim = load_line()
    camera_ok = sim.tag("vision.camera_ok")
    assert camera_ok.derived and camera_ok.point.type == "bool" and not camera_ok.point.writable
    assert sim.vision.conveyor.name == "conveyor" and sim.vision.device.name == "conveyor"
    assert sim.vision.recipe.source == str(DEFAULT_RECIPE) and sim.vision.poll_s == 0.01
    assert sim.vision.archive_path == sim.historian.path.with_name("sim-images")  # beside the history
    other = load_line(overrides={"historian": {"path": str(tmp_path / "sim-5120-5121.db")}})  # a lab on other ports
    assert other.vision.archive_path == tmp_path / "sim-5120-5121-images"  # named after its history: never shared
    assert "vision.camera_lost" in {a.id for a in sim.alarms}
    (tmp_path / "recipe.toml").write_text(DEFAULT_RECIPE.read_text(encoding="utf-8"), encoding="utf-8")
    text = (SIM.replace('# recipe = "my-recipe.toml"', 'recipe = "recipe.toml"')
            .replace('source = "http://127.0.0.1:8080/camera/stream.mjpg"', 'source = "videos/belt.mp4"'))
    (tmp_path / "line.toml").write_text(text, encoding="utf-8")
    line = load_line(tmp_path / "line.toml")
    assert line.vision.recipe.source == str(tmp_path / "recipe.toml")
    assert line.vision.camera.source == str(tmp_path / "videos" / "belt.mp4")
    hall_text = (LINES_DIR / "hall.example.toml").read_text(encoding="utf-8")
    hall = load_line(LINES_DIR / "hall.example.toml")  # vision is commented out there
    assert hall.vision is None and not any(t.derived for t in hall.tags.values())
    start = hall_text.index("# [vision]")
    end = hall_text.index("\n\n", start)
    uncommented = hall_text[:start] + "\n".join(line.removeprefix("#").removeprefix(" ")
                                                 for line in hall_text[start:end].splitlines()) + hall_text[end:]
    (tmp_path / "hall.toml").write_text(uncommented, encoding="utf-8")
    hall = load_line(tmp_path / "hall.toml")
    camera = hall.vision.camera  # the library's uvc_camera under the line's own keys
    assert camera.source == "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920-video-index0"
    assert (camera.width, camera.height, camera.fps, camera.fourcc) == (640, 480, 30, "MJPG")
    assert (camera.exposure, camera.auto_exposure) == (100, False)
    assert hall.tag("vision.camera_ok").derived and "vision.camera_lost" in {a.id for a in hall.alarms}


def test_vision_overrides_merge_into_the_camera_table(tmp_path):
    line = load_line(DEFAULT_LINE, {"vision": {"camera": {"source": "http://127.0.0.1:40124/camera/stream.mjpg"},
                                               "archive": {"path": str(tmp_path / "images")}}})
    assert line.vision.camera.source == "http://127.0.0.1:40124/camera/stream.mjpg"
    assert line.vision.camera.stall_s == 1.0  # kept from the file
    assert line.vision.archive_path == tmp_path / "images"
    with pytest.raises(LineConfigError, match=r"\[vision.camera\]: key 'read_timeout': expected a number > 0"):
        load_line(DEFAULT_LINE, {"vision": {"camera": {"read_timeout": -1}}})
    with pytest.raises(LineConfigError, match="override for 'vision': the line has no \\[vision\\] table"):
        load_line(LINES_DIR / "hall.example.toml", {"vision": {"camera": {"source": 0}}})


def test_a_profile_needing_what_its_protocols_driver_lacks_is_refused_on_load(tmp_path):
    """Methods on a Modbus station: the check happens when the line file loads, not when an agent starts."""
    feeder = (resources.files("smarthall.devices.profiles") / "feeder.toml").read_text(encoding="utf-8")
    (tmp_path / "feeder.toml").write_text(feeder + '\n[[devices.methods]]\nname = "Feed"\ninputs = []\n'
                                          'ko = "공급"\nen = "feed"\n', encoding="utf-8")
    (tmp_path / "line.toml").write_text(SIM, encoding="utf-8")
    with pytest.raises(LineConfigError, match=r"connections\[0\] 'feeder': key 'profile': 'feeder' needs Calls .*"
                                              r"the modbus-tcp driver does not offer") as caught:
        load_line(tmp_path / "line.toml")
    assert "\n" not in str(caught.value)
