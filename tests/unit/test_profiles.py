"""The station interface as data: shipped profiles load, bad ones are refused clearly."""

from __future__ import annotations

import pytest

from smarthall.devices.profiles import DataType, Kind, Level, ProfileError, load_all, load_profile

LINE_MD_COUNTS = {  # (coils, inputs, input registers, holding registers) per LINE.md
    "feeder": (2, 3, 4, 1),
    "conveyor": (8, 8, 9, 4),
}


def test_every_shipped_profile_loads():
    profiles = load_all()
    assert set(profiles) == {"conveyor", "feeder", "fieldbus", "process"}


@pytest.mark.parametrize("name", sorted(LINE_MD_COUNTS))
def test_tcp_stations_have_the_line_md_points(name):
    device = load_profile(name).device(name)
    counts = tuple(len(device.of_kind(k)) for k in
                   (Kind.COIL, Kind.DISCRETE_INPUT, Kind.INPUT_REGISTER, Kind.HOLDING_REGISTER))
    assert counts == LINE_MD_COUNTS[name]
    assert device.unit == 1


def test_conveyor_run_seconds_is_a_uint32_at_registers_8_and_9():
    point = load_profile("conveyor").device("conveyor").point("run_seconds")
    assert (point.type, point.address, point.width, point.word_order) == (DataType.UINT32, 8, 2, "ABCD")


def test_fieldbus_units_and_meter_floats():
    profile = load_profile("fieldbus")
    assert {d.name: d.unit for d in profile.devices} == {
        "ambient": 1, "vibration": 2, "energy.feeder": 11, "energy.conveyor": 12,
        "energy.vision": 13, "energy.process": 14}
    meter = profile.device("energy.process")
    assert [(p.name, p.address, p.type) for p in meter.points] == [
        ("voltage", 0, "float32"), ("current", 2, "float32"), ("power_kw", 4, "float32"), ("energy_kwh", 6, "float32")]
    assert profile.transport["baudrate"] == 19200 and profile.transport["parity"] == "E"


def test_process_nodes_methods_and_alarm():
    device = load_profile("process").device("process")
    assert device.object == "ProcessStation"
    assert [p.node for p in device.points] == [
        "Temperature", "Setpoint", "HeaterOutput", "Mode", "Kp", "Ki", "Kd", "BatchState", "BatchCount"]
    assert device.point("setpoint").range == (20, 250)
    assert [m.name for m in device.methods] == ["StartBatch", "AbortBatch"]
    assert device.events[0].limit == 260


def test_every_point_has_korean_and_english_text():
    for profile in load_all().values():
        for device in profile.devices:
            for point in device.points:
                assert point.text.ko.strip() and point.text.en.strip(), (profile.name, point.name)


def test_range_check_names_the_point():
    point = load_profile("conveyor").device("conveyor").point("speed_setpoint")
    point.check(500)
    with pytest.raises(ValueError, match=r"speed_setpoint: 501 is outside 0\.\.500 mm/s"):
        point.check(501)


GOOD_POINT = 'name = "speed"\nkind = "holding_register"\naddress = 0\ntype = "uint16"\naccess = "rw"\nko = "속도"\nen = "speed"\n'


def profile_text(points: str = GOOD_POINT, extra_point: str = "", head: str = "") -> str:
    return (
        '[profile]\nname = "t"\nversion = 1\nprotocol = "modbus-tcp"\ntitle = { ko = "시험", en = "test" }\n'
        f"{head}\n[[devices]]\nname = \"plc\"\nunit = 1\ntitle = {{ ko = \"피엘씨\", en = \"PLC\" }}\n\n"
        f"[[devices.points]]\n{points}\n" + (f"[[devices.points]]\n{extra_point}\n" if extra_point else "")
    )


