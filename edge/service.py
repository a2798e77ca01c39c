"""The running agent's client API: the one way into a line for the CLI, consoles, panels and scripts.

`Service(agent, users, sim)` serves `edge.wire` messages (newline-delimited JSON) on a Unix socket
beside the line's history file (recorded in the line's lock, `edge.owner`), and, when the line
file's ``[service] listen`` says so, on TCP. Every request runs as the session's user:

- on the Unix socket, the peer's OS identity (SO_PEERCRED): the agent's own OS user (or root) is
  the users file's ``[local]`` role, anyone else ``[anonymous]``; both may ``login`` with a name
  and password instead;
- on TCP, ``[anonymous]`` until ``login``;
- a line without a users file: the agent's own OS user is an engineer, nobody else gets in.

Every write, call, alarm operation, alarm load, sim control request and lesson answer is checked by
`edge.users.authorize` and written to the write log with the user's name and the result, refused
ones with the reason.

Lessons: where a lesson runs on the line (`smarthall lab`), the composition root passes a
`LessonHost` (implemented in lessons/; the edge imports nothing of it). The ``lesson`` stream gives
each team's current step (a TeamStep, a JSON-ready dict) and then each change: a trainee sees their
team's and the whole line's (team None), everyone else all of them. ``answer`` hands a step's answer
to the host: a trainee answers for their own team, an instructor or engineer names one.

Why this transport: a Unix socket is found through a file (no port to pick or collide with, as
the tests' free-port rule and a lab beside them need), tells the agent who is on the other end
without a password, and answers a one-shot `smarthall read` in a few milliseconds; JSON lines need
only the standard library in the client, so a command imports little (the goal: a read in
~300 ms as a whole process). OPC UA stays what SCADA tools use (edge.northbound); an asyncua
client in every command would cost ~1 s of imports. HTTP/WebSocket would add a server library for
what two message shapes (answer, stream event) cover.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import pwd
import socket
import struct
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Protocol

from smarthall.devices.profiles.table import layout

from . import wire
from .alarms import AlarmError
from .client import Client
from .config import read_alarms
from .errors import (
    AgentError,
    AgentUnavailable,
    AlarmsRefused,
    EdgeError,
    Forbidden,
    LessonNotOpen,
    LineConfigError,
)
from .health import connection_health
from .users import Role, User, Users, authorize

log = logging.getLogger(__name__)
SimMethods = Mapping[str, Callable[..., Awaitable[object]]]  # sim control: method name -> coroutine function
_SUN_PATH = 100  # a Unix socket's path must fit in 108 bytes


class LessonChanges(Protocol):
    """TeamSteps as they change, until `aclose`."""

    def __aiter__(self) -> LessonChanges: ...

    async def __anext__(self) -> dict: ...

    async def aclose(self) -> None: ...


class LessonHost(Protocol):
    """The lessons running on this line, one per team (team None: one run for the whole line).

    A TeamStep is a dict: team, trainees, lesson, lesson_title, step (0-based), steps, title,
    instruction, kind, choices, status ("waiting", "passed", "failed", "timed_out"), detail, hint
    (None until the instructor reveals one), since (epoch s the step opened), wrong_answers,
    hints_taken; every text a {"ko": ..., "en": ...} pair.
    """

    def steps(self) -> list[dict]:
        """The current TeamStep of every team on this line."""

    def changes(self) -> LessonChanges:
        """Each TeamStep as it changes, from the moment of the call (a subscriber's own queue)."""

    async def answer(self, team: str | None, value: object, user: str) -> dict:
        """{"right": bool | None, "status": TeamStep}; LessonNotOpen when that team has no step taking
        answers, ValueError (one line) for an answer the step cannot take."""


def socket_path(history_path: Path) -> Path:
    """Beside the history file, or in the temporary folder when that path is too long for a socket."""
    beside = Path(history_path).with_name(Path(history_path).name + ".sock")
    if len(os.fsencode(beside)) < _SUN_PATH:
        return beside
    digest = hashlib.sha256(os.fsencode(Path(history_path).resolve())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"smarthall-{os.getuid()}-{digest}.sock"


class Service:
    """Serves one agent's line to clients until `close`."""

    def __init__(self, agent, users: Users | None, sim: SimMethods | None = None,
                 listen: tuple[str, int] | None = None, lessons: LessonHost | None = None) -> None:
        self.agent = agent
        self.users = users
        self.sim = sim
        self.lessons = lessons
        self.listen = listen
        self.socket: Path | None = None
        self.tcp: tuple[str, int] | None = None  # where TCP listens once started (port 0 resolved)
        self._servers: list[asyncio.base_events.Server] = []
        self._sessions: set[asyncio.Task] = set()

    async def start(self) -> None:
        self.socket = socket_path(self.agent.history_path)
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()  # we hold the line's lock: a socket file there is a dead agent's
        self._servers.append(await asyncio.start_unix_server(self._local, path=str(self.socket), limit=wire.MAX_LINE))
        os.chmod(self.socket, 0o666)  # other OS users may connect: as anonymous, or by signing in
        if self.listen is not None:
            server = await asyncio.start_server(self._remote, *self.listen, limit=wire.MAX_LINE)
            self._servers.append(server)
            self.tcp = server.sockets[0].getsockname()[:2]
        if self.agent.lock is not None:  # an agent that was not started owns no line (a frozen line in tests)
            self.agent.lock.announce(str(self.socket), None if self.tcp is None else f"{self.tcp[0]}:{self.tcp[1]}")

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for task in list(self._sessions):
            task.cancel()
        await asyncio.gather(*self._sessions, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        if self.socket is not None:
            with contextlib.suppress(FileNotFoundError):
                self.socket.unlink()
        if self.agent.lock is not None:
            self.agent.lock.announce()

    async def __aenter__(self) -> Service:
        await self.start()
        return self

    @contextlib.asynccontextmanager
    async def session(self, user: str | None = None, password: str | None = None) -> AsyncIterator[Client]:
        """A client session of this service in this process (the console inside `lab`, check-all)."""
        if self.socket is None:
            raise AgentUnavailable("the edge service is not started")
        async with await Client.connect_unix(self.socket, user, password) as client:
            yield client

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    def local_user(self, uid: int) -> User | None:
        """Who a local peer is: the agent's own OS user (or root) is [local], anyone else [anonymous]."""
        if uid not in (os.getuid(), 0):
            return None if self.users is None else self.users.anonymous
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = f"uid {uid}"
        if self.users is None:
            return User(name, Role.ENGINEER)
        return None if self.users.local is None else dataclasses.replace(self.users.local, name=name)

    async def _local(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        _pid, uid, _gid = struct.unpack("3i", sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                             struct.calcsize("3i")))
        await self._session(reader, writer, self.local_user(uid))

    async def _remote(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._session(reader, writer, None if self.users is None else self.users.anonymous)

    async def _session(self, reader, writer, user: User | None) -> None:
        task = asyncio.current_task()
        assert task is not None  # a connection callback runs as a task
        self._sessions.add(task)
        try:
            await _Session(self, writer, user).run(reader)
        except asyncio.CancelledError:  # the service closes; asyncio (3.11) logs a cancelled connection task as an error
            pass
        finally:
            self._sessions.discard(task)


@contextlib.asynccontextmanager
async def served(agent, users: Users | None = None) -> AsyncIterator[Client]:
    """Serve `agent` and open a client session of it in this process until the block ends (check-all, tests)."""
    async with Service(agent, users) as service, service.session() as client:
        yield client


class _Session:
    """One client connection: its user and its requests, each running as a task."""

    def __init__(self, service: Service, writer: asyncio.StreamWriter, user: User | None) -> None:
        self.service = service
        self.agent = service.agent
        self.writer = writer
        self.user = user
        self.tasks: dict[object, asyncio.Task] = {}

    async def run(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                try:
                    request = json.loads(line)
                    rid, op = request["id"], request["op"]
                except (ValueError, KeyError, TypeError):
                    self.send({"id": None, "ok": False, "error": {"type": "agent", "en": "not a request"}})
                    continue
                if op == "cancel":
                    if (task := self.tasks.get(rid)) is not None:
                        task.cancel()
                    continue
                task = asyncio.create_task(self.answer(rid, op, request))
                self.tasks[rid] = task
                task.add_done_callback(functools.partial(self.forget, rid))
        except (ConnectionError, ValueError):  # the peer left, or sent a line beyond the limit
            pass
        finally:
            for task in list(self.tasks.values()):
                task.cancel()
            try:
                await asyncio.gather(*self.tasks.values(), return_exceptions=True)
            finally:  # also when the service closes meanwhile: the connection never outlives the session
                self.writer.close()

    def forget(self, rid, _task: asyncio.Task) -> None:
        self.tasks.pop(rid, None)

    def send(self, message: dict) -> None:
        if not self.writer.is_closing():
            self.writer.write(wire.dump(message))

    async def answer(self, rid, op: str, request: dict) -> None:
        handler = _OPS.get(op) or _STREAMS.get(op)
        try:
            if handler is None:
                raise AgentError(f"unknown request {op!r}")
            if op not in ("login", "whoami") and self.user is None:
                raise Forbidden("sign in first: this agent lets nobody in anonymously",
                                "먼저 로그인하세요: 이 에이전트는 익명 접속을 받지 않습니다")
            if op in _STREAMS:
                stream = handler(self, request)
                await anext(stream)  # checks the request before saying ok
                self.send({"id": rid, "ok": True, "result": None})
                async for event in stream:
                    self.send({"id": rid, "event": event})
                    await self.writer.drain()
                return
            self.send({"id": rid, "ok": True, "result": await handler(self, request)})  # an answer it cannot send: below
        except asyncio.CancelledError:
            raise
        except (EdgeError, LineConfigError, AlarmError, ValueError, KeyError, TypeError) as exc:
            self.send({"id": rid, "ok": False, "error": wire.error(exc)})
        except Exception as exc:
            self.send({"id": rid, "ok": False, "error": {"type": "agent", "en": str(exc) or type(exc).__name__}})

    def permit(self, action: str, target: str, new: object, station: str | None = None, level=None) -> User:
        """The session's user if allowed; a refusal is logged with its reason and raised."""
        user = self.user
        assert user is not None  # answer() lets nobody further without one
        try:
            authorize(user, action, station, level)
        except Forbidden as exc:
            self.agent.audit(user.name, target, new, f"refused: {exc}")
            raise Forbidden(f"{target}: {exc.en}", f"{target}: {exc.ko}") from None
        return user

    # --- the requests ----------------------------------------------------------------------

    async def login(self, request: dict) -> dict:
        users = self.service.users
        if users is None:
            raise Forbidden("this line has no users file: only the agent's own OS user may connect",
                            "이 라인에는 사용자 파일이 없습니다: 에이전트를 실행한 OS 사용자만 접속할 수 있습니다")
        self.user = await asyncio.to_thread(users.authenticate, str(request["user"]), str(request["password"]))
        return _user(self.user)

    async def whoami(self, request: dict) -> dict | None:
        return None if self.user is None else _user(self.user)

    async def tags(self, request: dict) -> list[dict]:
        config = self.agent.config
        rates = {g.name: g.rate_s for g in config.groups}
        return [{"name": t.name, "type": "bool" if t.point.is_bool else t.point.type.value,
                 "layout": layout(t.point), "access": t.point.access, "unit": t.unit,
                 "level": t.point.level.value if t.point.writable else None, "connection": t.connection,
                 "rate_ms": None if t.derived else rates[t.group] * 1000, "ko": t.point.text.ko, "en": t.point.text.en,
                 "min": t.point.min, "max": t.point.max,
                 "profile": t.device.name if t.derived else config.connection(t.connection).profile.name}
                for t in config.tags.values()]

    async def methods(self, request: dict) -> list[dict]:
        """The line's methods: name (device.Method), connection, level, inputs with their ranges, ko, en."""
        return [{"name": f"{d.name}.{m.name}", "connection": c.name, "level": m.level.value, "ko": m.text.ko,
                 "en": m.text.en, "inputs": [{"name": name, "type": dtype.value, "min": low, "max": high}
                                             for (name, dtype), (low, high) in
                                             zip(m.inputs, m.ranges or [t.limits for _, t in m.inputs])]}
                for c in self.agent.config.connections for d in c.profile.devices for m in d.methods]

    async def read(self, request: dict) -> list[dict]:
        names = [self.agent.config.tag(n).name for n in request["tags"]]
        latest = self.agent.latest
        if request.get("fresh") or any(n not in latest for n in names):
            return [wire.tag_value(v) for v in await self.agent.read(names)]
        return [wire.tag_value(latest[n]) for n in names]

    async def write(self, request: dict) -> None:
        tag = self.agent.config.tag(request["tag"])
        user = self.permit("write", tag.name, request["value"], tag.connection, tag.point.level)
        await self.agent.write(tag.name, request["value"], user=user.name)

    async def call(self, request: dict) -> object:
        connection, _device, method = self.agent.config.method(request["method"])
        args = list(request.get("args", []))
        user = self.permit("call", request["method"], args, connection.name, method.level)
        return _plain(await self.agent.call(request["method"], args, user=user.name))

    async def alarms(self, request: dict) -> list[dict]:
        return [wire.alarm_state(s) for s in self.agent.alarms.states()]

    async def alarm(self, request: dict) -> None:
        action, alarm_id, comment = request["action"], request["alarm"], request.get("comment", "")
        target = f"alarm {alarm_id}"
        user = self.permit("alarm", target, {"action": action, "comment": comment})
        try:
            self.agent.operate(action, alarm_id, user.name, comment)
        except AlarmError as exc:
            self.agent.audit(user.name, target, {"action": action, "comment": comment}, f"rejected: {exc}")
            raise
        self.agent.audit(user.name, target, {"action": action, "comment": comment}, "ok")

    async def load_alarms(self, request: dict) -> list[str]:
        """Load the [[alarms]] tables of a line file's text (`toml`, named `source`) into the running agent: the ids
        newly loaded (`EdgeAgent.load_alarms`)."""
        source, text = str(request["source"]), str(request["toml"])
        target = f"alarms {source}"
        user = self.permit("configure", target, source)
        try:
            loaded = await self.agent.load_alarms(read_alarms(text, source, self.agent.config.tags))
        except (AlarmsRefused, AlarmError) as exc:  # its English words in the log, as every refusal's
            self.agent.audit(user.name, target, source, f"rejected: {exc}")
            raise
        self.agent.audit(user.name, target, loaded, "ok")
        return loaded

    async def history(self, request: dict) -> list[dict] | str:
        historian = self.agent.historian
        historian.flush()
        tags = [self.agent.config.tag(n).name for n in request["tags"]]
        since, until = request["since"], request.get("until")
        if request.get("csv"):
            out = io.StringIO()
            historian.export_csv(tags, since, until, out)
            return out.getvalue()
        if request.get("bucket_s"):
            return [{"tag": t, **dataclasses.asdict(b)} for t in tags
                    for b in historian.buckets(t, since, until or time.time(), request["bucket_s"])]
        return [wire.tag_value(v) for t in tags for v in historian.history(t, since, until)]

    async def health(self, request: dict) -> list[dict]:
        return [dataclasses.asdict(h) for h in connection_health(self.agent)]

    async def sim(self, request: dict) -> object:
        method, args = str(request["method"]), list(request.get("args", []))
        target = f"sim {method}"
        user = self.permit("sim", target, args)
        methods = self.service.sim
        if methods is None or method not in methods:
            reason = ("no simulator control here (smarthall lab serves it)" if methods is None
                      else f"unknown sim method {method!r}: expected one of {', '.join(methods)}")
            self.agent.audit(user.name, target, args, f"failed: {reason}")
            raise AgentError(reason)
        result = await methods[method](*args)
        self.agent.audit(user.name, target, args, "ok")
        return _plain(result)

    def lesson_host(self) -> LessonHost:
        if self.service.lessons is None:
            raise LessonNotOpen()
        return self.service.lessons

    def sees(self, step: dict) -> bool:
        """A trainee sees their team's step and the whole line's; everyone else every team's."""
        user = self.user
        return user is None or user.role is not Role.TRAINEE or step.get("team") in (None, user.team)

    async def answer_step(self, request: dict) -> dict:
        host = self.lesson_host()
        user = self.user
        assert user is not None  # answer() lets nobody further without one
        team = user.team if user.role is Role.TRAINEE else request.get("team")
        value = request["value"]
        target = "lesson answer" if team is None else f"lesson answer ({team})"
        self.permit("answer", target, value)
        try:
            result = await host.answer(team, value, user.name)
        except (EdgeError, ValueError) as exc:
            self.agent.audit(user.name, target, value, f"rejected: {exc}")
            raise
        self.agent.audit(user.name, target, value, {True: "right", False: "wrong"}.get(result["right"], "taken"))
        return result

    async def lesson(self, request: dict):
        host = self.lesson_host()
        changes = host.changes()  # subscribed before the first steps are read: no change falls between
        try:
            yield None
            for step in host.steps():
                if self.sees(step):
                    yield step
            async for step in changes:
                if self.sees(step):
                    yield step
        finally:
            await changes.aclose()

    async def watch(self, request: dict):
        names = [self.agent.config.tag(n).name for n in request["tags"]]
        yield None  # the request is good: the client is told so before the first value
        async with contextlib.aclosing(self.agent.watch(names)) as values:
            async for value in values:
                yield wire.tag_value(value)

    async def alarm_events(self, request: dict):
        yield None
        async with contextlib.aclosing(self.agent.alarm_events()) as events:
            async for event in events:
                yield wire.alarm_event(event)


_OPS = {name: getattr(_Session, name) for name in
        ("login", "whoami", "tags", "methods", "read", "write", "call", "alarms", "alarm", "load_alarms", "history",
         "health", "sim")}
_OPS["answer"] = _Session.answer_step  # `answer` is the session's own request handler
_STREAMS = {"watch": _Session.watch, "alarm_events": _Session.alarm_events, "lesson": _Session.lesson}


def _user(user: User) -> dict:
    return {"name": user.name, "role": user.role.value, "team": user.team, "stations": sorted(user.stations)}


def _plain(value: object) -> object:
    """A device's answer as JSON can carry it."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)
    return value
