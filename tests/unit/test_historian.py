"""Historian on a real SQLite file: what is stored, queries, buckets, CSV, alarm events, retention, errors."""

from __future__ import annotations

import csv
import io
import itertools
import math
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.quality import Quality
from smarthall.edge.alarms import AlarmEvent, AlarmKind, Event, Priority, State
from smarthall.edge.historian import Bucket, Historian, HistorianError, NewerSchema, chunks, schema
from smarthall.edge.tags import TagValue

DAY = 86400.0
G, B = Quality.GOOD, Quality.BAD


@pytest.fixture
def historian(tmp_path):
    with Historian(tmp_path / "h.db") as h:
        yield h


def tv(v, t: float, quality: Quality = G, tag: str = "process.temperature", reason: str = "",
       unit: str = "") -> TagValue:
    return TagValue(tag, v, quality, t, reason, unit)


def values(h: Historian, tag: str = "process.temperature") -> list:
    return [x.value for x in h.history(tag, 0)]


def rows_on_disk(path: Path) -> int:
    """Values stored in the file (each chunk row counts its values)."""
    with sqlite3.connect(path) as db:
        count = db.execute("SELECT (SELECT coalesce(sum(n), 0) FROM chunks) + (SELECT coalesce(sum(n), 0) FROM recent)"
                           ).fetchone()[0]
    db.close()
    return count


def test_first_value_is_stored_then_only_changes_beyond_the_deadband(historian):
    stored = [historian.record(tv(v, t), deadband=0.5) for t, v in enumerate([10.0, 10.4, 10.3, 10.6, 10.2, 10.0])]
    assert stored == [True, False, False, True, False, True]
    assert values(historian) == [10.0, 10.6, 10.0]


def test_drift_is_measured_from_the_last_stored_value(historian):
    for t, v in enumerate([10.0, 10.3, 10.45, 10.55]):
        historian.record(tv(v, t), deadband=0.5)
    assert values(historian) == [10.0, 10.55]


def test_without_deadband_every_change_is_stored(historian):
    assert [historian.record(tv(v, t)) for t, v in enumerate([1, 1, 2, 2, 1])] == [True, False, True, False, True]


def test_quality_and_reason_changes_are_stored_even_with_the_same_value(historian):
    for t, (quality, reason) in enumerate([(G, ""), (B, "timeout"), (B, "timeout"), (B, "not connected"), (G, "")]):
        historian.record(tv(20.0, t, quality, reason=reason), deadband=100.0)
    assert [(x.quality, x.reason) for x in historian.history("process.temperature", 0)] == [
        (G, ""), (B, "timeout"), (B, "not connected"), (G, "")]


def test_type_changes_and_nan_are_changes(historian):
    for t, v in enumerate([1, True, 1.0, math.nan, math.nan, 1.0, None, None]):
        historian.record(tv(v, t))
    got = values(historian)
    assert got[:3] == [1, True, 1.0] and [type(x) for x in got[:3]] == [int, bool, float]
    assert math.isnan(got[3]) and got[4:] == [1.0, None]


faithful = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True), st.text())


@given(st.lists(faithful, min_size=1, max_size=20))
def test_values_round_trip_with_their_type(vs):
    with tempfile.TemporaryDirectory() as folder, Historian(Path(folder) / "h.db") as h:
        for i, v in enumerate(vs):
            h.record(tv(v, float(i), tag=f"t.v{i}", unit="kW"))
        for i, v in enumerate(vs):
            [back] = h.history(f"t.v{i}", 0)
            assert type(back.value) is type(v) and (back.value == v or (isinstance(v, float) and math.isnan(v) and math.isnan(back.value)))
            assert (back.quality, back.timestamp, back.unit) == (G, float(i), "kW")


@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=50), st.floats(0.0, 10.0))
def test_consecutive_stored_values_differ_by_more_than_the_deadband(vs, deadband):
    with tempfile.TemporaryDirectory() as folder, Historian(Path(folder) / "h.db") as h:
        for t, v in enumerate(vs):
            h.record(tv(v, float(t)), deadband)
        stored = values(h)
    assert stored[0] == vs[0]
    assert all(abs(b - a) > deadband for a, b in itertools.pairwise(stored))


