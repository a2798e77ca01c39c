"""The classroom file: teams, trainees and their lines, checked like every other file (file, key, expected)."""

from __future__ import annotations

import pytest

from smarthall.docs import CLASSROOM_FORMAT, classroom_format_page
from smarthall.edge.config import DEFAULT_LINE
from smarthall.edge.users import Users
from smarthall.lessons import classroom_schema
from smarthall.lessons.classroom import ClassroomFileError, load_classroom

USERS = Users.load(DEFAULT_LINE.parent / "sim-users.toml")
GOOD = """
[classroom]
lesson = "modbus-tcp"
stuck_min = 3

[[teams]]
name = "team1"
trainees = ["kim", "lee"]

[[teams]]
name = "team2"
trainees = ["park"]
"""


def write(tmp_path, text: str):
    path = tmp_path / "classroom.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_classroom_of_simulated_lines_loads(tmp_path):
    spec = load_classroom(write(tmp_path, GOOD), {"modbus-tcp"}, USERS)
    assert spec.simulated and spec.lesson == "modbus-tcp" and spec.stuck_min == 3
    assert [(t.name, t.trainees, t.station) for t in spec.teams] == [("team1", ("kim", "lee"), None),
                                                                    ("team2", ("park",), None)]


def test_a_classroom_on_a_shared_line_names_each_teams_station(tmp_path):
    text = GOOD.replace('stuck_min = 3', 'line = "hall.toml"').replace(
        '["kim", "lee"]', '["kim", "lee"]\nstation = "conveyor"').replace('["park"]', '["park"]\nstation = "feeder"')
    spec = load_classroom(write(tmp_path, text), None, USERS, stations=("feeder", "conveyor"))
    assert spec.line == tmp_path / "hall.toml" and [t.station for t in spec.teams] == ["conveyor", "feeder"]


@pytest.mark.parametrize(("change", "expected"), [
    (('lesson = "modbus-tcp"', 'lesson = "nope"'), "[classroom]: key 'lesson': unknown lesson 'nope': expected one of modbus-tcp"),
    (('stuck_min = 3', 'stuck_min = 0'), "[classroom]: key 'stuck_min': expected 0.5..600, got 0"),
    (('["park"]', '["kim"]'), "teams[1] 'team2': key 'trainees': 'kim' is not a trainee of team 'team2'"),
    (('name = "team2"\ntrainees = ["park"]', 'name = "team1"'), "[[teams]]: duplicate team name 'team1'"),
    (('["park"]', '["park"]\nstation = "feeder"'), "teams[1] 'team2': key 'station': a team on its own simulated line"),
    (('["park"]', '["park"]\ncolour = "red"'), "teams[1] 'team2': unknown key 'colour': expected one of name, station, trainees"),
])
def test_a_bad_classroom_file_names_the_file_the_key_and_what_was_expected(tmp_path, change, expected):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ClassroomFileError) as raised:
        load_classroom(path, {"modbus-tcp"}, USERS)
    assert str(raised.value).startswith(f"{path}: {expected}")
    assert "\n" not in str(raised.value)


def test_a_shared_line_team_needs_its_station(tmp_path):
    path = write(tmp_path, GOOD.replace('stuck_min = 3', 'line = "hall.toml"'))
    with pytest.raises(ClassroomFileError, match="teams\\[0\\] 'team1': missing key 'station'"):
        load_classroom(path, None, USERS, stations=("feeder",))


def test_lab_with_a_bad_classroom_file_is_one_line_and_starts_nothing(tmp_path, capsys, monkeypatch):
    from smarthall.cli import main

    monkeypatch.setenv("SMARTHALL_DATA", str(tmp_path / "data"))
    path = write(tmp_path, GOOD.replace('["park"]', '["jung"]'))
    assert main(["lab", "--classroom", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"smarthall: {path}: teams[1] 'team2': key 'trainees': 'jung' is not a trainee of team 'team2' in " \
                  f"{DEFAULT_LINE.parent / 'sim-users.toml'}: expected a user of that team\n"


def test_classroom_format_doc_is_generated_from_the_schema():
    assert CLASSROOM_FORMAT.read_text(encoding="utf-8") == classroom_format_page(), (
        "docs/classroom-format.md is stale: run `python -m smarthall.docs`")


def test_the_documented_example_loads_with_the_documented_defaults(tmp_path):
    spec = load_classroom(write(tmp_path, classroom_schema.EXAMPLE), {"modbus-tcp"}, USERS)
    assert spec.simulated and spec.stuck_min == classroom_schema.STUCK_MIN
    assert [t.name for t in spec.teams] == ["team1", "team2"]
    minimal = load_classroom(write(tmp_path, '[classroom]\nlesson = "modbus-tcp"\n[[teams]]\nname = "t"\n'))
    defaults = {key.name: key.default for entry in classroom_schema.ENTRIES for key in entry.keys}
    assert (minimal.stuck_min, minimal.line, minimal.teams[0].trainees) == (
        defaults["stuck_min"], None, tuple(defaults["trainees"]))
    assert defaults["line"] == classroom_schema.SIMULATED
