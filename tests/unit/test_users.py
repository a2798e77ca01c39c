"""edge.users: the users file, password hashes and every role rule."""

from __future__ import annotations

import pytest

from smarthall.edge.errors import EdgeError
from smarthall.edge.users import (
    AuthenticationFailed,
    Forbidden,
    Level,
    Role,
    User,
    Users,
    UsersFileError,
    authorize,
    hash_password,
    verify_password,
)

KIM_HASH = hash_password("kim-pass")


def write(tmp_path, text: str):
    path = tmp_path / "users.toml"
    path.write_text(text, encoding="utf-8")
    return path


def classroom(tmp_path) -> Users:
    return Users.load(write(tmp_path, f"""
[anonymous]
role = "observer"
[local]
role = "instructor"
[teams.team1]
stations = ["conveyor"]
[teams.team2]
stations = ["feeder", "process"]
[[users]]
name = "kim"
role = "trainee"
team = "team1"
password = "{KIM_HASH}"
[[users]]
name = "lee"
role = "instructor"
password = "{KIM_HASH}"
"""), stations=("feeder", "conveyor", "fieldbus", "process"))


TRAINEE = User("kim", Role.TRAINEE, "team1", frozenset({"conveyor"}))
OBSERVER = User("guest", Role.OBSERVER)
INSTRUCTOR = User("lee", Role.INSTRUCTOR)
ENGINEER = User("park", Role.ENGINEER)


# --- the file ------------------------------------------------------------------------------

def test_a_users_file_loads_with_teams_roles_anonymous_and_local(tmp_path):
    users = classroom(tmp_path)
    assert users.anonymous == User("anonymous", Role.OBSERVER)
    assert users.local == User("local", Role.INSTRUCTOR)
    assert users.teams["team2"] == frozenset({"feeder", "process"})
    assert users.names == ("kim", "lee")


def test_without_anonymous_or_local_tables_both_are_refused(tmp_path):
    users = Users.load(write(tmp_path, ""))
    assert users.anonymous is None and users.local is None


@pytest.mark.parametrize("text, expected", [
    ("[anonymous]\nrole = 'instructor'\n", "[anonymous]: key 'role': expected one of observer, none, got 'instructor'"),
    ("[local]\nrole = 'boss'\n", "[local]: key 'role': expected one of observer, trainee, instructor, engineer, none"),
    ("[[users]]\nname = 'a'\nrole = 'trainee'\npassword = 'HASH'\n", "users[0] 'a': missing key 'team'"),
    ("[[users]]\nname = 'a'\nrole = 'trainee'\nteam = 'x'\npassword = 'HASH'\n", "users[0] 'a': key 'team': unknown team 'x'"),
    ("[[users]]\nname = 'a'\nrole = 'observer'\npassword = 'secret'\n",
     "users[0] 'a': key 'password': expected a hash made by `smarthall users passwd a`"),
    ("[[users]]\nname = 'a'\nrole = 'observer'\n", "users[0] 'a': missing key 'password'"),
    (("[[users]]\nname = 'a'\nrole = 'observer'\npassword = 'HASH'\n[[users]]\nname = 'a'\nrole = 'observer'\n"
     "password = 'HASH'\n"), "users[1]: duplicate user name 'a'"),
    ("[teams.t]\nstations = ['oven']\n", "[teams.t]: key 'stations': unknown station 'oven': expected one of feeder"),
    ("[teams.t]\nstation = ['feeder']\n", "[teams.t]: unknown key 'station'"),
    ("admins = []\n", "top level: unknown key 'admins'"),
    ("[[users]]\nname = 'a'\nrole = 'observer'\npassword = 'HASH'\nemail = 'a@b'\n", "users[0] 'a': unknown key 'email'"),
    ("[local\n", "not valid TOML"),
])
def test_a_bad_users_file_names_the_file_the_key_and_what_was_expected(tmp_path, text, expected):
    path = write(tmp_path, text.replace("HASH", KIM_HASH))
    with pytest.raises(UsersFileError) as caught:
        Users.load(path, stations=("feeder", "conveyor"))
    assert str(caught.value).startswith(f"{path}: ") and expected in str(caught.value)


def test_a_missing_users_file_is_named(tmp_path):
    with pytest.raises(UsersFileError, match="nope.toml: no such file"):
        Users.load(tmp_path / "nope.toml")


# --- passwords -----------------------------------------------------------------------------

