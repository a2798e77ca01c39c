"""A kill -9 of a process writing the historian loses at most the unflushed batch and never corrupts the file."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from smarthall.devices.quality import Quality
from smarthall.edge.historian import Historian
from smarthall.edge.tags import TagValue

ROOT = Path(__file__).resolve().parents[2]
BATCH = 200
REPORTED_BEFORE_KILL = 20

WRITER = f"""
import itertools, sys
from smarthall.devices.quality import Quality
from smarthall.edge.historian import Historian
from smarthall.edge.tags import TagValue

historian = Historian(sys.argv[1], batch_size={BATCH})
for n in itertools.count():
    historian.record(TagValue("line.counter", n, Quality.GOOD, float(n)))
    if (n + 1) % {BATCH} == 0:  # the record just made flushed a full batch
        print((n + 1) // {BATCH}, flush=True)
"""


def read_reports(proc: subprocess.Popen, wanted: int, timeout_s: float = 10.0) -> int:
    """The last batch count the writer printed, once it reached `wanted` (polls with a deadline)."""
    deadline = time.monotonic() + timeout_s
    reported = 0
    while reported < wanted:
        assert time.monotonic() < deadline, f"writer reported only {reported} batches"
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            line = proc.stdout.readline()
            assert line, f"writer exited early: {proc.wait()}"
            reported = int(line)
    return reported


def test_sigkill_while_writing_keeps_every_reported_batch_and_an_intact_file(tmp_path):
    path = tmp_path / "history.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        reported = read_reports(proc, REPORTED_BEFORE_KILL)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=5) == -signal.SIGKILL
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()

    assert path.with_name(path.name + "-wal").exists()  # killed, not closed: the WAL was never checkpointed
    with sqlite3.connect(path) as db:  # a plain reader first: it recovers the WAL like any client would
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with Historian(path, batch_size=BATCH) as historian:
        stored = [v.value for v in historian.history("line.counter", 0)]
        assert len(stored) >= reported * BATCH
        assert len(stored) % BATCH == 0  # whole batches only: a transaction is all or nothing
        assert stored == list(range(len(stored)))
        historian.record(TagValue("line.counter", -1, Quality.GOOD, 1e12))
        assert historian.history("line.counter", 1e12)[0].value == -1  # and the file takes new writes
