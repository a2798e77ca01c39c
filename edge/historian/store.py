"""The Historian: tag changes and alarm events in one SQLite file.

Threading: one Historian belongs to one thread (the agent's asyncio thread), plus its own writer
thread for `flush(wait=False)`: the agent hands each period's batch to it and scans on while
SQLite writes (sqlite3 releases the GIL inside SQLite), so a big transaction never stalls the
event loop. One lock serialises the connection between the two. Big transactions are the cheap
ones: the (tag, ts) index takes a row per tag at as many places as there are tags, and a commit
writes every index page it touched, so a period's rows in one transaction, sorted by tag, cost
about half of 500-row ones, and the page cache (`schema.CACHE_KIB`) keeps those pages in memory as the
file grows (with SQLite's default 2 MiB, CPU per row doubled within minutes at 1,000 tags).

Crash safety: WAL with synchronous=NORMAL keeps every committed flush through a kill -9 of the
agent (only an OS crash or power cut may lose the last commits, never the file), so a killed
agent loses at most the rows recorded since its last completed flush (the batch being written
and the one being gathered). `purge` deletes in one transaction too: run it often (the agent
does, each period) so that each call stays small.
"""

from __future__ import annotations

import csv
import math
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import TextIO

from smarthall.devices.quality import Quality

from ..alarms import AlarmEvent, AlarmKind, Event, Priority, State
from ..tags import TagValue
from .errors import HistorianError
from .schema import open_database
from .values import STORABLE, decode, encode, to_text

SECONDS_PER_DAY = 86400.0
CSV_HEADER = ("timestamp", "tag", "value", "quality", "reason")
QUALITY = {quality: quality.value for quality in Quality}  # an enum's .value is a slow property


@dataclass(frozen=True)
class Bucket:
    """Aggregate of a tag's GOOD numeric samples in [start, start + bucket_s)."""

    start: float
    count: int
    min: float
    max: float
    avg: float