BAD_PROFILES = {
    "not toml": ("[profile\n", r"not valid TOML"),
    "unknown type": (profile_text(GOOD_POINT.replace('"uint16"', '"int8"')),
                     r"points\[0\] 'speed': key 'type': expected one of bool, int16, .* got 'int8'"),
    "unknown kind": (profile_text(GOOD_POINT.replace('"holding_register"', '"register"')),
                     r"key 'kind': expected one of coil, discrete_input, input_register, holding_register, got 'register'"),
    "duplicate name": (profile_text(extra_point=GOOD_POINT.replace("address = 0", "address = 5")),
                       r"duplicate point name 'speed'"),
    "overlapping addresses": (profile_text(extra_point=GOOD_POINT.replace('"speed"', '"big"', 1).replace('"uint16"', '"float32"')),
                              r"points 'speed' and 'big' overlap at holding_register 0"),
    "range outside the type": (profile_text(GOOD_POINT + "max = 70000\n"),
                               r"'speed': key 'max': 70000 is outside what a uint16 holds"),
    "bool in a register": (profile_text(GOOD_POINT.replace('"uint16"', '"bool"')),
                           r"key 'type': a holding_register holds a number"),
    "writable input": (profile_text(GOOD_POINT.replace('"holding_register"', '"input_register"')),
                       r"key 'access': a input_register is read-only, got 'rw'"),
    "missing Korean": (profile_text(GOOD_POINT.replace('ko = "속도"\n', "")), r"missing the Korean text \(key 'ko'\)"),
    "unknown key": (profile_text(GOOD_POINT + "scael = 0.1\n"), r"unknown key 'scael'"),
    "address out of range": (profile_text(GOOD_POINT.replace("address = 0", "address = 70000")),
                             r"key 'address': expected 0\.\.65535"),
    "default outside range": (profile_text(GOOD_POINT + "max = 10\ndefault = 20\n"),
                              r"key 'default': speed: 20 is outside 0\.\.10"),
    "wrong value type": (profile_text(GOOD_POINT.replace("address = 0", 'address = "40001"')),
                         r"key 'address': expected int, got '40001'"),
    "bad word order": (profile_text(GOOD_POINT + 'word_order = "BACD"\n'), r"key 'word_order': expected one of ABCD"),
    "unknown protocol": (profile_text().replace("modbus-tcp", "profibus"), r"\[profile\]: key 'protocol'"),
    "bit of a float": (profile_text(GOOD_POINT.replace('"uint16"', '"float32"') + "bit = 3\n"),
                       r"key 'bit': only an int16 or uint16 register has bits, got a float32"),
    "bit out of range": (profile_text(GOOD_POINT + "bit = 16\n"), r"key 'bit': expected 0\.\.15, got 16"),
    "same bit twice": (profile_text(GOOD_POINT + "bit = 3\n", GOOD_POINT.replace('"speed"', '"b"', 1) + "bit = 3\n"),
                       r"points 'speed' and 'b' overlap at holding_register 0"),
    "bit in a whole register": (profile_text(GOOD_POINT, GOOD_POINT.replace('"speed"', '"b"', 1) + "bit = 3\n"),
                                r"points 'speed' and 'b' overlap at holding_register 0"),
    "string without length": (profile_text(GOOD_POINT.replace('"uint16"', '"string"')), r"missing key 'length'"),
    "string too long": (profile_text(GOOD_POINT.replace('"uint16"', '"string"') + "length = 126\n"),
                        r"key 'length': expected 1\.\.125 registers, got 126"),
    "length of a number": (profile_text(GOOD_POINT + "length = 2\n"),
                           r"key 'length': only a string in registers has a length, got a uint16"),
    "scaled string": (profile_text(GOOD_POINT.replace('"uint16"', '"string"') + "length = 2\nscale = 0.1\n"),
                      r"a string has no 'scale', 'offset', 'min' or 'max'"),
    "string words swapped": (profile_text(GOOD_POINT.replace('"uint16"', '"string"') + 'length = 2\nword_order = "CDAB"\n'),
                             r"key 'word_order': expected one of ABCD, BADC, got 'CDAB'"),
    "level of a read-only point": (profile_text(GOOD_POINT.replace('access = "rw"', 'access = "r"') + 'level = "operate"\n'),
                                   r"'speed': key 'level': only a writable point \(access = \"rw\"\) has a level"),
    "unknown level": (profile_text(GOOD_POINT + 'level = "admin"\n'),
                      r"'speed': key 'level': expected one of operate, supervise, configure, got 'admin'"),
    "string past the end": (profile_text(GOOD_POINT.replace('"uint16"', '"string"').replace("address = 0", "address = 65535")
                                         + "length = 2\n"), r"key 'address': expected 0\.\.65535 for the whole value"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROFILES))
def test_bad_profile_is_refused_with_file_place_and_reason(tmp_path, case):
    text, expected = BAD_PROFILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=expected) as caught:
        load_profile(path)
    assert str(caught.value).startswith(str(path))


def test_good_synthetic_profile_loads(tmp_path):
    path = tmp_path / "good.toml"
    path.write_text(profile_text(), encoding="utf-8")
    assert load_profile(path).device("plc").point("speed").writable


def test_bits_of_one_register_and_a_string_load(tmp_path):
    bits = "".join(GOOD_POINT.replace('"speed"', f'"b{b}"', 1) + f"bit = {b}\n\n[[devices.points]]\n" for b in (0, 15))
    text = GOOD_POINT.replace('"speed"', '"label"', 1).replace('"uint16"', '"string"').replace("address = 0", "address = 1")
    path = tmp_path / "good.toml"
    path.write_text(profile_text(bits + text + 'length = 8\ndefault = "disc"\n'), encoding="utf-8")
    device = load_profile(path).device("plc")
    assert device.point("b15").is_bool and device.point("b15").width == 1
    label = device.point("label")
    assert (label.width, label.default) == (8, "disc")
    label.check("x" * 16)
    with pytest.raises(ValueError, match="longer than 16 bytes"):
        label.check("x" * 17)


def test_unknown_profile_name_lists_the_known_ones():
    with pytest.raises(ProfileError, match="unknown profile 'oven': expected one of conveyor, feeder, fieldbus, process"):
        load_profile("oven")


def test_a_writable_point_or_method_is_supervised_unless_its_level_says_otherwise(tmp_path):
    path = tmp_path / "good.toml"
    operate = GOOD_POINT.replace('"speed"', '"run"', 1).replace("address = 0", "address = 1") + 'level = "operate"\n'
    path.write_text(profile_text(GOOD_POINT, operate), encoding="utf-8")
    device = load_profile(path).device("plc")
    assert (device.point("speed").level, device.point("run").level) == (Level.SUPERVISE, Level.OPERATE)


def test_shipped_profiles_let_trainees_operate_controls_and_keep_tuning_for_engineers():
    levels = {f"{d.name}.{p.name}": p.level for profile in load_all().values() for d in profile.devices
              for p in d.points if p.writable}
    levels |= {f"{d.name}.{m.name}": m.level for d in load_profile("process").devices for m in d.methods}
    assert {name for name, level in levels.items() if level is Level.CONFIGURE} == {
        "feeder.feed_interval_ms", "conveyor.divert_pulse_ms", "process.kp", "process.ki", "process.kd"}
    for name in ("feeder.feed", "conveyor.motor_run", "conveyor.speed_setpoint", "conveyor.fault_reset",
                 "process.setpoint", "process.mode", "process.StartBatch", "process.AbortBatch"):
        assert levels[name] is Level.OPERATE, name
    assert levels["conveyor.verdict"] is Level.SUPERVISE  # the edge's vision loop writes it, not a trainee
