"""Users and roles: who may read, write, call, handle alarms and drive the simulator.

Sans-IO and stdlib only (the file is read once by `Users.load`). Passwords are hashed with
scrypt (`hash_password`, made by `smarthall users passwd NAME`) and never kept in clear.

Roles, from least to most:

- ``observer`` reads only.
- ``trainee`` reads; writes and calls only points and methods at level ``operate`` on the
  stations (connection names) of their team; answers their team's lesson steps.
- ``instructor`` everything (alarms, sim control, loading alarms into the running line, ``operate`` and
  ``supervise`` points) except ``configure`` points.
- ``engineer`` everything.

The users file (TOML; the line file names it in ``[users] file``)::

    [anonymous]
    role = "observer"            # or "none": anonymous access refused
    [local]
    role = "instructor"          # the agent's own OS user over the local socket, no password
    [teams.team1]
    stations = ["conveyor"]
    [[users]]
    name = "kim"
    role = "trainee"
    team = "team1"
    password = "scrypt$..."

Errors (all `EdgeError`): `UsersFileError` (file, key, expected), `AuthenticationFailed`
(never says whether the name or the password was wrong), `Forbidden` (why, in Korean and English).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from smarthall.devices.profiles.model import Level
from smarthall.devices.toml_reader import TomlReader, parse_toml

from .errors import AuthenticationFailed, Forbidden, UsersFileError

__all__ = ["ACTIONS", "AuthenticationFailed", "Forbidden", "Level", "Role", "User", "Users", "UsersFileError",
           "authorize", "hash_password", "verify_password"]

ACTIONS = ("read", "write", "call", "alarm", "sim", "answer", "configure")
"""What `authorize` decides on: alarm is ack/shelve/unshelve, sim is the simulator's control, answer is a lesson
step's answer (a trainee answers for their own team: the caller gives the team as the user's), configure is a change
to the running line's configuration (alarms loaded while it runs: instructors and engineers)."""

# scrypt cost: 16 MiB and ~50 ms per check on a small PC; the parameters are stored with each hash.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
_PREFIX = "scrypt"


class Role(StrEnum):
    OBSERVER = "observer"
    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"
    ENGINEER = "engineer"


