"""`smarthall users passwd`: a password hashed into a users file, the rest of the file as written."""

from __future__ import annotations

import pytest

from smarthall.cli import main
from smarthall.edge.config import LINES_DIR
from smarthall.edge.users import Users, hash_password

FILE = """# the hall's users
[teams.team1]
stations = ["conveyor"]

[[users]]
name = "kim"   # team 1's first trainee
role = "trainee"
team = "team1"
password = "OLD"  # "kim"

[[users]]
name = "lee"
role = "instructor"
password = "OLD"
"""


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    path = tmp_path / "users.toml"
    path.write_text(FILE.replace("OLD", hash_password("old")), encoding="utf-8")
    monkeypatch.setenv("SMARTHALL_PASSWORD", "new secret")
    return path


def test_passwd_replaces_only_that_users_password_line(users_file, capsys):
    before = users_file.read_text(encoding="utf-8").splitlines()
    assert main(["users", "passwd", "kim", "--file", str(users_file)]) == 0
    assert "kim's password is set in" in capsys.readouterr().out
    after = users_file.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(after) == len(before) and len(changed) == 1
    assert changed[0][1].startswith('password = "scrypt$') and "new secret" not in changed[0][1]
    users = Users.load(users_file)
    assert users.authenticate("kim", "new secret").team == "team1"
    assert users.authenticate("lee", "old").role == "instructor"


def test_passwd_adds_a_new_user_with_role_and_team(users_file):
    assert main(["users", "passwd", "choi", "--role", "trainee", "--team", "team1", "--file", str(users_file)]) == 0
    assert Users.load(users_file).authenticate("choi", "new secret").stations == frozenset({"conveyor"})


def test_a_new_user_needs_a_role(users_file, capsys):
    assert main(["users", "passwd", "choi", "--file", str(users_file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no user 'choi' in the users file: add them with --role" in err


def test_an_unusable_result_leaves_the_file_alone_and_names_it(users_file, capsys):
    before = users_file.read_text(encoding="utf-8")
    assert main(["users", "passwd", "choi", "--role", "trainee", "--team", "team9", "--file", str(users_file)]) == 2
    err = capsys.readouterr().err
    assert f"{users_file}: users[2] 'choi': key 'team': unknown team 'team9'" in err
    assert users_file.read_text(encoding="utf-8") == before
    assert [p.name for p in users_file.parent.iterdir()] == ["users.toml"]


def test_differing_passwords_at_the_prompt_change_nothing(users_file, monkeypatch, capsys):
    monkeypatch.delenv("SMARTHALL_PASSWORD")
    answers = iter(["one", "two"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    before = users_file.read_text(encoding="utf-8")
    assert main(["--lang", "ko", "users", "passwd", "kim", "--file", str(users_file)]) == 2
    assert "두 비밀번호가 다릅니다" in capsys.readouterr().err
    assert users_file.read_text(encoding="utf-8") == before


def test_without_file_the_line_files_users_file_is_used(tmp_path, monkeypatch):
    (tmp_path / "line.toml").write_text((LINES_DIR / "sim.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "sim-users.toml").write_bytes((LINES_DIR / "sim-users.toml").read_bytes())
    monkeypatch.setenv("SMARTHALL_PASSWORD", "fresh")
    assert main(["users", "passwd", "park", "--line", str(tmp_path / "line.toml")]) == 0
    users = Users.load(tmp_path / "sim-users.toml")
    assert users.authenticate("park", "fresh").team == "team2"
    assert users.authenticate("kim", "kim").team == "team1"
