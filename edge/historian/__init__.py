"""The historian: tag changes and alarm events in SQLite (stdlib sqlite3, WAL, synchronous=NORMAL).

Modules: `store` (Historian, Bucket), `schema` (opening the file, schema version),
`values` (faithful value encoding). See `store` for threading and crash safety.

Exceptions:
    HistorianError       base; every message names the database file (bad or missing path,
     │                   not a historian, SQLite failures, bad arguments)
     └── NewerSchema     the file was written by a newer Smart Hall
"""

from .errors import HistorianError, NewerSchema
from .store import Bucket, Historian

__all__ = ["Bucket", "Historian", "HistorianError", "NewerSchema"]
