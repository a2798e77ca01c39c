"""Chunks (edge/historian/chunks.py): a tag's values packed into runs and back, faithfully and in order."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from smarthall.devices.quality import Quality
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
