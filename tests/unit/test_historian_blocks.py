"""record_block (a device's scan read whole and GOOD) against record_all: the same history, the same counts."""

from __future__ import annotations

import math
import sqlite3
import tempfile
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.quality import Quality
from smarthall.edge.historian import Historian, HistorianError
from smarthall.edge.tags import TagValue

G, B = Quality.GOOD, Quality.BAD
TAGS = ("d.a", "d.b", "d.c", "e.x")
BLOCKS = (  # overlapping blocks, a tag's unit changing from one to the other
    (("d.a", "d.b", "d.c"), ("", "kW", "")),
    (("d.a", "d.b"), ("kW", "kW")),
    (("e.x", "d.c"), ("", "")),
)
clock = st.integers(0, 4).map(float)  # timestamps repeat and step back: history shows the recording order
scanned = st.one_of(st.sampled_from([0, 1, 2, 1.0, 2.5, math.nan, True, False, "a", None]), st.floats(0.0, 5.0),
                    st.integers(-3, 3))


@st.composite
def operations(draw) -> list[tuple]:
    """Blocks' scans (often a scan like the block's last with a value or two changed), values, flushes."""
    ops: list[tuple] = []
    scanned_last: dict[int, list] = {}
    for _ in range(draw(st.integers(1, 30))):
        kind = draw(st.sampled_from(["block", "block", "block", "step", "step", "all", "flush", "flush behind"]))
        if kind == "step":  # every value of a block's last scan changed, of its class: the flush takes it whole
            k = draw(st.sampled_from(sorted(scanned_last)) if scanned_last else st.nothing())
            scanned_last[k] = values = list(map(changed, scanned_last[k]))
            ops.append(("block", draw(clock), k, values))
        elif kind == "block":
            k = draw(st.integers(0, len(BLOCKS) - 1))
            size = len(BLOCKS[k][0])
            values = list(scanned_last.get(k) or draw(st.lists(scanned, min_size=size, max_size=size)))
            for i in draw(st.lists(st.integers(0, size - 1), max_size=2)):
                values[i] = draw(scanned)
            scanned_last[k] = values
            ops.append((kind, draw(clock), k, values))
        elif kind == "all":
            ops.append((kind, draw(clock), draw(st.lists(st.tuples(st.sampled_from(TAGS), scanned, st.sampled_from([G, B]),
                                                      st.sampled_from(["", "timeout"]), st.sampled_from(["", "kW"])),
                                            max_size=4))))
        else:
            ops.append((kind, 0))
    return ops


def changed(value):
    """Another value of its class (None stays None)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1 if value == value else 0.5  # noqa: PLR0124 (NaN)
    return None if value is None else value + "x"


def same_history(got: list[TagValue], want: list[TagValue]) -> bool:
    return [(v.timestamp, v.quality, v.reason, v.unit, type(v.value)) for v in got] == [
        (v.timestamp, v.quality, v.reason, v.unit, type(v.value)) for v in want] and all(
        a.value == b.value or (a.value != a.value and b.value != b.value) for a, b in zip(got, want, strict=True))


@given(operations(), st.floats(0.0, 3.0), st.sampled_from([1, 4, 500]), st.booleans(), st.sampled_from([1, 5, 60_000]))
def test_any_interleaving_of_blocks_and_values_stores_what_record_all_alone_does(ops, deadband, batch_size,
                                                                                 write_behind, recent_chunks):
    """Blocks, overlapping blocks and single values of the same tags in any order, flushes (and flushes behind)
    between, a full buffer flushing on its own, compactions: each call's count and each tag's history are
    record_all's."""
    deadbands = {"d.a": deadband, "d.b": 0.0, "d.c": 0.0, "e.x": 0.5}
    with tempfile.TemporaryDirectory() as folder, Historian(Path(folder) / "all.db") as alone, \
            Historian(Path(folder) / "block.db", batch_size=batch_size, write_behind=write_behind) as mixed, \
            patch("smarthall.edge.historian.store.RECENT_CHUNKS", recent_chunks):
        for kind, t, *args in ops:
            if kind == "block":
                k, vs = args
                tags, units = BLOCKS[k]
                expected = alone.record_all([TagValue(tag, v, G, float(t), "", unit)
                                             for tag, v, unit in zip(tags, vs, units, strict=True)], deadbands)
                assert mixed.record_block(tags, units, vs, float(t), tuple(deadbands[tag] for tag in tags)) == expected
            elif kind == "all":
                block = [TagValue(tag, v, q, float(t), reason, unit) for tag, v, q, reason, unit in args[0]]
                assert mixed.record_all(block, deadbands) == alone.record_all(block, deadbands)
            else:
                mixed.flush(wait=kind == "flush")
        for tag in TAGS:
            assert same_history(mixed.history(tag, 0), alone.history(tag, 0))