def test_records_are_buffered_until_flush_or_a_full_batch(tmp_path):
    path = tmp_path / "h.db"
    with Historian(path, batch_size=3) as h:
        h.record(tv(1, 0.0))
        h.record(tv(2, 1.0))
        assert rows_on_disk(path) == 0
        h.flush()
        assert rows_on_disk(path) == 2
        for t in range(3, 6):
            h.record(tv(t, float(t)))
        assert rows_on_disk(path) == 5  # the third buffered value flushed the batch
        h.record(tv(9, 9.0))
    assert rows_on_disk(path) == 6  # close flushes


def test_a_full_buffer_is_written_behind_when_asked(tmp_path, monkeypatch):
    """write_behind (the agent's): the value that fills the buffer returns while the writer thread waits for the
    file (here locked by another connection), not after it; the batch is written once the file is free."""
    monkeypatch.setattr(schema, "BUSY_TIMEOUT_S", 60.0)
    path = tmp_path / "h.db"
    with Historian(path, batch_size=2, write_behind=True) as h:
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")  # holds the write lock: a write on the calling thread would wait 60 s
        try:
            assert h.record(tv(1, 0.0)) and h.record(tv(2, 1.0))  # the second fills the buffer
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert values(h) == [1, 2]
    assert rows_on_disk(path) == 2


def test_a_value_of_another_type_is_refused_without_poisoning_the_batch(historian):
    with pytest.raises(TypeError, match="must be bool, int, float, str or None, not bytes"):
        historian.record(tv(b"hot", 0.0))
    historian.record(tv(1.0, 1.0))
    assert values(historian) == [1.0]


def test_database_is_wal_with_an_index_on_tag_and_time(historian):
    historian.record(tv(1, 0.0))
    historian.flush()
    with sqlite3.connect(historian.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        plan = db.execute("EXPLAIN QUERY PLAN SELECT * FROM chunks WHERE tag_id = 1 AND t0 >= 0 AND t0 < 5").fetchall()
    db.close()
    assert "chunks_tag_t0" in str(plan)


def test_history_is_half_open_and_per_tag(historian):
    for t in range(10):
        historian.record(tv(t, float(t)))
        historian.record(tv(-t, float(t), tag="ambient.temperature"))
    assert [x.timestamp for x in historian.history("process.temperature", 3.0, 6.0)] == [3.0, 4.0, 5.0]
    assert values(historian, "ambient.temperature")[-1] == -9
    assert historian.history("no.such_tag", 0) == []


def test_units_and_history_survive_reopening(tmp_path):
    with Historian(tmp_path / "h.db") as h:
        h.record(tv(1.5, 0.0, unit="kW"))
    with Historian(tmp_path / "h.db") as h:
        h.record(tv(2.5, 1.0, unit="W"))
        assert [(x.value, x.unit) for x in h.history("process.temperature", 0)] == [(1.5, "W"), (2.5, "W")]


def test_buckets_are_computed_over_good_numeric_values(historian):
    samples = [(0.0, 1.0, G), (1.0, 3.0, G), (2.0, 100.0, B), (3.0, True, G), (10.0, 5, G), (12.0, 7, G),
               (25.0, 9.0, G)]
    for t, v, q in samples:
        historian.record(tv(v, t, q))
    assert historian.buckets("process.temperature", 0.0, 20.0, 10.0) == [
        Bucket(0.0, 2, 1.0, 3.0, 2.0), Bucket(10.0, 2, 5.0, 7.0, 6.0)]
    assert historian.buckets("no.such_tag", 0.0, 20.0, 10.0) == []


@given(st.lists(st.tuples(st.floats(0, 99.99), st.floats(-1e9, 1e9)), min_size=1, max_size=40),
       st.floats(0.5, 50.0))
def test_buckets_hold_min_le_avg_le_max(samples, size):
    with tempfile.TemporaryDirectory() as folder, Historian(Path(folder) / "h.db") as h:
        for i, (t, v) in enumerate(samples):
            h.record(tv(v, t, reason=str(i)))  # a new reason each time: every sample is stored
        buckets = h.buckets("process.temperature", 0.0, 100.0, size)
    assert sum(b.count for b in buckets) == len(samples)
    assert all(b.min <= b.avg <= b.max for b in buckets)


@pytest.mark.parametrize("size", [0.0, -1.0, math.nan, math.inf])
def test_bucket_size_must_be_positive(historian, size):
    with pytest.raises(HistorianError, match="bucket size must be a positive number"):
        historian.buckets("process.temperature", 0.0, 10.0, size)


def test_csv_export(historian):
    historian.record(tv(21.5, 1_700_000_000.25, unit="°C"))
    historian.record(tv(None, 1_700_000_001.0, B, reason="timeout"))
    historian.record(tv(True, 1_700_000_000.5, tag="conveyor.motor_run"))
    historian.record(tv(3, 1_700_000_002.0, tag="feeder.count"))
    historian.record(tv("LOT-7, 배치", 1_700_000_000.75, tag="process.batch_id"))
    out = io.StringIO()
    assert historian.export_csv(["process.temperature", "conveyor.motor_run", "process.batch_id"], 0, None, out) == 4
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["timestamp", "tag", "value", "quality", "reason"],
        ["2023-11-14T22:13:20.250000Z", "process.temperature", "21.5", "good", ""],
        ["2023-11-14T22:13:20.500000Z", "conveyor.motor_run", "true", "good", ""],
        ["2023-11-14T22:13:20.750000Z", "process.batch_id", "LOT-7, 배치", "good", ""],
        ["2023-11-14T22:13:21.000000Z", "process.temperature", "", "bad", "timeout"],
    ]
    everything = io.StringIO()
    assert historian.export_csv([], 1_700_000_000.5, 1_700_000_001.0, everything) == 2


