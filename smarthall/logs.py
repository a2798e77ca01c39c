"""Where log records go: a log file, never the console (unless --debug), and one line to the lab console.

Library logs (asyncua, pymodbus, the simulators' rate-limited bad-input
lines) and Python warnings go to a rotating file, by default
``$XDG_STATE_HOME/smarthall/smarthall.log`` (``~/.local/state/...``), or the
temp folder when that cannot be written (a read-only HOME). ``--debug`` also
shows every record, tracebacks included, on stderr. In `smarthall lab` a
`StatusLine` handler shows warnings as one line in the console (a
notification), at most one per logger a minute.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
STATUS_INTERVAL_S = 60.0


def default_path() -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "smarthall" / "smarthall.log"


def setup(debug: bool = False, path: Path | None = None) -> Path:
    """Send every log record to the log file (and, with debug, to stderr); returns the file's path."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "smarthall", False):
            root.removeHandler(handler)
            handler.close()
    file_handler, path = _file_handler(path or default_path())
    handlers: list[logging.Handler] = [file_handler]
    if debug:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.smarthall = True
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for library in ("asyncua", "pymodbus"):  # their INFO is a line per connection and request
        logging.getLogger(library).setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.captureWarnings(True)
    return path


def _file_handler(path: Path) -> tuple[logging.Handler, Path]:
    """A rotating log file at path, else in the temp folder (a read-only HOME)."""
    for candidate in (path, None):
        if candidate is None:  # tempfile (with shutil and random) only when the first choice failed
            import tempfile
            candidate = Path(tempfile.gettempdir()) / f"smarthall-{os.getuid()}.log"
        try:
            candidate.parent.mkdir(parents=True, exist_ok=True)
            with open(candidate, "a", encoding="utf-8"):  # it can be written
                pass
            return _LogFile(candidate), candidate
        except OSError:
            continue
    return logging.NullHandler(), path


class _LogFile(logging.Handler):
    """The rotating log file, opened at its first record: a command that logs nothing (`smarthall read` through an
    agent) does not import logging.handlers (with pickle, queue and struct)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            import logging.handlers

            self._file = logging.handlers.RotatingFileHandler(self.path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                              encoding="utf-8")
            self._file.setFormatter(self.formatter)
        self._file.emit(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


class StatusLine(logging.Handler):
    """Warnings and errors as one line each to `show`, at most one per logger a minute (the lab console's status)."""

    def __init__(self, show: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(logging.WARNING)
        self._show = show
        self._clock = clock
        self._last: dict[str, float] = {}
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        now = self._clock()
        if record.name in self._last and now - self._last[record.name] < STATUS_INTERVAL_S:
            return
        self._last[record.name] = now
        try:
            line = f"{record.name}: {record.getMessage()}".splitlines()[0][:200]
        except Exception:
            line = f"{record.name}: {record.msg!r}"[:200]
        if threading.get_ident() == self._thread:
            self._show(line)
