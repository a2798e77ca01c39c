"""edge.owner: one agent per line, found by its clients through the lock beside the history file."""

from __future__ import annotations

import os

import pytest

from smarthall.edge.errors import LineBusy
from smarthall.edge.owner import LineLock, Owner, read_owner


def test_a_second_owner_is_refused_naming_the_first_and_where_it_serves(tmp_path):
    history = tmp_path / "line" / "sim.db"
    lock = LineLock.acquire(history, "sim")
    try:
        assert read_owner(history) == Owner(os.getpid())
        lock.announce("/run/x.sock", "127.0.0.1:4860")
        assert read_owner(history) == Owner(os.getpid(), "/run/x.sock", "127.0.0.1:4860")
        with pytest.raises(LineBusy) as caught:
            LineLock.acquire(history, "sim")
        assert str(caught.value) == (f"line 'sim' is already run by an edge agent (pid {os.getpid()}, "
                                     f"unix:/run/x.sock, tcp://127.0.0.1:4860; lock {history}.lock):"
                                     " use that one, or stop it first")
    finally:
        lock.release()
    assert read_owner(history) is None  # the file stays, the lock is gone: nobody owns the line
    LineLock.acquire(history, "sim").release()


def test_no_lock_file_means_no_owner(tmp_path):
    assert read_owner(tmp_path / "never.db") is None