def alarm_event(t: float, event: Event = Event.ACTIVATE, value=85.5, user: str = "", comment: str = "") -> AlarmEvent:
    return AlarmEvent("temp.hi", "process.temperature", AlarmKind.HI, event, State.UNACK, value, Priority.HIGH, user,
                      comment, t)


def test_alarm_events_round_trip_and_filter_by_time(tmp_path):
    events = [alarm_event(1.0), alarm_event(2.0, Event.COMMENT, True, "김", "팬 점검"),
              alarm_event(3.0, value=None)]
    with Historian(tmp_path / "h.db") as h:
        for event in events:
            h.record_alarm(event)
    with Historian(tmp_path / "h.db") as h:
        assert h.alarm_events() == events
        assert h.alarm_events(since=2.0) == events[1:]


def test_purge_deletes_only_what_is_older_than_retention(tmp_path):
    now = 100 * DAY
    with Historian(tmp_path / "h.db", retention_days=7) as h:
        for t in (now - 8 * DAY, now - 7.5 * DAY, now - 6 * DAY, now):
            h.record(tv(t, t))
            h.record_alarm(alarm_event(t))
        assert h.purge(now) == 4
        assert [x.timestamp for x in h.history("process.temperature", 0)] == [now - 6 * DAY, now]
        assert [e.timestamp for e in h.alarm_events()] == [now - 6 * DAY, now]
        assert h.purge(now) == 0


def test_missing_directory_is_a_clear_error(tmp_path):
    path = tmp_path / "nowhere" / "h.db"
    with pytest.raises(HistorianError, match=f"historian database {path}: directory {path.parent} does not exist"):
        Historian(path)


def test_a_directory_is_not_a_database_path(tmp_path):
    with pytest.raises(HistorianError, match="is not a file path"):
        Historian(tmp_path)


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("just some notes, long enough to look like a file header " * 20)
    with pytest.raises(HistorianError, match=f"cannot open historian database {path}: file is not a database"):
        Historian(path)


def test_another_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
    db.close()
    with pytest.raises(HistorianError, match=f"{path} is an SQLite database but not a Smart Hall historian"):
        Historian(path)