@dataclass(frozen=True)
class User:
    """Someone the agent serves: their role, and for a trainee their team and its stations."""

    name: str
    role: Role
    team: str | None = None
    stations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Users:
    """A users file: named users with hashed passwords, and what anonymous and local clients are."""

    source: str
    anonymous: User | None  # None: anonymous access refused
    local: User | None  # the agent's own OS user over the local socket; None: refused
    teams: Mapping[str, frozenset[str]]
    _accounts: Mapping[str, tuple[User, str]]  # name -> (user, password hash)

    @classmethod
    def load(cls, path: str | Path, stations: Collection[str] | None = None) -> Users:
        """Read and check a users file; with stations (the line's connections) teams may name only those."""
        path = Path(path)
        return _UsersReader(str(path), stations).users(parse_toml(path, UsersFileError))

    def authenticate(self, name: str, password: str) -> User:
        """The user of that name if the password is theirs, else AuthenticationFailed."""
        account = self._accounts.get(name)
        if account is None:
            verify_password(password, _DECOY)  # as slow as a real check: the time says nothing either
            raise AuthenticationFailed()
        user, hashed = account
        if not verify_password(password, hashed):
            raise AuthenticationFailed()
        return user

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._accounts)

    def user(self, name: str) -> User | None:
        """The named user, without their password: for an identity the broker already checked (Sparkplug commands)."""
        account = self._accounts.get(name)
        return None if account is None else account[0]


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64) of the password, with a fresh random salt."""
    salt = os.urandom(16)
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return "$".join((_PREFIX, str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(digest)))


def verify_password(password: str, hashed: str) -> bool:
    """Whether password matches a `hash_password` result (compared in constant time)."""
    prefix, n, r, p, salt, digest = hashed.split("$")
    expected = base64.b64decode(digest)
    return prefix == _PREFIX and hmac.compare_digest(
        _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p)), expected)


def authorize(user: User, action: str, station: str | None = None, level: Level | None = None) -> None:
    """Return if the user may do action (on that station's point or method of that level), else raise Forbidden.

    action is one of `ACTIONS`; level None counts as the default, supervise. The reason does not
    name the tag or method: the caller puts it in front.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: expected one of {', '.join(ACTIONS)}")
    level = level or Level.SUPERVISE
    if action == "read" or user.role is Role.ENGINEER:
        return
    if user.role is Role.OBSERVER:
        raise Forbidden(f"{user.name} is an observer: observers may only read",
                        f"{user.name}님은 관찰자입니다: 관찰자는 읽기만 할 수 있습니다")
    if user.role is Role.INSTRUCTOR:
        if level is Level.CONFIGURE:
            raise Forbidden("a configuration setting: only an engineer may change it",
                            "설정 항목입니다: 엔지니어만 바꿀 수 있습니다")
        return
    if action in _INSTRUCTORS:
        what_en, what_ko = _INSTRUCTORS[action]
        raise Forbidden(f"{user.name} is a trainee: {what_en} handled by the instructor",
                        f"{user.name}님은 교육생입니다: {what_ko} 강사가 다룹니다")
    if action == "answer":
        return
    if station not in user.stations:
        mine = ", ".join(sorted(user.stations)) or "-"
        raise Forbidden(f"{user.name} (team {user.team}) operates {mine}, not {station}",
                        f"{user.name}님({user.team} 팀)은 {mine} 스테이션을 조작합니다. {station}은(는) 아닙니다")
    if level is not Level.OPERATE:
        who_en, who_ko = ("an engineer", "엔지니어") if level is Level.CONFIGURE else ("the instructor", "강사")
        raise Forbidden(f"not an operating control: trainees may not change it, ask {who_en}",
                        f"운전 조작 항목이 아닙니다: 교육생은 바꿀 수 없으니 {who_ko}에게 요청하세요")


_INSTRUCTORS = {  # action -> what a trainee is told the instructor handles
    "alarm": ("alarms are", "알람은"), "sim": ("the simulator is", "시뮬레이터는"),
    "configure": ("the line's configuration is", "라인 설정은")}


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * n * r, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


_DECOY = "$".join((_PREFIX, str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(bytes(16)), _b64(bytes(32))))


class _UsersReader(TomlReader):
    def __init__(self, source: str, stations: Collection[str] | None) -> None:
        super().__init__(source, UsersFileError)
        self.stations = stations

    def users(self, data: Mapping) -> Users:
        self.known_keys(data, "top level", ("anonymous", "local", "teams", "users"))
        teams = {name: self.team(name, value)
                 for name, value in self.table(self.get(data, "teams", "top level", Mapping, {}), "[teams]").items()}
        accounts: dict[str, tuple[User, str]] = {}
        for index, raw in enumerate(self.get(data, "users", "top level", list, [])):
            user, hashed = self.account(raw, index, teams)
            if user.name in accounts:
                raise self.fail(f"users[{index}]", f"duplicate user name {user.name!r}")
            accounts[user.name] = (user, hashed)
        anonymous = self.role_table(data, "anonymous", (Role.OBSERVER,))
        local = self.role_table(data, "local", tuple(Role))
        return Users(source=self.source, teams=MappingProxyType(teams), _accounts=MappingProxyType(accounts),
                     anonymous=None if anonymous is None else User("anonymous", anonymous),
                     local=None if local is None else User("local", local))

    def role_table(self, data: Mapping, key: str, allowed: tuple[Role, ...]) -> Role | None:
        """[anonymous] or [local]: a role, or None for "none" or no table."""
        where = f"[{key}]"
        table = self.table(self.get(data, key, "top level", Mapping, {"role": "none"}), where)
        self.known_keys(table, where, ("role",))
        role = self.choice(table, "role", where, [*(r.value for r in allowed), "none"])
        return None if role == "none" else Role(role)

    def team(self, name: str, value: object) -> frozenset[str]:
        where = f"[teams.{name}]"
        table = self.table(value, where)
        self.known_keys(table, where, ("stations",))
        stations = self.get(table, "stations", where, list)
        for station in stations:
            if not isinstance(station, str):
                raise self.fail(where, f"key 'stations': expected station (connection) names, got {station!r}")
            if self.stations is not None and station not in self.stations:
                raise self.fail(where, f"key 'stations': unknown station {station!r}: expected one of "
                                f"{', '.join(self.stations)}")
        return frozenset(stations)

    def account(self, data: object, index: int, teams: Mapping[str, frozenset[str]]) -> tuple[User, str]:
        where = f"users[{index}]"
        data = self.table(data, where)
        name = self.get(data, "name", where, str)
        where = f"users[{index}] {name!r}"
        self.known_keys(data, where, ("name", "role", "team", "password"))
        role = Role(self.choice(data, "role", where, [r.value for r in Role]))
        team = self.get(data, "team", where, str, None)
        if team is not None and team not in teams:
            raise self.fail(where, f"key 'team': unknown team {team!r}: expected one of {', '.join(teams) or '(no [teams])'}")
        if role is Role.TRAINEE and team is None:
            raise self.fail(where, "missing key 'team': a trainee operates the stations of a team")
        hashed = self.get(data, "password", where, str)
        if not _well_formed(hashed):
            raise self.fail(where, "key 'password': expected a hash made by `smarthall users passwd "
                            f"{name}` (scrypt$...), never the password itself")
        return User(name, role, team, teams[team] if team is not None else frozenset()), hashed


def _well_formed(hashed: str) -> bool:
    parts = hashed.split("$")
    if len(parts) != 6 or parts[0] != _PREFIX or not all(p.isdigit() for p in parts[1:4]):
        return False
    try:
        base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError:
        return False
    n, r, p = map(int, parts[1:4])
    return n > 1 and n & (n - 1) == 0 and 0 < r <= 64 and 0 < p <= 16 and n * r <= 2**24
