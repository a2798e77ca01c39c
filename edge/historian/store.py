"""The Historian: tag changes and alarm events in one SQLite file.

Threading: one Historian belongs to one thread (the agent's asyncio thread), plus its own writer
thread for `flush(wait=False)`: the agent hands each period's batch to it and scans on while
SQLite writes (sqlite3 releases the GIL inside SQLite), so a big transaction never stalls the
event loop. One lock serialises the connection between the two.

Layout (schema.py, chunks.py, blocks.py, batches.py): a flush writes each changed tag's values as a
chunk (a run of a tag's values, packed), all of them in one row of `recent` (no index), and each
block's scans taken whole (record_block's, every value changed) as one row more, in one
transaction; once `recent` holds `RECENT_CHUNKS` (and before a CSV export or a purge), a
transaction moves them into `chunks`, indexed by tag and time, sorted by tag and merged per tag
into chunks of up to chunks.MAX_SPAN_S. Why: SQLite's cost is per row and per index entry, and
Python's per chunk; at 1,000 tags every 100 ms with flush_s = 1 a flush held 1,000 chunks of 10
values. With a row per chunk in a time-indexed `recent` (schema 2) writing cost 2.1 ms CPU per
1,000 values (pack 0.8, insert 0.7, commit 0.3, compaction 0.4); with whole blocks it costs 0.5,
compactions included (benchmarks/historian_block.py). Schema 1's row per value into a tag index
grew +22% CPU per flush over 5 minutes, as a commit writes every index page it touched; `chunks`
takes each tag's rows of a compaction side by side: a leaf page per tag per compaction. History
and buckets read a tag's chunks overlapping their window in `chunks`, then its values in `recent`
(not compacting it: a query each second would have put a row per tag and second into the tag index
again, 2 -> 5 ms CPU per 1,000 values over 5 minutes); CSV export and purge compact first.

Crash safety: WAL with synchronous=NORMAL keeps every committed flush through a kill -9 of the
agent (only an OS crash or power cut may lose the last commits, never the file), so a killed
agent loses at most the rows recorded since its last completed flush (the batch being written
and the one being gathered). `purge` deletes in one transaction too: run it often (the agent
does, each period) so that each call stays small.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import math
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import TextIO

from ..alarms import AlarmEvent, AlarmKind, Event, Priority, State
from ..tags import TagValue
from .batches import RECENT, compacted, segment_to_recent, tag_chunks, to_recent
from .blocks import Block, Segment, segment_runs
from .chunks import MAX_SPAN_S, QUALITY_TEXT, Run, new_run, pack, runs_of, type_name, unpack
from .errors import HistorianError
from .schema import CHUNK, INSERT, open_database
from .values import STORABLE, decode, encode, moved, to_text

SECONDS_PER_DAY = 86400.0
RECENT_CHUNKS = 60_000  # chunks in `recent` (a block's segment counting a chunk per tag) that start a compaction
CSV_HEADER = ("timestamp", "tag", "value", "quality", "reason")
NUMBERS = frozenset({"int", "float"})
TAG = attrgetter("tag")
Batch = tuple[dict[str, list[Run]], list[Segment]]  # what a flush writes: each tag's runs, then blocks' segments
QUALITY_OF = {text: quality for quality, text in QUALITY_TEXT.items()}


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

    def __init__(self, path: str | Path, *, batch_size: int = 500, retention_days: float = 30,
                 write_behind: bool = False) -> None:
        if batch_size < 1 or not retention_days > 0:
            raise HistorianError(f"historian {path}: batch_size must be >= 1 and retention_days > 0, "
                                 f"got {batch_size} and {retention_days}")
        self.path = Path(path)
        self.batch_size = batch_size
        self.retention_days = retention_days
        self.write_behind = write_behind  # a full buffer goes to the writer thread, as flush(wait=False)
        self._db = open_database(self.path, check_same_thread=False)
        self._lock = threading.Lock()  # the connection: the writer thread's transaction or a caller's statement
        self._writer: ThreadPoolExecutor | None = None  # started by the first flush(wait=False)
        self._writing: tuple[Future, Batch] | None = None  # the batch in the writer's hands
        self._pending: dict[str, list[Run]] = {}  # per tag, its values in runs (chunks.add), in recording order
        self._buffered = 0  # values in _pending
        self._last: dict[str, Run] = {}  # per tag, the run ending with its last value stored (or buffered)
        self._open: dict[str, Run] = {}  # per tag in _pending, its last run (which ends with its last value)
        self._blocks: dict[tuple[str, ...], Block] = {}  # record_block's devices, by their tags
        self._owner: dict[str, Block] = {}  # each tag of a block: its block (its values since a flush are there)
        with self._sql("read tags"):
            rows = self._db.execute("SELECT id, name, unit FROM tags").fetchall()
            self._recent = self._db.execute("SELECT coalesce(sum(length(tags)), 0) / 8 FROM recent").fetchone()[0]
        self._tags = {name: (tag_id, unit) for tag_id, name, unit in rows}

    def __enter__(self) -> Historian:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def record(self, value: TagValue, deadband: float = 0.0) -> bool:
        """Buffer `value` if it is the tag's first, moved more than `deadband` from the last stored
        value, or changed type, quality or reason; returns whether it will be stored. A full buffer
        is flushed at once (with write_behind, handed to the writer thread: the caller waits at most for
        the batch before it)."""
        return self.record_all((value,), {value.tag: deadband}) == 1

    def record_all(self, values: Iterable[TagValue], deadbands: Mapping[str, float]) -> int:
        """`record` for many values (a device's scan), each tag's deadband from `deadbands`; returns how many
        will be stored. Each tag's last stored value is read from the run that ends with it; the change test
        of a float or int with that run's type, quality and reason is written out here, and a stored value like
        the last joins the run while it is open: this runs for every value scanned."""
        if self._owner:  # a tag of a block: its block's values first, then the block is forgotten
            values = list(values)
            if not self._owner.keys().isdisjoint(map(TAG, values)):
                for block in {self._owner[tag] for tag in map(TAG, values) if tag in self._owner}:
                    self._release(block)
        last_runs, open_runs, pending = self._last, self._open, self._pending
        stored = 0
        for value in values:
            new = value.value
            kind = new.__class__
            tag = value.tag
            run = last_runs.get(tag)  # the last stored value is run[5][-1], of the run's class, quality and reason
            if run is not None and run[0] is kind and run[1] is value.quality and run[2] == value.reason:
                old = run[5][-1]
                if kind is int or kind is float and new == new and old == old:  # noqa: PLR0124 (neither is NaN)
                    deadband = deadbands[tag]
                    if abs(new - old) <= deadband if deadband else new == old:
                        continue
                elif not moved(old, new, deadbands[tag]):
                    continue
                if run[3] == value.unit and open_runs.get(tag) is run:  # not handed to the writer yet: join it
                    run[4].append(value.timestamp)
                    run[5].append(new)
                    stored += 1
                    continue
            if kind not in STORABLE:  # (a value of its last stored value's class passed this then)
                type_name(new)  # a TypeError now, not a poisoned batch at flush
            stored += 1
            run = open_runs[tag] = last_runs[tag] = new_run(value)
            runs = pending.get(tag)
            if runs is None:
                pending[tag] = [run]
            else:
                runs.append(run)
        self._buffered += stored
        if self._buffered >= self.batch_size:
            self.flush(wait=not self.write_behind)
        return stored

    def record_block(self, tags: tuple[str, ...], units: tuple[str, ...], values: list, timestamp: float,
                     deadbands: tuple[float, ...]) -> int:
        """`record_all` for one device's scan read whole and GOOD (the scan's AllGood path): `values[i]` of
        `tags[i]` (distinct) with `units[i]` and `deadbands[i]`, all GOOD with reason "" at `timestamp`; returns
        how many will be stored, as record_all would for the same TagValues. No TagValue is made, and in the
        common case no Python loop runs per value (blocks.py). `values` is kept as it is: do not change it after."""
        if len(values) != len(tags):
            raise HistorianError(f"historian {self.path}: a block of {len(tags)} tags got {len(values)} values")
        block = self._blocks.get(tags)
        if block is None or (block.units is not units and block.units != units) or (
                block.deadbands is not deadbands and block.deadbands != deadbands):
            block = self._new_block(tags, units, deadbands)
        stored = block.record(values, timestamp)
        self._buffered += stored
        if self._buffered >= self.batch_size:
            self.flush(wait=not self.write_behind)
        return stored

    def _new_block(self, tags: tuple[str, ...], units: tuple[str, ...], deadbands: tuple[float, ...]) -> Block:
        """A block for `tags`, after the blocks holding any of them are released (their values first)."""
        if len(set(tags)) != len(tags) or len(units) != len(tags) or len(deadbands) != len(tags):
            raise HistorianError(f"historian {self.path}: a block needs distinct tags, a unit and a deadband each")
        for block in {self._owner[tag] for tag in tags if tag in self._owner}:
            self._release(block)
        block = self._blocks[tags] = Block(tags, units, deadbands, self._last)
        self._owner.update(dict.fromkeys(tags, block))
        return block

    def _release(self, block: Block) -> None:
        """The block's values into the buffer, and the block forgotten (its tags are recorded otherwise now)."""
        block.release(self._last)
        block.drain(self._pending, self._open, self._last)
        del self._blocks[block.tags]
        for tag in block.tags:
            del self._owner[tag]

    def flush(self, wait: bool = True) -> None:
        """Write the buffer in one transaction; if that fails, the buffer is kept for the next flush.

        With wait=False the writer thread writes it and this returns at once (after the previous
        such batch is written); its failure is raised by the next flush.
        """
        self._settle()
        segments = []
        for block in self._blocks.values():
            if (segment := block.take()) is not None:
                segments.append(segment)
            else:
                block.drain(self._pending, self._open, self._last)
        if not self._pending and not segments:
            return
        batch, self._pending, self._buffered, self._open = (self._pending, segments), {}, 0, {}
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
            self._keep(batch)
            raise

    def _write_or_keep(self, batch: Batch) -> None:
        try:
            self._write(batch)
        except HistorianError:
            self._keep(batch)
            raise

    def _keep(self, batch: Batch) -> None:
        """A batch that was not written goes back in front of the buffer (its segments as runs)."""
        kept, segments = batch
        for segment in segments:
            segment_runs(segment, kept, {tag: runs[-1] for tag, runs in kept.items()})
        self._buffered += sum(len(run[4]) for runs in kept.values() for run in runs)
        for tag, values in self._pending.items():
            kept[tag] = kept[tag] + values if tag in kept else values
        self._pending = kept
        self._open = {tag: runs[-1] for tag, runs in kept.items()}

    def _write(self, batch: Batch) -> None:
        """One transaction: the batch's chunks and segments into `recent` (the tags table's unit is the last
        value's), and the compaction when `recent` is full."""
        with self._lock:
            known_tags = dict(self._tags)
            try:
                with self._sql("flush"), self._db:
                    self._db.execute("BEGIN")
                    chunks = []
                    runs_of_tags, segments = batch
                    for tag, runs in runs_of_tags.items():
                        tag_id = self._tag_id(tag, runs[-1][3])
                        chunks += [(tag_id, row) for row in pack(runs)]
                    rows = [to_recent(chunks)] if chunks else []
                    rows += [segment_to_recent(list(map(self._tag_id, segment.tags, segment.units)), segment)
                             for segment in segments]
                    self._db.executemany(f"INSERT INTO recent ({RECENT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                    recent = self._recent + len(chunks) + sum(len(segment.tags) for segment in segments)
                    if recent >= RECENT_CHUNKS:
                        self._compact()
                        recent = 0
            except HistorianError:
                self._tags = known_tags  # tag rows created in the rolled-back transaction are gone
                raise
            self._recent = recent

    def _compact(self) -> None:
        """Inside the running transaction: `recent`'s chunks moved to `chunks`, merged and sorted by tag (each
        tag's in recording order), `recent` emptied."""
        chunks = compacted(self._db.execute("SELECT block, tags, meta, ts, vals FROM recent ORDER BY id"))
        self._db.executemany(INSERT.format("chunks"), [(tag_id, *row) for tag_id, row in chunks])
        self._db.execute("DELETE FROM recent")

    def _readable(self, doing: str) -> None:
        """Flushed, and `recent` compacted: `chunks` holds every value recorded (what CSV export and purge read)."""
        self.flush()
        with self._lock, self._sql(doing), self._db:
            if self._db.execute("SELECT EXISTS (SELECT 1 FROM recent)").fetchone()[0]:
                self._db.execute("BEGIN")
                self._compact()
            self._recent = 0

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
        values = [TagValue(tag, value, QUALITY_OF[quality], ts, reason, unit)
                  for ts, value, _kind, quality, reason in self._samples(tag_id, since, _end(until), "read history")]
        values.sort(key=attrgetter("timestamp"))  # stable: equal timestamps stay in recording order
        return values

    def buckets(self, tag: str, since: float, until: float, bucket_s: float) -> list[Bucket]:
        """Count, min, max and avg of GOOD numeric values per `bucket_s` from `since`, computed in SQL;
        buckets without such values are left out. avg is clamped into [min, max] against rounding."""
        if not (math.isfinite(bucket_s) and bucket_s > 0):
            raise HistorianError(f"historian {self.path}: bucket size must be a positive number of seconds, "
                                 f"got {bucket_s!r}")
        self.flush()
        if tag not in self._tags:
            return []
        grouped: dict[int, list[int | float]] = {}
        for ts, value, kind, quality, _reason in self._samples(self._tags[tag][0], since, until, "compute buckets"):
            if quality == "good" and kind in NUMBERS and not (kind == "float" and math.isnan(value)):
                grouped.setdefault(int((ts - since) / bucket_s), []).append(value)
        return [Bucket(since + k * bucket_s, len(vs), float(min(vs)), float(max(vs)),
                       max(min(math.fsum(vs) / len(vs), max(vs)), min(vs)))
                for k, vs in sorted(grouped.items())]

    def export_csv(self, tags: Sequence[str], since: float, until: float | None, out: TextIO) -> int:
        """Write the stored values of `tags` (empty: every tag) in [since, until) as CSV, by time;
        the timestamp column is ISO-8601 UTC. Returns the number of data rows."""
        self._readable("export CSV")
        end = _end(until)
        wanted = f" AND t.name IN ({', '.join('?' * len(tags))})" if tags else ""
        query = (f"SELECT t.name, {CHUNK} FROM chunks c JOIN tags t ON t.id = c.tag_id"
                 f" WHERE c.t0 >= ? AND c.t0 < ? AND c.t1 >= ?{wanted}")
        params = [since - MAX_SPAN_S, end, since, *tags]
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        count = 0
        waiting: list[tuple] = []  # (ts, tag, order, value, quality, reason): a heap of values not yet written
        order = itertools.count()

        def write_before(ts: float) -> None:
            nonlocal count
            while waiting and waiting[0][0] < ts:
                stamp, name, _, value, quality, reason = heapq.heappop(waiting)
                writer.writerow((_iso_utc(stamp), name, to_text(value), quality, reason))
                count += 1

        with self._lock, self._sql("export CSV"):
            for name, *row in self._db.execute(query + " ORDER BY t0", params):
                write_before(row[0])  # a later chunk starts at or after this one's t0: what is before it is final
                stamps, values = unpack(row)
                for ts, value in zip(stamps, values, strict=True):
                    if since <= ts < end:
                        heapq.heappush(waiting, (ts, name, next(order), value, row[4], row[5]))
            write_before(math.inf)
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
        self._readable("purge")
        cutoff = now - self.retention_days * SECONDS_PER_DAY
        with self._lock, self._sql("purge"), self._db:
            self._db.execute("BEGIN")
            samples = self._purge(cutoff)
            events = self._db.execute("DELETE FROM alarm_events WHERE ts < ?", (cutoff,)).rowcount
        return samples + events

    def _purge(self, cutoff: float) -> int:
        """Inside the running transaction: the stored values older than cutoff deleted; returns how many."""
        old = "FROM chunks WHERE t0 < ? AND t1 < ?"
        samples = self._db.execute(f"SELECT coalesce(sum(n), 0) {old}", (cutoff, cutoff)).fetchone()[0]
        self._db.execute(f"DELETE {old}", (cutoff, cutoff))
        straddling = self._db.execute(f"SELECT rowid, {CHUNK} FROM chunks WHERE t0 < ? AND t1 >= ?",
                                      (cutoff, cutoff)).fetchall()
        for rowid, *row in straddling:  # a chunk across the cutoff keeps its newer values, in its place
            stamps, values = unpack(row)
            kept = [TagValue("", value, QUALITY_OF[row[4]], ts, row[5])
                    for ts, value in zip(stamps, values, strict=True) if ts >= cutoff]
            [chunk] = pack(runs_of(kept))  # part of one chunk is one chunk
            self._db.execute(f"UPDATE chunks SET ({CHUNK}) = (?, ?, ?, ?, ?, ?, ?, ?) WHERE rowid = ?",
                             (*chunk, rowid))
            samples += len(values) - len(kept)
        return samples

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

    def _samples(self, tag_id: int, since: float, until: float, doing: str) -> list[tuple]:
        """(ts, value, type, quality, reason) of a tag's stored values in [since, until), in recording order: its
        chunks in `chunks`, then in `recent` (read there, not compacted: a query each second would put a row per
        tag and second into the tag index, whose cost grows with the table)."""
        with self._lock, self._sql(doing):
            rows = self._db.execute(
                f"SELECT {CHUNK} FROM chunks WHERE t0 >= ? AND t0 < ? AND tag_id = ? AND t1 >= ? ORDER BY rowid",
                (since - MAX_SPAN_S, until, tag_id, since)).fetchall()
            recent = self._db.execute("SELECT block, tags, meta, ts, vals FROM recent WHERE t0 < ? AND t1 >= ?"
                                      " ORDER BY id", (until, since)).fetchall()
        rows += [row for columns in recent for row in tag_chunks(tag_id, *columns)]
        samples = []
        for row in rows:
            stamps, values = unpack(row)
            kind, quality, reason = row[3:6]
            samples += [(ts, value, kind, quality, reason) for ts, value in zip(stamps, values, strict=True)
                        if since <= ts < until]
        return samples

    @contextmanager
    def _sql(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise HistorianError(f"historian {self.path}: {doing} failed: {exc}") from None


def _end(until: float | None) -> float:
    return math.inf if until is None else until


def _iso_utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
