"""The garbage collector's tuning while agents scan: the first tunes, the last restores."""

from __future__ import annotations

import gc

from smarthall.edge import collector


def test_the_last_of_two_scanning_agents_restores_the_collector():
    before = gc.get_threshold()
    collector.tune()
    collector.tune()
    try:
        assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0
        collector.restore()
        assert gc.get_threshold()[0] == collector.YOUNG_THRESHOLD  # the other agent still scans
    finally:
        collector.restore()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    collector.restore()  # one too many: nothing changes
    assert gc.get_threshold() == before
