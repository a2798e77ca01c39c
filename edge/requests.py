"""Operator requests to a running agent, through its history file.

`smarthall alarms ack ID` runs in another process than `smarthall edge run`;
it leaves a request in the agent's SQLite file and waits for the agent to
mark it done (the agent looks every flush period). SQLite's WAL mode lets
both processes use the file at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS operator_requests (
    id INTEGER PRIMARY KEY, ts REAL NOT NULL, action TEXT NOT NULL, alarm_id TEXT NOT NULL,
    user TEXT NOT NULL, comment TEXT NOT NULL, result TEXT
);
"""


@dataclass(frozen=True)
class Request:
    id: int
    action: str  # "ack" | "shelve" | "unshelve"
    alarm_id: str
    user: str
    comment: str


class RequestBox:
    """The requests table of one history file."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(path, timeout=5)
        self._db.executescript(_SCHEMA)

    def put(self, action: str, alarm_id: str, user: str, comment: str = "") -> int:
        with self._db:
            cursor = self._db.execute(
                "INSERT INTO operator_requests (ts, action, alarm_id, user, comment) VALUES (?, ?, ?, ?, ?)",
                (time.time(), action, alarm_id, user, comment))
        return cursor.lastrowid

    def pending(self) -> list[Request]:
        rows = self._db.execute(
            "SELECT id, action, alarm_id, user, comment FROM operator_requests WHERE result IS NULL ORDER BY id")
        return [Request(*row) for row in rows]

    def finish(self, request_id: int, result: str) -> None:
        with self._db:
            self._db.execute("UPDATE operator_requests SET result = ? WHERE id = ?", (result, request_id))

    async def wait(self, request_id: int, timeout: float) -> str | None:
        """The agent's answer, or None (and the request withdrawn) if no agent took it in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (result,) = self._db.execute("SELECT result FROM operator_requests WHERE id = ?", (request_id,)).fetchone()
            if result is not None:
                return result
            await asyncio.sleep(0.1)
        with self._db:
            self._db.execute("DELETE FROM operator_requests WHERE id = ? AND result IS NULL", (request_id,))
        return None

    def close(self) -> None:
        self._db.close()