def test_a_block_scan_stores_the_first_values_then_only_changes(tmp_path):
    tags, units = ("d.a", "d.b", "d.c"), ("kW", "", "")
    with Historian(tmp_path / "h.db") as h:
        assert h.record_block(tags, units, [1.0, 5, "x"], 1.0, (0.5, 0.0, 0.0)) == 3
        assert h.record_block(tags, units, [1.4, 5, "x"], 2.0, (0.5, 0.0, 0.0)) == 0  # within the deadband
        assert h.record_block(tags, units, [1.6, 6, True], 3.0, (0.5, 0.0, 0.0)) == 3
        assert [(v.timestamp, v.value, v.unit) for v in h.history("d.a", 0)] == [(1.0, 1.0, "kW"), (3.0, 1.6, "kW")]
        assert [v.value for v in h.history("d.c", 0)] == ["x", True]


@pytest.mark.parametrize("wait", [True, False])
def test_a_failed_flush_keeps_the_blocks_values_for_the_next_one(tmp_path, wait):
    """Whole scans (a segment) and a scan in part (runs) in the failed flush, a value and a scan after it."""
    path = tmp_path / "h.db"
    tags, units, none = ("d.a", "d.b"), ("", "kW"), (0.0, 0.0)
    with Historian(path) as h:
        h.record_block(tags, units, [1, 2.0], 1.0, none)
        h.flush()
        h.record_block(tags, units, [3, 4.0], 2.0, none)  # every value changed: the flush takes them whole
        h.record_block(tags, units, [5, 6.0], 3.0, none)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock past the historian's busy timeout
        try:
            with pytest.raises(HistorianError, match="flush failed: database is locked"):
                h.flush(wait=wait)
                h.flush()  # a flush behind failed in the writer thread: the next flush says so
            h.record(TagValue("d.a", 7, G, 4.0))
            h.record_block(tags, units, [7, 8.0], 5.0, none)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert [(v.timestamp, v.value) for v in h.history("d.a", 0)] == [(1.0, 1), (2.0, 3), (3.0, 5), (4.0, 7)]
        assert [(v.timestamp, v.value, v.unit) for v in h.history("d.b", 0)] == [
            (1.0, 2.0, "kW"), (2.0, 4.0, "kW"), (3.0, 6.0, "kW"), (5.0, 8.0, "kW")]


def test_a_block_of_the_wrong_size_or_an_unstorable_value_is_refused_and_keeps_nothing(tmp_path):
    with Historian(tmp_path / "h.db") as h:
        with pytest.raises(HistorianError, match="a block of 2 tags got 1 values"):
            h.record_block(("d.a", "d.b"), ("", ""), [1], 1.0, (0.0, 0.0))
        with pytest.raises(TypeError, match="not bytes"):
            h.record_block(("d.a", "d.b"), ("", ""), [1, b"x"], 1.0, (0.0, 0.0))
        assert h.record_block(("d.a", "d.b"), ("", ""), [1, 2], 2.0, (0.0, 0.0)) == 2
        assert [v.timestamp for v in h.history("d.a", 0)] == [2.0]
