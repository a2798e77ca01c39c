"""The write log: who wrote what to which tag, when, the old value and the result.

Rows live in the historian's SQLite file, in their own table, so one file
holds a line's whole record. Errors: `sqlite3.Error` subclasses pass through
(the agent opens the file through the historian first, which reports a bad
path clearly).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS write_log (
    ts REAL NOT NULL, user TEXT NOT NULL, tag TEXT NOT NULL,
    old TEXT, new TEXT NOT NULL, result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS write_log_ts ON write_log (ts);
"""


@dataclass(frozen=True)
class WriteRecord:
    timestamp: float
    user: str
    tag: str
    old: object
    new: object
    result: str  # "ok" or the reason it failed


class WriteLog:
    """Append-only record of writes, one committed row per write."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(path, timeout=5)
        self._db.executescript(_SCHEMA)

    def record(self, entry: WriteRecord) -> None:
        with self._db:
            self._db.execute("INSERT INTO write_log VALUES (?, ?, ?, ?, ?, ?)",
                             (entry.timestamp, entry.user, entry.tag, json.dumps(entry.old),
                              json.dumps(entry.new), entry.result))

    def entries(self, since: float = 0.0) -> list[WriteRecord]:
        rows = self._db.execute("SELECT ts, user, tag, old, new, result FROM write_log WHERE ts >= ? ORDER BY ts",
                                (since,))
        return [WriteRecord(ts, user, tag, json.loads(old), json.loads(new), result)
                for ts, user, tag, old, new, result in rows]

    def close(self) -> None:
        self._db.close()
