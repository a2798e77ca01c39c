"""The one client of a running agent's API (`edge.service`): what the CLI, the consoles and scripts use.

    async with await connect_line("lines/sim.toml") as line:      # None when no agent serves it
        [value] = await line.read(["conveyor.speed_actual"])
        await line.write("conveyor.speed_setpoint", 300)
        async for change in line.watch(["conveyor.parts_good"]): ...

`connect_line` finds the agent through the lock beside the line's history file (`edge.owner`)
and connects to its Unix socket: the agent knows this process's OS user. ``user`` and
``password`` sign in as a user of the line's users file instead; `Client.connect_tcp` reaches an
agent on another machine. Errors are the edge's: `Forbidden`, `AuthenticationFailed`,
`WriteRejected`, `CallRejected`, `AgentError` (unknown tag, the device failed...) and
`AgentUnavailable` (no agent, or it went away).

This module imports the standard library and the edge's small record modules only, so a
one-shot command starts fast.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import wire
from .errors import AgentUnavailable, EdgeError
from .owner import owner_of
from .tags import TagValue

if TYPE_CHECKING:
    from .alarms.events import AlarmEvent, AlarmState
    from .health import ConnectionHealth

CONNECT_TIMEOUT = 2.0


class Client:
    """A session with the agent; each method is one request (watch and alarm_events are streams)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, where: str) -> None:
        self.where = where
        self.user: dict | None = None  # name, role, team, stations (None: not let in anonymously)
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._streams: dict[int, asyncio.Queue] = {}
        self._pump = asyncio.create_task(self._receive(), name=f"edge client {where}")

    @classmethod
    async def connect_unix(cls, path: str | Path, user: str | None = None, password: str | None = None) -> Client:
        return await cls._open(asyncio.open_unix_connection(str(path), limit=wire.MAX_LINE), f"unix:{path}",
                               user, password)

    @classmethod
    async def connect_tcp(cls, host: str, port: int, user: str | None = None, password: str | None = None) -> Client:
        return await cls._open(asyncio.open_connection(host, port, limit=wire.MAX_LINE), f"tcp://{host}:{port}",
                               user, password)

    @classmethod
    async def _open(cls, opening, where: str, user: str | None, password: str | None) -> Client:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                reader, writer = await opening
        except (OSError, TimeoutError) as exc:
            raise AgentUnavailable(f"no edge agent answers at {where}: {exc.strerror or exc}") from None
        client = cls(reader, writer, where)
        try:
            client.user = await (client.login(user, password or "") if user else client._request("whoami"))
        except BaseException:
            await client.close()
            raise
        return client

    async def close(self) -> None:
        self._writer.close()
        self._pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await self._pump
        with contextlib.suppress(ConnectionError):
            await self._writer.wait_closed()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    # --- the API ---------------------------------------------------------------------------

    async def login(self, user: str, password: str) -> dict:
        """Sign in as a user of the line's users file (AuthenticationFailed when the name or password is wrong)."""
        self.user = await self._request("login", user=user, password=password)
        return self.user

    async def tags(self) -> list[dict]:
        """The line's tags: name, type, access, unit, level, connection, rate_ms (None: derived), ko, en, min, max
        (the profile's range, None where it gives none) and profile (the station's profile; vision for derived tags)."""
        return await self._request("tags")

    async def methods(self) -> list[dict]:
        """The line's methods: name (device.Method), connection, level, inputs (name, type, min, max), ko, en."""
        return await self._request("methods")

    async def read(self, tags: Sequence[str], fresh: bool = False) -> list[TagValue]:
        """The latest values (fresh: read from the devices now), in the order asked."""
        return [wire.to_tag_value(v) for v in await self._request("read", tags=list(tags), fresh=fresh)]

    async def write(self, tag: str, value: bool | float) -> None:
        await self._request("write", tag=tag, value=value)

    async def call(self, method: str, args: Sequence[bool | int | float] = ()) -> object:
        return await self._request("call", method=method, args=list(args))

    async def watch(self, tags: Sequence[str]) -> AsyncIterator[TagValue]:
        """Each change of these tags (the latest known values first) until the caller stops."""
        async for value in self._stream("watch", tags=list(tags)):
            yield wire.to_tag_value(value)

    async def alarms(self) -> list[AlarmState]:
        return [wire.to_alarm_state(a) for a in await self._request("alarms")]

    async def ack(self, alarm_id: str, comment: str = "") -> None:
        await self._request("alarm", action="ack", alarm=alarm_id, comment=comment)

    async def shelve(self, alarm_id: str, comment: str = "") -> None:
        await self._request("alarm", action="shelve", alarm=alarm_id, comment=comment)

    async def unshelve(self, alarm_id: str, comment: str = "") -> None:
        await self._request("alarm", action="unshelve", alarm=alarm_id, comment=comment)

    async def load_alarms(self, toml: str, source: str) -> list[str]:
        """Load the [[alarms]] tables of a line file's text (`source` names it in a refusal) into the running line: the
        ids newly loaded; AlarmsRefused (ko/en) naming the file, key and what was expected, Forbidden for a trainee."""
        return await self._request("load_alarms", toml=toml, source=source)

    async def alarm_events(self) -> AsyncIterator[AlarmEvent]:
        async for event in self._stream("alarm_events"):
            yield wire.to_alarm_event(event)

    async def history(self, tags: Sequence[str], since: float, until: float | None = None) -> list[TagValue]:
        return [wire.to_tag_value(v) for v in await self._request("history", tags=list(tags), since=since, until=until)]

    async def buckets(self, tags: Sequence[str], since: float, bucket_s: float, until: float | None = None) -> list[dict]:
        """min/max/avg per bucket: dicts with tag, start, count, min, max, avg."""
        return await self._request("history", tags=list(tags), since=since, until=until, bucket_s=bucket_s)

    async def history_csv(self, tags: Sequence[str], since: float, until: float | None = None) -> str:
        return await self._request("history", tags=list(tags), since=since, until=until, csv=True)

    async def health(self) -> list[ConnectionHealth]:
        return [wire.to_health(h) for h in await self._request("health")]

    async def sim(self, method: str, args: Sequence[object] = ()) -> object:
        """Sim control (InjectFault, ClearFaults, Reset, LoadMagazine, ...) where the agent has it."""
        return await self._request("sim", method=method, args=list(args))

    async def lesson_steps(self) -> AsyncIterator[dict]:
        """The lesson step of every team this user may see (TeamStep dicts, edge.service.LessonHost), then each change;
        LessonNotOpen when no lesson runs on the line."""
        async for step in self._stream("lesson"):
            yield step

    async def answer(self, value: float | str, team: str | None = None) -> dict:
        """Answer the team's current step ({"right": bool | None, "status": TeamStep}); a trainee answers for their
        own team, an instructor names it. A choice is answered with its 1-based number."""
        return await self._request("answer", value=value, team=team)

    # --- the wire --------------------------------------------------------------------------

    def _send(self, op: str, args: dict) -> int:
        rid = next(self._ids)
        if self._pump.done():
            raise AgentUnavailable(f"the edge agent at {self.where} went away")
        self._writer.write(wire.dump({"id": rid, "op": op, **args}))
        return rid

    async def _request(self, op: str, **args):
        future = asyncio.get_running_loop().create_future()
        rid = self._send(op, args)
        self._waiting[rid] = future
        try:
            async with asyncio.timeout(wire.ANSWER_TIMEOUT):
                return await future
        except TimeoutError:
            self._waiting.pop(rid, None)
            if not self._writer.is_closing():
                self._writer.write(wire.dump({"id": rid, "op": "cancel"}))
            raise wire.unanswered(self.where, op) from None

    async def _stream(self, op: str, **args) -> AsyncIterator:
        queue: asyncio.Queue = asyncio.Queue()
        rid = self._send(op, args)
        self._streams[rid] = queue
        self._waiting[rid] = asyncio.get_running_loop().create_future()
        try:
            await self._waiting[rid]
            while True:
                event = await queue.get()
                if isinstance(event, Exception):
                    raise event
                yield event
        finally:
            self._streams.pop(rid, None)
            if not self._writer.is_closing():
                self._writer.write(wire.dump({"id": rid, "op": "cancel"}))

    async def _receive(self) -> None:
        gone: Exception = AgentUnavailable(f"the edge agent at {self.where} went away")
        try:
            while line := await self._reader.readline():
                message = wire.load(line, self.where)
                rid = message.get("id", 0)  # 0: no request of ours (ids start at 1)
                if "event" in message:
                    if (queue := self._streams.get(rid)) is not None:
                        queue.put_nowait(message["event"])
                    continue
                future = self._waiting.pop(rid, None)
                if future is None or future.done():
                    continue
                try:
                    future.set_result(wire.result(message))
                except EdgeError as exc:
                    future.set_exception(exc)
        except (ConnectionError, ValueError) as exc:  # ValueError: a line longer than wire.MAX_LINE
            gone = AgentUnavailable(f"the edge agent at {self.where} went away ({exc})")
        except AgentUnavailable as exc:
            gone = exc
        finally:
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(gone)
            self._waiting.clear()
            for queue in self._streams.values():
                queue.put_nowait(gone)


async def connect_line(line_file: str | Path, db: str | Path | None = None, user: str | None = None,
                       password: str | None = None) -> Client | None:
    """A session with the agent serving this line, or None when none runs (or it does not serve clients)."""
    owner = owner_of(line_file, db)
    if owner is None or owner.socket is None:
        return None
    return await Client.connect_unix(owner.socket, user, password)
