"""Opening the historian's SQLite file: checks, pragmas (WAL, synchronous=NORMAL, page cache) and schema version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .errors import HistorianError, NewerSchema

VERSION = 1  # PRAGMA user_version of the schema below
BUSY_TIMEOUT_S = 2.0  # another connection holding the write lock: wait this long, then fail
CACHE_KIB = 65536  # page cache: the (tag, ts) index pages a flush touches stay in memory (SQLite's default: 2 MiB)

SCHEMA = """
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    unit TEXT NOT NULL DEFAULT ''
);
CREATE TABLE samples (
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    ts REAL NOT NULL,
    value,                  -- no type affinity: ints stay INTEGER, floats REAL, strings TEXT
    type TEXT NOT NULL,     -- bool, int, float, str, none
    quality TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX samples_tag_ts ON samples (tag_id, ts);
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
    except sqlite3.Error as exc:
        raise HistorianError(f"cannot open historian database {path}: {exc}") from None
