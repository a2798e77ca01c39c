"""Opening the historian's SQLite file: checks, pragmas (WAL, synchronous=NORMAL, page cache) and schema version.

Schema 1 kept a row per value (`samples`); schema 2 keeps chunks (`chunks.py`) in `chunks`, indexed
by tag, after a flush appended them to `recent` (a row per chunk, indexed by time); schema 3's
`recent` holds a row per flush (`batches.py`), with no index. An older file is migrated when it is
opened, in one transaction (a crash leaves it as it was): schema 1 tag by tag, schema 2's `recent`
moved into `chunks` (as its compaction did) and made again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from smarthall.devices.quality import Quality

from ..tags import TagValue
from .chunks import pack, runs_of
from .errors import HistorianError, NewerSchema
from .values import decode

VERSION = 3  # PRAGMA user_version of the schema below
MIGRATE_BATCH = 100_000  # schema 1 rows migrated at a time
BUSY_TIMEOUT_S = 2.0  # another connection holding the write lock: wait this long, then fail
CACHE_KIB = 65536  # page cache: the index pages a flush or compaction touches stay in memory (SQLite default: 2 MiB)

CHUNK_COLUMNS = """  -- a run of one tag's values: see chunks.py
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    t0 REAL NOT NULL,           -- the earliest timestamp
    t1 REAL NOT NULL,           -- the latest (t1 - t0 <= chunks.MAX_SPAN_S)
    n INTEGER NOT NULL,         -- values
    type TEXT NOT NULL,         -- bool, int, float, str, none
    quality TEXT NOT NULL,
    reason TEXT NOT NULL,
    ts BLOB NOT NULL,           -- n little-endian float64 timestamps, in recording order
    vals                        -- the values packed by type (chunks.py)"""

RECENT_TABLE = """CREATE TABLE recent (  -- a flush's chunks until the next compaction: see batches.py
    id INTEGER PRIMARY KEY,
    n INTEGER NOT NULL,         -- values
    t0 REAL NOT NULL,           -- the earliest timestamp
    t1 REAL NOT NULL,           -- the latest
    block INTEGER NOT NULL,     -- 0: a flush's chunks, 1: a block's segment (its scans, all GOOD)
    tags BLOB NOT NULL,         -- the chunks' (the block's) tag ids, little-endian int64
    meta TEXT NOT NULL,         -- JSON: per chunk [t0, t1, n, type, quality, reason, packed size, packed is text]
                                --       (per tag of the block its type)
    ts BLOB NOT NULL,           -- the chunks' timestamps, one after the other (the block's scans')
    vals BLOB NOT NULL          -- the chunks' packed values, one after the other (blocks.Segment's)
)"""

CHUNK = "t0, t1, n, type, quality, reason, ts, vals"  # the columns of a chunks.Row
INSERT = f"INSERT INTO {{}} (tag_id, {CHUNK}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"  # .format(table)

SCHEMA = f"""
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    unit TEXT NOT NULL DEFAULT ''
);
CREATE TABLE chunks ({CHUNK_COLUMNS}
);
CREATE INDEX chunks_tag_t0 ON chunks (tag_id, t0);
CREATE INDEX chunks_t0 ON chunks (t0);
{RECENT_TABLE};
CREATE TABLE alarm_events (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    alarm_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    kind TEXT NOT NULL,
    event TEXT NOT NULL,
    state TEXT NOT NULL,
    value,
    type TEXT NOT NULL,
    priority TEXT NOT NULL,
    user TEXT NOT NULL,
    comment TEXT NOT NULL
);
CREATE INDEX alarm_events_ts ON alarm_events (ts);
"""


def open_database(path: Path, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open (or create) the historian at `path`; HistorianError names the path and what is wrong."""
    if not str(path) or path.is_dir():
        raise HistorianError(f"historian database {str(path)!r} is not a file path")
    if not path.parent.is_dir():
        raise HistorianError(f"historian database {path}: directory {path.parent} does not exist")
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=check_same_thread)
    except sqlite3.Error as exc:
        raise HistorianError(f"cannot open historian database {path}: {exc}") from None
    try:
        _prepare(db, path)
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            raise NewerSchema(f"historian database {path} has schema version {version}, newer than this "
                              f"Smart Hall reads ({VERSION}); upgrade Smart Hall or use another file")
        if version == 0 and db.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]:
            raise HistorianError(f"{path} is an SQLite database but not a Smart Hall historian")
        if db.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
            raise HistorianError(f"historian database {path}: cannot switch to WAL journal mode")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        if version == 0:
            db.executescript(f"BEGIN; {SCHEMA} PRAGMA user_version={VERSION}; COMMIT;")
        elif version == 1:
            _migrate_from_rows(db)
        elif version == 2:
            _migrate_recent(db)
    except sqlite3.Error as exc:
        raise HistorianError(f"cannot open historian database {path}: {exc}") from None


def _migrate_recent(db: sqlite3.Connection) -> None:
    """Schema 2 (a row per chunk in `recent`) to a row per flush: its chunks into `chunks`, in one transaction."""
    db.execute("BEGIN")
    try:
        db.execute(f"INSERT INTO chunks (tag_id, {CHUNK}) SELECT tag_id, {CHUNK} FROM recent ORDER BY tag_id, rowid")
        db.execute("DROP TABLE recent")
        db.execute(RECENT_TABLE)
        db.execute(f"PRAGMA user_version={VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _migrate_from_rows(db: sqlite3.Connection) -> None:
    """Schema 1 (a row per value in `samples`) to chunks, in one transaction."""
    chunks_tables = SCHEMA[SCHEMA.index("CREATE TABLE chunks"):SCHEMA.index("CREATE TABLE alarm_events")]
    db.execute("BEGIN")
    try:
        for statement in chunks_tables.split(";")[:-1]:
            db.execute(statement)
        for (tag_id,) in db.execute("SELECT id FROM tags").fetchall():
            rows = db.execute("SELECT ts, value, type, quality, reason FROM samples WHERE tag_id = ? ORDER BY rowid",
                              (tag_id,))
            while batch := rows.fetchmany(MIGRATE_BATCH):
                values = [TagValue("", decode(value, kind), Quality(quality), ts, reason)
                          for ts, value, kind, quality, reason in batch]
                db.executemany(INSERT.format("chunks"), [(tag_id, *row) for row in pack(runs_of(values))])
        db.execute("DROP TABLE samples")
        db.execute(f"PRAGMA user_version={VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