def test_a_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "h.db"
    Historian(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 4")
    db.close()
    with pytest.raises(NewerSchema, match=f"{path} has schema version 4, newer than this Smart Hall reads \\(3\\)"):
        Historian(path)


@pytest.mark.parametrize(("options", "message"), [
    ({"batch_size": 0}, "batch_size must be >= 1"), ({"retention_days": 0}, "retention_days > 0"),
])
def test_bad_options_are_clear_errors(tmp_path, options, message):
    with pytest.raises(HistorianError, match=message):
        Historian(tmp_path / "h.db", **options)


def test_use_after_close_is_a_historian_error(tmp_path):
    h = Historian(tmp_path / "h.db")
    h.close()
    h.close()
    with pytest.raises(HistorianError, match="h.db: read alarm events failed"):
        h.alarm_events()


def test_two_writers_on_one_file_both_record_a_new_tag(tmp_path):
    """Two processes on one history (two `edge run` of one line): the second to make a tag's row takes the first's."""
    with Historian(tmp_path / "h.db") as first, Historian(tmp_path / "h.db") as second:
        first.record(tv(1.0, 1.0, tag="t.shared"))
        first.flush()
        second.record(tv(2.0, 2.0, tag="t.shared"))
        second.flush()
        assert [v.value for v in first.history("t.shared", 0)] == [1.0, 2.0]


def test_a_flush_behind_is_written_by_the_writer_thread_and_queries_wait_for_it(tmp_path):
    path = tmp_path / "h.db"
    with Historian(path) as h:
        for t in range(6):  # two tags interleaved: the transaction sorts by tag, each tag's rows keep their order
            h.record(tv(t, float(t // 2), tag=f"t.{'ab'[t % 2]}"))
        h.flush(wait=False)
        h.record(tv(99, 9.0, tag="t.a"))
        assert values(h, "t.a") == [0, 2, 4, 99]
        assert values(h, "t.b") == [1, 3, 5]
    assert rows_on_disk(path) == 7


@pytest.mark.parametrize("wait", [True, False])
def test_a_failed_flush_keeps_its_rows_for_the_next_one(tmp_path, wait):
    path = tmp_path / "h.db"
    with Historian(path) as h:
        h.record(tv(1, 1.0))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock past the historian's busy timeout
        try:
            with pytest.raises(HistorianError, match="h.db: flush failed: database is locked"):
                h.flush(wait=wait)
                h.flush()  # a flush behind failed in the writer thread: the next flush says so
            h.record(tv(2, 2.0))
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert rows_on_disk(path) == 0
        assert values(h) == [1, 2]


SCHEMA_1 = """
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit TEXT NOT NULL DEFAULT '');
CREATE TABLE samples (tag_id INTEGER NOT NULL REFERENCES tags (id), ts REAL NOT NULL, value, type TEXT NOT NULL,
                      quality TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '');
CREATE INDEX samples_tag_ts ON samples (tag_id, ts);
CREATE TABLE alarm_events (id INTEGER PRIMARY KEY, ts REAL NOT NULL, alarm_id TEXT NOT NULL, tag TEXT NOT NULL,
                           kind TEXT NOT NULL, event TEXT NOT NULL, state TEXT NOT NULL, value, type TEXT NOT NULL,
                           priority TEXT NOT NULL, user TEXT NOT NULL, comment TEXT NOT NULL);
CREATE INDEX alarm_events_ts ON alarm_events (ts);
PRAGMA user_version = 1;
"""


def test_a_history_of_schema_1_opens_with_every_value(tmp_path):
    """A file written by an older Smart Hall (a row per value) is migrated to chunks when opened."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_1)
        db.executemany("INSERT INTO tags (id, name, unit) VALUES (?, ?, ?)", [(1, "t.a", "kW"), (2, "t.b", "")])
        db.executemany("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?)", [
            (1, 2.0, 1.5, "float", "good", ""), (2, 1.0, "LOT-7", "str", "good", ""), (1, 1.0, None, "none", "bad", "timeout"),
            (1, 3.0, 1, "bool", "good", ""), (1, 3.0, 7, "int", "good", ""), (1, 4.0, None, "float", "good", "")])
        db.execute("INSERT INTO alarm_events VALUES (1, 5.0, 'a.hi', 't.a', 'hi', 'activate', 'active-unacknowledged', 9.5, 'float',"
                   " 'high', '', '')")
    db.close()
    with Historian(path) as h:
        got = [(v.timestamp, v.value, v.quality, v.reason, v.unit) for v in h.history("t.a", 0)]
        assert got[:4] == [(1.0, None, B, "timeout", "kW"), (2.0, 1.5, G, "", "kW"), (3.0, True, G, "", "kW"),
                           (3.0, 7, G, "", "kW")]
        assert math.isnan(got[4][1]) and type(got[3][1]) is int
        assert values(h, "t.b") == ["LOT-7"]
        assert [e.value for e in h.alarm_events()] == [9.5]
        h.record(tv(2.5, 6.0, tag="t.a"))
        assert values(h, "t.a")[-1] == 2.5
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert db.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'samples'").fetchone()[0] == 0
    db.close()


CHUNKS_2 = """(tag_id INTEGER NOT NULL REFERENCES tags (id), t0 REAL NOT NULL, t1 REAL NOT NULL, n INTEGER NOT NULL,
                type TEXT NOT NULL, quality TEXT NOT NULL, reason TEXT NOT NULL, ts BLOB NOT NULL, vals)"""
SCHEMA_2 = f"""
CREATE TABLE tags (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, unit TEXT NOT NULL DEFAULT '');
CREATE TABLE chunks {CHUNKS_2};
CREATE INDEX chunks_tag_t0 ON chunks (tag_id, t0);
CREATE INDEX chunks_t0 ON chunks (t0);
CREATE TABLE recent {CHUNKS_2};
CREATE INDEX recent_t0_tag ON recent (t0, tag_id);
{SCHEMA_1[SCHEMA_1.index("CREATE TABLE alarm_events"):].replace("user_version = 1", "user_version = 2")}"""


def test_a_history_of_schema_2_opens_with_every_value(tmp_path):
    """A file of schema 2 (a row per chunk in `recent`) is migrated when opened: its `recent` into `chunks`."""
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_2)
        db.execute("INSERT INTO tags (id, name, unit) VALUES (1, 't.a', 'kW')")
        for table, t in (("chunks", 1.0), ("chunks", 2.0), ("recent", 3.0), ("recent", 4.0)):
            [row] = chunks.pack(chunks.runs_of([tv(t * 10, t, tag="t.a")]))
            db.execute(schema.INSERT.format(table), (1, *row))
    db.close()
    with Historian(path) as h:
        assert [(v.timestamp, v.value, v.unit) for v in h.history("t.a", 0)] == [
            (1.0, 10.0, "kW"), (2.0, 20.0, "kW"), (3.0, 30.0, "kW"), (4.0, 40.0, "kW")]
        h.record(tv(50.0, 5.0, tag="t.a"))
        assert values(h, "t.a")[-1] == 50.0
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert db.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'recent_t0_tag'").fetchone()[0] == 0
    db.close()


def test_values_read_back_in_time_order_across_compactions(tmp_path, monkeypatch):
    """Flushes go to `recent`, compactions move them to `chunks`, merged per tag: queries, buckets, CSV and purge
    see every value."""
    monkeypatch.setattr("smarthall.edge.historian.store.RECENT_CHUNKS", 6)
    path = tmp_path / "h.db"
    with Historian(path, retention_days=7) as h:
        for t in range(10):  # a row of `recent` per flush: a compaction every third flush, a chunk per tag each
            h.record(tv(float(t), float(t)))
            h.record(tv(t, 100.0 - t, tag="t.back"))  # a clock stepping back: read back in time order
            h.flush()
        with sqlite3.connect(path) as db:
            assert db.execute("SELECT count(*) FROM chunks").fetchone()[0] == 6
            assert db.execute("SELECT n FROM recent").fetchall() == [(2,)]
        db.close()
        assert values(h) == [float(t) for t in range(10)]
        assert values(h, "t.back") == list(range(9, -1, -1))
        assert [x.timestamp for x in h.history("process.temperature", 3.0, 9.5)] == [float(t) for t in range(3, 10)]
        assert h.buckets("process.temperature", 0.0, 10.0, 5.0) == [Bucket(0.0, 5, 0.0, 4.0, 2.0),
                                                                     Bucket(5.0, 5, 5.0, 9.0, 7.0)]
        out = io.StringIO()
        assert h.export_csv([], 0, None, out) == 20
        exported = list(csv.reader(io.StringIO(out.getvalue())))[1:]
        assert [row[1] for row in exported[:3]] == ["process.temperature"] * 3  # by time: 0, 1, 2 then t.back's 91...
        assert [row[2] for row in exported[-3:]] == ["2", "1", "0"]
        assert h.purge(now=8.0 + 7 * DAY) == 8  # [0, 8) of one tag, none of the other's (91 to 100)
        assert values(h) == [8.0, 9.0]
        assert rows_on_disk(path) == 2 + 10


def test_a_chunk_across_the_retention_cutoff_keeps_its_newer_values(tmp_path):
    with Historian(tmp_path / "h.db", retention_days=1) as h:
        for t in range(6):  # one flush: one chunk spanning [0, 5]
            h.record(tv(t, float(t)))
        assert h.purge(now=3.0 + DAY) == 3
        assert [(x.timestamp, x.value) for x in h.history("process.temperature", 0)] == [(3.0, 3), (4.0, 4), (5.0, 5)]
        h.record(tv(6, 6.0))
        assert values(h) == [3, 4, 5, 6]


@given(st.lists(st.tuples(st.sampled_from(["t.a", "t.b"]), faithful, st.sampled_from([G, B]),
                          st.sampled_from(["", "timeout"]), st.sampled_from(["", "kW"])), min_size=1, max_size=40),
       st.floats(0.0, 5.0))
def test_recording_a_block_stores_what_recording_value_by_value_does(items, deadband):
    """record_all (a device's scan at once, the change test written out) against record, value by value."""
    scanned = [TagValue(tag, v, q, float(t), reason, unit) for t, (tag, v, q, reason, unit) in enumerate(items)]
    deadbands = {"t.a": deadband, "t.b": 0.0}
    with tempfile.TemporaryDirectory() as folder, Historian(Path(folder) / "one.db") as one, \
            Historian(Path(folder) / "all.db") as block:
        expected = sum(one.record(v, deadbands[v.tag]) for v in scanned)
        assert block.record_all(scanned[:7], deadbands) + block.record_all(scanned[7:], deadbands) == expected
        for tag in deadbands:
            got, want = block.history(tag, 0), one.history(tag, 0)
            assert [(v.timestamp, v.quality, v.reason, v.unit, type(v.value)) for v in got] == [
                (v.timestamp, v.quality, v.reason, v.unit, type(v.value)) for v in want]
            assert all(a.value == b.value or (a.value != a.value and b.value != b.value)
                       for a, b in zip(got, want, strict=True))


def moved(old, new, deadband: float) -> bool:
    """The change test as record's docstring says it, written out plainly (the test's reference)."""
    if isinstance(new, float) and (math.isnan(new) or math.isnan(old)):
        return math.isnan(new) != math.isnan(old)
    if isinstance(new, (int, float)) and not isinstance(new, bool):
        return abs(new - old) > deadband
    return new != old


@given(st.lists(st.tuples(st.sampled_from(["t.a", "t.b"]), faithful, st.sampled_from([G, B]),
                          st.sampled_from(["", "timeout"]), st.sampled_from(["", "kW"]),
                          st.sampled_from(["", "flush", "flush behind"])), min_size=1, max_size=40),
       st.floats(0.0, 5.0))
def test_what_is_stored_across_flushes_is_each_tags_changes(items, deadband):
    """A tag's first value, a change of type, quality or reason, or a move beyond its deadband from the last stored
    value (to or from NaN only), whatever flushes (and flushes behind, in the writer thread) come between: the last
    stored value is remembered across them."""
    deadbands = {"t.a": deadband, "t.b": 0.0}
    expected: dict[str, list[TagValue]] = {"t.a": [], "t.b": []}
    with tempfile.TemporaryDirectory() as folder, Historian(Path(folder) / "h.db") as h:
        for t, (tag, v, q, reason, unit, flush) in enumerate(items):
            value = TagValue(tag, v, q, float(t), reason, unit)
            last = expected[tag][-1] if expected[tag] else None
            change = last is None or (type(v), q, reason) != (type(last.value), last.quality, last.reason) or moved(
                last.value, v, deadbands[tag])
            assert h.record_all([value], deadbands) == change
            if change:
                expected[tag].append(value)
            if flush:
                h.flush(wait=flush == "flush")
        for tag, want in expected.items():
            got = h.history(tag, 0)  # each value with the tag's unit: the last stored value's
            assert [(v.timestamp, v.quality, v.reason, v.unit, type(v.value)) for v in got] == [
                (v.timestamp, v.quality, v.reason, want[-1].unit, type(v.value)) for v in want]
            assert all(a.value == b.value or (a.value != a.value and b.value != b.value)
                       for a, b in zip(got, want, strict=True))
