"""PeerLog: one line per peer address per interval, the held-back ones counted, the peers remembered bounded."""

from __future__ import annotations

import logging

from smarthall.devices import peer_log
from smarthall.devices.peer_log import PeerLog


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_one_line_per_peer_per_interval_and_the_held_back_counted(caplog):
    clock = Clock()
    log = PeerLog(logging.getLogger("test.peer"), "feeder", interval_s=60, clock=clock)
    with caplog.at_level(logging.WARNING, "test.peer"):
        for port in range(5):
            log.warning(("10.0.0.1", port), "protocol id %d", 7)
        log.warning(("10.0.0.2", 1), "protocol id %d", 8)
        clock.now = 61
        log.warning(("10.0.0.1", 9), "length %d", 0)
    assert [r.getMessage() for r in caplog.records] == [
        "feeder: peer 10.0.0.1: protocol id 7",
        "feeder: peer 10.0.0.2: protocol id 8",
        "feeder: peer 10.0.0.1: length 0 (4 more like it held back)",
    ]


def test_the_peers_remembered_are_bounded(monkeypatch, caplog):
    monkeypatch.setattr(peer_log, "MAX_PEERS", 3)
    log = PeerLog(logging.getLogger("test.peer"), "feeder", clock=Clock())
    with caplog.at_level(logging.WARNING, "test.peer"):
        for host in ("a", "b", "c", "d", "a"):
            log.warning((host, 1), "bad")
    assert len(caplog.records) == 5  # "a" was forgotten when "d" came
