"""Store-and-forward: tag changes kept on disk while the broker or the primary host is away.

One SQLite file in the line's data folder (WAL, one transaction per batch): a
kill -9 loses at most the batch being added. Bounded by size (the stored rows'
bytes) and age: the oldest changes go first and are counted in ``dropped``,
which the edge node publishes (``Store/Dropped``) and logs, never silently. The
file also keeps the edge node's bdSeq across restarts, as Sparkplug asks.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from smarthall.devices.quality import Quality

from ..tags import TagValue

_SCHEMA = """
CREATE TABLE IF NOT EXISTS changes (id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, tag TEXT NOT NULL,
                                    value TEXT NOT NULL, quality TEXT NOT NULL, size INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


class Store:
    """The changes waiting to be sent, oldest first, bounded by bytes and age."""

    def __init__(self, path: Path, max_bytes: int, max_age_s: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self.max_bytes = max_bytes
        self.max_age_s = max_age_s
        self.bytes, self.pending = self._db.execute("SELECT COALESCE(SUM(size), 0), COUNT(*) FROM changes").fetchone()
        self.dropped = self._meta("dropped")

    def close(self) -> None:
        self._db.close()

    def add(self, values: Iterable[TagValue], now: float | None = None) -> int:
        """Keep these changes (one transaction); returns how many older ones the bounds dropped."""
        rows = []
        for v in values:
            encoded = json.dumps([v.value, v.reason, v.unit])
            rows.append((v.timestamp, v.tag, encoded, v.quality.value, len(encoded) + len(v.tag) + 24))
        if not rows:
            return 0
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT INTO changes (ts, tag, value, quality, size) VALUES (?, ?, ?, ?, ?)", rows)
            self.bytes += sum(r[4] for r in rows)
            self.pending += len(rows)
            dropped = self._enforce_bounds(time.time() if now is None else now)
        return dropped

    def oldest(self, limit: int) -> list[tuple[int, TagValue]]:
        """Up to limit stored changes, oldest first, with their row ids."""
        rows = self._db.execute("SELECT id, ts, tag, value, quality FROM changes ORDER BY id LIMIT ?", (limit,))
        result = []
        for row_id, ts, tag, encoded, quality in rows:
            value, reason, unit = json.loads(encoded)
            result.append((row_id, TagValue(tag, value, Quality(quality), ts, reason, unit)))
        return result

    def remove_through(self, row_id: int) -> None:
        """Forget the changes up to and including row_id (they were sent)."""
        with self._db:
            self._db.execute("BEGIN")
            count, size = self._db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM changes WHERE id <= ?",
                                           (row_id,)).fetchone()
            self._db.execute("DELETE FROM changes WHERE id <= ?", (row_id,))
        self.pending -= count
        self.bytes -= size

    def next_bd_seq(self) -> int:
        """The bdSeq for the next MQTT CONNECT: one more than the last one, 255 wraps to 0; kept on disk."""
        value = (self._meta("bd_seq", -1) + 1) % 256
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('bd_seq', ?)", (value,))
        return value

    def _enforce_bounds(self, now: float) -> int:
        """Drop changes older than max_age_s, then the oldest until the bytes fit (inside the caller's transaction)."""
        cutoff = now - self.max_age_s
        count, size = self._db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM changes WHERE ts < ?",
                                       (cutoff,)).fetchone()
        if count:
            self._db.execute("DELETE FROM changes WHERE ts < ?", (cutoff,))
        excess = self.bytes - size - self.max_bytes
        if excess > 0:
            last, extra_count, extra_size = self._first_rows_covering(excess)
            self._db.execute("DELETE FROM changes WHERE id <= ?", (last,))
            count, size = count + extra_count, size + extra_size
        if count:
            self.pending -= count
            self.bytes -= size
            self.dropped += count
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('dropped', ?)", (self.dropped,))
        return count

    def _first_rows_covering(self, excess: int) -> tuple[int, int, int]:
        """(last id, count, bytes) of the oldest rows whose sizes add up to at least excess."""
        total = count = last = 0
        for row_id, size in self._db.execute("SELECT id, size FROM changes ORDER BY id"):
            total += size
            count += 1
            last = row_id
            if total >= excess:
                break
        return last, count, total

    def _meta(self, key: str, default: int = 0) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]
