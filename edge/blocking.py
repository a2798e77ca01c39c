"""A blocking client of a running agent's API, for one-shot commands: a plain socket, no event loop.

    with connect_line("lines/sim.toml") as line:        # None when no agent serves it
        [value] = line.read(["conveyor.speed_actual"])

`smarthall read`, `write`, `call`, `alarms`, `history` and `tags` use it: asyncio and the async
client (edge.client) took about as long to import as the rest of such a command. The same wire
format, records and errors (edge.wire), the same sign-in (this process's OS user on the Unix
socket, or ``user`` and ``password`` of the line's users file; `BlockingClient.connect_tcp` for an
agent on another machine), the same errors (`AgentUnavailable` when there is no agent, it went away
or sent something that is not an answer). The streams (watch, alarm events, lesson steps) are the
async client's.
"""

from __future__ import annotations

import itertools
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from . import wire
from .errors import AgentUnavailable
from .owner import owner_of
from .tags import TagValue

if TYPE_CHECKING:
    from .alarms.events import AlarmState

CONNECT_TIMEOUT = 2.0  # as edge.client's


class BlockingClient:
    """A session with the agent; each method is one request and waits for its answer."""

    def __init__(self, sock: socket.socket, where: str) -> None:
        self.where = where
        self.user: dict | None = None  # name, role, team, stations
        self._socket = sock
        self._answers = sock.makefile("rb")
        self._ids = itertools.count(1)

    @classmethod
    def connect_unix(cls, path: str | Path, user: str | None = None, password: str | None = None) -> BlockingClient:
        return cls._open(lambda: _unix(str(path)), f"unix:{path}", user, password)

    @classmethod
    def connect_tcp(cls, host: str, port: int, user: str | None = None, password: str | None = None) -> BlockingClient:
        return cls._open(lambda: socket.create_connection((host, port), CONNECT_TIMEOUT), f"tcp://{host}:{port}",
                         user, password)

    @classmethod
    def _open(cls, opening, where: str, user: str | None, password: str | None) -> BlockingClient:
        try:
            sock = opening()
        except OSError as exc:
            raise AgentUnavailable(f"no edge agent answers at {where}: {exc.strerror or exc}") from None
        sock.settimeout(wire.ANSWER_TIMEOUT)  # a fresh read waits for the device, as long as the agent answers
        client = cls(sock, where)
        try:
            client.user = client.login(user, password or "") if user else client._request("whoami")
        except BaseException:
            client.close()
            raise
        return client

    def close(self) -> None:
        self._answers.close()
        self._socket.close()

    def __enter__(self) -> BlockingClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # --- the API (as edge.client.Client's) ---------------------------------------------------

    def login(self, user: str, password: str) -> dict:
        """Sign in as a user of the line's users file (AuthenticationFailed when the name or password is wrong)."""
        self.user = self._request("login", user=user, password=password)
        return self.user

    def tags(self) -> list[dict]:
        return self._request("tags")

    def read(self, tags: Sequence[str], fresh: bool = False) -> list[TagValue]:
        return [wire.to_tag_value(v) for v in self._request("read", tags=list(tags), fresh=fresh)]

    def write(self, tag: str, value: bool | float) -> None:
        self._request("write", tag=tag, value=value)

    def call(self, method: str, args: Sequence[bool | int | float] = ()) -> object:
        return self._request("call", method=method, args=list(args))

    def alarms(self) -> list[AlarmState]:
        return [wire.to_alarm_state(a) for a in self._request("alarms")]

    def alarm(self, action: str, alarm_id: str, comment: str = "") -> None:
        """ack, shelve or unshelve an alarm."""
        self._request("alarm", action=action, alarm=alarm_id, comment=comment)

    def load_alarms(self, toml: str, source: str) -> list[str]:
        """`Client.load_alarms`: the ids newly loaded into the running line."""
        return self._request("load_alarms", toml=toml, source=source)

    def history(self, tags: Sequence[str], since: float, until: float | None = None) -> list[TagValue]:
        return [wire.to_tag_value(v) for v in self._request("history", tags=list(tags), since=since, until=until)]

    def buckets(self, tags: Sequence[str], since: float, bucket_s: float, until: float | None = None) -> list[dict]:
        return self._request("history", tags=list(tags), since=since, until=until, bucket_s=bucket_s)

    def history_csv(self, tags: Sequence[str], since: float, until: float | None = None) -> str:
        return self._request("history", tags=list(tags), since=since, until=until, csv=True)

    # --- the wire --------------------------------------------------------------------------

    def _request(self, op: str, **args):
        rid = next(self._ids)
        try:
            self._socket.sendall(wire.dump({"id": rid, "op": op, **args}))
            while True:
                line = self._answers.readline(wire.MAX_LINE + 1)
                if not line.endswith(b"\n"):
                    raise AgentUnavailable(self._broken(line))
                answer = wire.load(line, self.where)
                if answer.get("id") == rid and "event" not in answer:
                    return wire.result(answer)
        except TimeoutError:
            raise wire.unanswered(self.where, op) from None
        except OSError as exc:
            raise AgentUnavailable(f"the edge agent at {self.where} went away ({exc.strerror or exc})") from None

    def _broken(self, line: bytes) -> str:
        """Why a line without its end is no answer."""
        if not line:
            return f"the edge agent at {self.where} went away before it answered"
        if len(line) > wire.MAX_LINE:
            return f"the edge agent at {self.where} sent a line longer than {wire.MAX_LINE} bytes"
        return f"the edge agent at {self.where} went away in the middle of its answer"


def _unix(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CONNECT_TIMEOUT)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        raise
    return sock


def connect_line(line_file: str | Path, db: str | Path | None = None, user: str | None = None,
                 password: str | None = None) -> BlockingClient | None:
    """A session with the agent serving this line, or None when none runs (or it does not serve clients)."""
    owner = owner_of(line_file, db)
    if owner is None or owner.socket is None:
        return None
    return BlockingClient.connect_unix(owner.socket, user, password)