def test_a_password_hash_is_salted_scrypt_and_never_the_password():
    first, second = hash_password("s3cret"), hash_password("s3cret")
    assert first.startswith("scrypt$16384$8$1$") and "s3cret" not in first
    assert first != second  # a fresh salt each time
    assert verify_password("s3cret", first) and verify_password("s3cret", second)
    assert not verify_password("s3cret ", first)


def test_authenticate_gives_the_user_with_team_stations(tmp_path):
    assert classroom(tmp_path).authenticate("kim", "kim-pass") == TRAINEE


@pytest.mark.parametrize("name, password", [("kim", "wrong"), ("nobody", "kim-pass"), ("kim", "")])
def test_a_wrong_name_or_password_is_refused_without_saying_which(tmp_path, name, password):
    with pytest.raises(AuthenticationFailed) as caught:
        classroom(tmp_path).authenticate(name, password)
    assert str(caught.value) == "wrong user name or password"
    assert caught.value.say("ko") == "사용자 이름이나 비밀번호가 틀렸습니다"


# --- the rules -----------------------------------------------------------------------------

def test_everyone_reads():
    for user in (OBSERVER, TRAINEE, INSTRUCTOR, ENGINEER):
        authorize(user, "read", "process")


@pytest.mark.parametrize("action", ["write", "call", "alarm", "sim"])
def test_an_observer_may_only_read(action):
    with pytest.raises(Forbidden, match="guest is an observer: observers may only read"):
        authorize(OBSERVER, action, "conveyor", Level.OPERATE)


def test_a_trainee_operates_the_stations_of_their_team():
    authorize(TRAINEE, "write", "conveyor", Level.OPERATE)
    authorize(TRAINEE, "call", "conveyor", Level.OPERATE)


def test_a_trainee_may_not_operate_another_teams_station():
    with pytest.raises(Forbidden) as caught:
        authorize(TRAINEE, "write", "feeder", Level.OPERATE)
    assert str(caught.value) == "kim (team team1) operates conveyor, not feeder"
    assert "conveyor" in caught.value.say("ko") and "feeder" in caught.value.say("ko")


@pytest.mark.parametrize("level, who", [(Level.SUPERVISE, "ask the instructor"), (None, "ask the instructor"),
                                        (Level.CONFIGURE, "ask an engineer")])
def test_a_trainee_may_not_change_what_is_not_an_operating_control(level, who):
    with pytest.raises(Forbidden, match=who):
        authorize(TRAINEE, "write", "conveyor", level)


@pytest.mark.parametrize("action, said", [("alarm", "alarms are handled by the instructor"),
                                          ("sim", "the simulator is handled by the instructor")])
def test_a_trainee_leaves_alarms_and_the_simulator_to_the_instructor(action, said):
    with pytest.raises(Forbidden, match=said):
        authorize(TRAINEE, action)


def test_an_instructor_does_everything_but_configuration():
    for action in ("write", "call"):
        authorize(INSTRUCTOR, action, "feeder", Level.OPERATE)
        authorize(INSTRUCTOR, action, "process", Level.SUPERVISE)
    authorize(INSTRUCTOR, "alarm")
    authorize(INSTRUCTOR, "sim")
    with pytest.raises(Forbidden, match="only an engineer may change it") as caught:
        authorize(INSTRUCTOR, "write", "process", Level.CONFIGURE)
    assert "엔지니어" in caught.value.say("ko")


def test_an_engineer_does_everything():
    for action in ("write", "call", "alarm", "sim"):
        authorize(ENGINEER, action, "process", Level.CONFIGURE)


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown action 'delete'"):
        authorize(ENGINEER, "delete")


def test_the_edge_has_one_exception_root():
    from smarthall.edge.alarms import AlarmError
    from smarthall.edge.config import LineConfigError
    from smarthall.edge.errors import CallRejected, WriteRejected
    from smarthall.edge.historian import HistorianError
    from smarthall.edge.inspection import InspectionError
    from smarthall.edge.sparkplug.metrics import CommandError
    from smarthall.edge.sparkplug.settings import CredentialsError
    for error in (Forbidden, AuthenticationFailed, UsersFileError, AlarmError, LineConfigError, CallRejected,
                  WriteRejected, HistorianError, InspectionError, CommandError, CredentialsError):
        assert issubclass(error, EdgeError), error
    assert issubclass(UsersFileError, ValueError) and issubclass(LineConfigError, ValueError)


def test_lesson_answers_come_from_trainees_instructors_and_engineers_never_observers():
    for user in (TRAINEE, INSTRUCTOR, ENGINEER):
        authorize(user, "answer")  # a trainee's own team: edge.service gives the user's team
    with pytest.raises(Forbidden, match="observers may only read"):
        authorize(OBSERVER, "answer")
