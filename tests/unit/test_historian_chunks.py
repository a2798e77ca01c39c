"""Chunks (edge/historian/chunks.py): a tag's values packed into runs and back, faithfully and in order."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.quality import Quality
from smarthall.edge.historian.batches import compacted, from_recent, to_recent
from smarthall.edge.historian.chunks import MAX_SPAN_S, QUALITY_TEXT, pack, runs_of, unpack
from smarthall.edge.tags import TagValue

values = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True), st.text())
samples = st.lists(st.tuples(st.floats(0, 5000, allow_nan=False), values, st.sampled_from(list(Quality)),
                             st.sampled_from(["", "timeout"])), min_size=1, max_size=60)


def same(a, b) -> bool:
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))


@given(samples)
def test_values_come_back_in_recording_order_with_type_quality_and_reason(items):
    rows = pack(runs_of(TagValue("t.v", value, quality, ts, reason) for ts, value, quality, reason in items))
    back = []
    for row in rows:
        t0, t1, n, _kind, quality, reason, _, _ = row
        stamps, vals = unpack(row)
        assert len(stamps) == len(vals) == n
        assert (t0, t1) == (min(stamps), max(stamps)) and t1 - t0 <= MAX_SPAN_S
        back += [(ts, value, quality, reason) for ts, value in zip(stamps, vals, strict=True)]
    assert len(back) == len(items)
    for (ts, value, quality, reason), (ts2, value2, quality2, reason2) in zip(items, back, strict=True):
        assert (ts, QUALITY_TEXT[quality], reason) == (ts2, quality2, reason2) and same(value, value2)


def test_a_run_of_one_type_quality_and_reason_is_one_chunk():
    rows = pack(runs_of(TagValue("t.v", 20.0 + i, Quality.GOOD, 100.0 + i / 10) for i in range(10)))
    assert len(rows) == 1 and rows[0][:6] == (100.0, 100.9, 10, "float", "good", "")
    assert len(pack(runs_of(TagValue("t.v", i, Quality.GOOD, i * MAX_SPAN_S / 2) for i in range(5)))) == 2  # [0, 600], [900, 1200]


@given(st.lists(st.tuples(st.sampled_from([1, 2, 3]), samples), min_size=1, max_size=8))
def test_a_flushs_row_of_recent_and_its_compaction_keep_each_tags_values_in_order(flushes):
    """Flushes (a tag's samples each) through a row of `recent` each (batches.py), then compacted: each tag's
    values come back in recording order, faithfully, in chunks spanning at most MAX_SPAN_S."""
    recorded: dict[int, list] = {}
    rows = []
    for tag_id, items in flushes:
        chunks = [(tag_id, row) for row in pack(runs_of(TagValue("t.v", v, q, ts, r) for ts, v, q, r in items))]
        rows.append(to_recent(chunks)[3:])  # block, tags, meta, ts, vals
        recorded.setdefault(tag_id, []).extend((ts, v, QUALITY_TEXT[q], r) for ts, v, q, r in items)
    assert [chunk for row in rows for chunk in from_recent(*row[1:])] == [
        (tag_id, row) for tag_id, items in flushes
        for row in pack(runs_of(TagValue("t.v", v, q, ts, r) for ts, v, q, r in items))]
    merged = compacted(rows)
    assert [tag_id for tag_id, _ in merged] == sorted(tag_id for tag_id, _ in merged)
    back: dict[int, list] = {}
    for tag_id, row in merged:
        stamps, vals = unpack(row)
        assert (row[0], row[1], row[2]) == (min(stamps), max(stamps), len(vals)) and row[1] - row[0] <= MAX_SPAN_S
        back.setdefault(tag_id, []).extend((ts, v, row[4], row[5]) for ts, v in zip(stamps, vals, strict=True))
    assert back.keys() == recorded.keys()
    for tag_id, want in recorded.items():
        assert len(back[tag_id]) == len(want)
        assert all(a[0] == b[0] and a[2:] == b[2:] and same(a[1], b[1]) for a, b in zip(back[tag_id], want, strict=True))


def test_a_compaction_merges_a_tags_chunks_of_one_type_quality_and_reason():
    flushes = [[(1, row) for row in pack(runs_of([TagValue("t.v", float(t), Quality.GOOD, t)]))] for t in range(5)]
    flushes.append([(1, row) for row in pack(runs_of([TagValue("t.v", 5, Quality.GOOD, 5.0)]))])  # an int now
    merged = compacted(to_recent(chunks)[3:] for chunks in flushes)
    assert [row[:6] for _, row in merged] == [(0.0, 4.0, 5, "float", "good", ""), (5.0, 5.0, 1, "int", "good", "")]