class Historian:
    """Stores tag values that changed (beyond a deadband, or in quality or reason) and alarm events.

    Time ranges are half-open, [since, until), with until=None meaning "no end". Queries see
    recorded values at once: they flush the buffer first.
    """

    def __init__(self, path: str | Path, *, batch_size: int = 500, retention_days: float = 30) -> None:
        if batch_size < 1 or not retention_days > 0:
            raise HistorianError(f"historian {path}: batch_size must be >= 1 and retention_days > 0, "
                                 f"got {batch_size} and {retention_days}")
        self.path = Path(path)
        self.batch_size = batch_size
        self.retention_days = retention_days
        self._db = open_database(self.path, check_same_thread=False)
        self._lock = threading.Lock()  # the connection: the writer thread's transaction or a caller's statement
        self._writer: ThreadPoolExecutor | None = None  # started by the first flush(wait=False)
        self._writing: tuple[Future, list[TagValue]] | None = None  # the batch in the writer's hands
        self._pending: list[TagValue] = []
        self._last: dict[str, TagValue] = {}  # last value stored (or buffered) per tag
        with self._sql("read tags"):
            rows = self._db.execute("SELECT id, name, unit FROM tags").fetchall()
        self._tags = {name: (tag_id, unit) for tag_id, name, unit in rows}

    def __enter__(self) -> Historian:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def record(self, value: TagValue, deadband: float = 0.0) -> bool:
        """Buffer `value` if it is the tag's first, moved more than `deadband` from the last stored
        value, or changed type, quality or reason; returns whether it will be stored. A full buffer
        is flushed at once."""
        if type(value.value) not in STORABLE:
            encode(value.value)  # a TypeError now, not a poisoned batch at flush
        last = self._last.get(value.tag)
        if last is not None and not _changed(last, value, deadband):
            return False
        self._last[value.tag] = value
        self._pending.append(value)
        if len(self._pending) >= self.batch_size:
            self.flush()
        return True

    def flush(self, wait: bool = True) -> None:
        """Write the buffer in one transaction; if that fails, the buffer is kept for the next flush.

        With wait=False the writer thread writes it and this returns at once (after the previous
        such batch is written); its failure is raised by the next flush.
        """
        self._settle()
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        if wait:
            self._write_or_keep(batch)
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix=f"historian {self.path.name}")
        self._writing = self._writer.submit(self._write, batch), batch

    def _settle(self) -> None:
        """Wait for the writer thread's batch; a failed one goes back in front of the buffer and its error is raised."""
        if self._writing is None:
            return
        future, batch = self._writing
        self._writing = None
        try:
            future.result()
        except HistorianError:
            self._pending[:0] = batch
            raise

    def _write_or_keep(self, batch: list[TagValue]) -> None:
        try:
            self._write(batch)
        except HistorianError:
            self._pending[:0] = batch
            raise

    def _write(self, batch: list[TagValue]) -> None:
        """One transaction of the batch's rows, sorted by tag (each tag's rows stay in order)."""
        with self._lock:
            known_tags = dict(self._tags)
            try:
                with self._sql("flush"), self._db:
                    self._db.execute("BEGIN")
                    ids: dict[str, tuple[str, int]] = {}  # tag -> (unit, row id) as of the row at hand
                    rows = []
                    for v in batch:
                        known = ids.get(v.tag)
                        if known is None or known[0] != v.unit:
                            known = ids[v.tag] = v.unit, self._tag_id(v.tag, v.unit)
                        rows.append((known[1], v.timestamp, *encode(v.value), QUALITY[v.quality], v.reason))
                    rows.sort(key=itemgetter(0))
                    self._db.executemany("INSERT INTO samples (tag_id, ts, value, type, quality, reason) "
                                         "VALUES (?, ?, ?, ?, ?, ?)", rows)
            except HistorianError:
                self._tags = known_tags  # tag rows created in the rolled-back transaction are gone
                raise

    def record_alarm(self, event: AlarmEvent) -> None:
        """Store one alarm event at once (its own short transaction: operator actions are not buffered)."""
        with self._lock, self._sql("record an alarm event"):
            self._db.execute(
                "INSERT INTO alarm_events (ts, alarm_id, tag, kind, event, state, value, type, priority, user, comment)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (event.timestamp, event.alarm_id, event.tag, event.kind.value, event.event.value, event.state.value,
                 *encode(event.value), event.priority.value, event.user, event.comment))

    def history(self, tag: str, since: float, until: float | None = None) -> list[TagValue]:
        """The stored values of `tag` in [since, until), oldest first."""
        self.flush()
        if tag not in self._tags:
            return []
        tag_id, unit = self._tags[tag]
        with self._lock, self._sql("read history"):
            rows = self._db.execute("SELECT ts, value, type, quality, reason FROM samples "
                                    "WHERE tag_id = ? AND ts >= ? AND ts < ? ORDER BY ts, rowid",
                                    (tag_id, since, _end(until))).fetchall()
        return [TagValue(tag, decode(value, kind), Quality(quality), ts, reason, unit)
                for ts, value, kind, quality, reason in rows]

    def buckets(self, tag: str, since: float, until: float, bucket_s: float) -> list[Bucket]:
        """Count, min, max and avg of GOOD numeric values per `bucket_s` from `since`, computed in SQL;
        buckets without such values are left out. avg is clamped into [min, max] against rounding."""
        if not (math.isfinite(bucket_s) and bucket_s > 0):
            raise HistorianError(f"historian {self.path}: bucket size must be a positive number of seconds, "
                                 f"got {bucket_s!r}")
        self.flush()
        if tag not in self._tags:
            return []
        with self._lock, self._sql("compute buckets"):
            rows = self._db.execute(
                "SELECT CAST((ts - :since) / :size AS INTEGER) AS k, count(*), min(value), max(value),"
                " max(min(avg(value), max(value)), min(value)) FROM samples"
                " WHERE tag_id = :tag AND ts >= :since AND ts < :until AND quality = 'good'"
                " AND type IN ('int', 'float') AND value IS NOT NULL GROUP BY k ORDER BY k",
                {"tag": self._tags[tag][0], "since": since, "until": until, "size": bucket_s}).fetchall()
        return [Bucket(since + k * bucket_s, count, float(lo), float(hi), float(avg)) for k, count, lo, hi, avg in rows]

    def export_csv(self, tags: Sequence[str], since: float, until: float | None, out: TextIO) -> int:
        """Write the stored values of `tags` (empty: every tag) in [since, until) as CSV, by time;
        the timestamp column is ISO-8601 UTC. Returns the number of data rows."""
        self.flush()
        query = ("SELECT s.ts, t.name, s.value, s.type, s.quality, s.reason"
                 " FROM samples s JOIN tags t ON t.id = s.tag_id WHERE s.ts >= ? AND s.ts < ?")
        params: list[object] = [since, _end(until)]
        if tags:
            query += f" AND t.name IN ({', '.join('?' * len(tags))})"
            params += tags
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        count = 0
        with self._lock, self._sql("export CSV"):
            for ts, name, value, kind, quality, reason in self._db.execute(query + " ORDER BY s.ts, t.name", params):
                writer.writerow((_iso_utc(ts), name, to_text(decode(value, kind)), quality, reason))
                count += 1
        return count

    def alarm_events(self, since: float = 0) -> list[AlarmEvent]:
        """Stored alarm events from `since` on, oldest first."""
        with self._lock, self._sql("read alarm events"):
            rows = self._db.execute("SELECT alarm_id, tag, kind, event, state, value, type, priority, user, comment, ts"
                                    " FROM alarm_events WHERE ts >= ? ORDER BY ts, id", (since,)).fetchall()
        return [AlarmEvent(alarm_id, tag, AlarmKind(kind), Event(event), State(state), decode(value, kind_of_value),
                           Priority(priority), user, comment, ts)
                for alarm_id, tag, kind, event, state, value, kind_of_value, priority, user, comment, ts in rows]

    def purge(self, now: float) -> int:
        """Delete samples and alarm events older than retention_days before `now`; returns how many."""
        self.flush()
        cutoff = now - self.retention_days * SECONDS_PER_DAY
        with self._lock, self._sql("purge"), self._db:
            self._db.execute("BEGIN")
            samples = self._db.execute("DELETE FROM samples WHERE tag_id IN (SELECT id FROM tags) AND ts < ?",
                                       (cutoff,)).rowcount
            events = self._db.execute("DELETE FROM alarm_events WHERE ts < ?", (cutoff,)).rowcount
        return samples + events

    def close(self) -> None:
        """Flush and close; closing twice is harmless."""
        try:
            self.flush()
        finally:
            if self._writer is not None:
                self._writer.shutdown()
                self._writer = None
            self._db.close()

    def _tag_id(self, tag: str, unit: str) -> int:
        """The tag's row id, creating the row (or updating its unit) inside the running transaction."""
        known = self._tags.get(tag)
        if known is None:  # another process writing this file may have made the row since we read the tags
            self._db.execute("INSERT OR IGNORE INTO tags (name, unit) VALUES (?, ?)", (tag, unit))
            known = self._db.execute("SELECT id, unit FROM tags WHERE name = ?", (tag,)).fetchone()
        tag_id, stored_unit = known
        if stored_unit != unit:
            self._db.execute("UPDATE tags SET unit = ? WHERE id = ?", (unit, tag_id))
        self._tags[tag] = (tag_id, unit)
        return tag_id

    @contextmanager
    def _sql(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise HistorianError(f"historian {self.path}: {doing} failed: {exc}") from None


def _changed(last: TagValue, new: TagValue, deadband: float) -> bool:
    old, value = last.value, new.value
    kind = value.__class__
    if last.quality is not new.quality or last.reason != new.reason or old.__class__ is not kind:
        return True
    if kind is float:  # the scanned types first, by exact type: this runs for every value scanned
        if math.isnan(value) or math.isnan(old):  # a change only to or from NaN
            return math.isnan(value) != math.isnan(old)
        return abs(value - old) > deadband if deadband else value != old
    if kind is int:
        return abs(value - old) > deadband if deadband else value != old
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value != old
    if isinstance(value, float) and (math.isnan(value) or math.isnan(old)):
        return math.isnan(value) != math.isnan(old)
    return abs(value - old) > deadband if deadband else value != old


def _end(until: float | None) -> float:
    return math.inf if until is None else until


def _iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
