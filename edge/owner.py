"""One owner per line: an exclusive lock beside the history file, saying who holds it and where it serves.

The agent that opens a line (its connections, its RS-485 port, its history file) first takes
``<history>.lock`` with ``fcntl.flock``; the kernel drops the lock when the process ends, however
it ends, so a stale file never blocks anyone. The file holds JSON: the pid and, once the agent
serves its client API, the endpoints (the Unix socket, the TCP listener). Clients read it to find
the agent (`read_owner`); a second agent is refused with one line naming the first (`LineBusy`).

Stdlib and the light part of smarthall.devices only: `smarthall read` reads this file before deciding
anything else.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from smarthall.devices.folders import DATA_ENV, data_folder  # noqa: F401 - DATA_ENV: re-exported to edge.config

from .errors import LineBusy


@dataclass(frozen=True)
class Owner:
    """Who holds a line's lock: its pid and where it serves clients (None: not serving)."""

    pid: int
    socket: str | None = None
    tcp: str | None = None  # "host:port"

    @property
    def where(self) -> str:
        served = [f"unix:{self.socket}" if self.socket else "", f"tcp://{self.tcp}" if self.tcp else ""]
        return ", ".join(s for s in served if s) or "not serving clients"


def default_history_path(line_name: str) -> Path:
    """Where a line's history lives unless its line file says otherwise."""
    return data_folder() / f"{line_name}.db"


def lock_path(history_path: Path) -> Path:
    return Path(history_path).with_name(Path(history_path).name + ".lock")


def read_owner(history_path: Path) -> Owner | None:
    """The owner recorded beside this history file, if one holds the lock now (else None)."""
    path = lock_path(history_path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    with os.fdopen(fd) as file:
        try:
            fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:  # held: the owner is alive (pid 0: still starting)
            return _parse(file.read()) or Owner(0)
        fcntl.flock(file, fcntl.LOCK_UN)  # nobody holds it: a file left by an agent that ended
        return None


def busy(line_name: str, owner: Owner, history_path: Path) -> LineBusy:
    """The one line that says who already runs the line."""
    who = f"pid {owner.pid}, {owner.where}" if owner.pid else "a process starting up"
    return LineBusy(f"line {line_name!r} is already run by an edge agent ({who}; lock {lock_path(history_path)}):"
                    " use that one, or stop it first")


class LineLock:
    """The held lock of one line (`acquire`), updated when the agent starts serving (`announce`)."""

    def __init__(self, history_path: Path, file) -> None:
        self.path = lock_path(history_path)
        self._file = file

    @classmethod
    def acquire(cls, history_path: Path, line_name: str) -> LineLock:
        """Take the line's lock or raise LineBusy naming the agent that holds it (pid, where it serves)."""
        path = lock_path(history_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        file = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            owner = _parse(file.read()) or Owner(0)
            file.close()
            raise busy(line_name, owner, history_path) from None
        lock = cls(history_path, file)
        lock.announce()
        return lock

    def announce(self, socket: str | None = None, tcp: str | None = None) -> None:
        """Record this process and where it serves."""
        self._file.seek(0)
        self._file.truncate()
        self._file.write(json.dumps({"pid": os.getpid(), "socket": socket, "tcp": tcp}))
        self._file.flush()

    def release(self) -> None:
        with contextlib.suppress(OSError):
            self._file.seek(0)
            self._file.truncate()
        self._file.close()  # closing drops the flock


def _parse(text: str) -> Owner | None:
    try:
        data = json.loads(text)
        return Owner(int(data["pid"]), data.get("socket"), data.get("tcp"))
    except (ValueError, KeyError, TypeError):
        return None


def history_path(line_file: str | Path, db: str | Path | None = None) -> Path:
    """The history file of a line file (as edge.config reads it), without loading the whole line."""
    if db is not None:
        return Path(db)
    line_file = Path(line_file)
    with open(line_file, "rb") as file:
        data = tomllib.load(file)
    raw = data.get("historian", {}).get("path")
    if raw is not None:
        return line_file.parent / Path(raw).expanduser()
    return default_history_path(data["line"]["name"])


def owner_of(line_file: str | Path, db: str | Path | None = None) -> Owner | None:
    """The agent that owns this line now (pid, where it serves), or None."""
    try:
        return read_owner(history_path(line_file, db))
    except (OSError, ValueError, KeyError, TypeError):  # an unreadable line file: the caller's loader says why
        return None
