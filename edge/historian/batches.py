"""A flush as a few rows of `recent`, and their compaction into `chunks`, merged per tag.

A flush writes one row holding its runs' chunk rows (chunks.Row, each after its tag's id), column by
column: the tag ids (little-endian int64), each chunk's t0, t1, n, type, quality, reason and packed
size (JSON), the timestamps and the packed values each concatenated; and a row per block's Segment
(blocks.py: the scans of a device taken whole, its values packed in C), with its tags' ids and
types. SQLite's cost per row (the insert, the pages a commit writes) is paid once per flush and
block instead of once per tag, and no Python step runs per tag at a flush of whole blocks. A
compaction reads them back in recording order, joins each block's consecutive segments (its values
sliced per tag once, in C), and merges each tag's consecutive chunks sharing type, quality and
reason into one spanning at most chunks.MAX_SPAN_S (concatenating their packed bytes), so `chunks`
takes a row per tag per compaction. Sans-IO: rows in, rows out.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

from smarthall.devices.quality import Quality

from .blocks import Segment, column, columns, kind_parts
from .chunks import MAX_SPAN_S, QUALITY_TEXT, Row, numbers_of, pack_numbers, pack_values, unpack_values

Chunk = tuple[int, Row]  # (tag id, chunk row)
RECENT = "n, t0, t1, block, tags, meta, ts, vals"  # the columns of a row of `recent`, after its id
GOOD = QUALITY_TEXT[Quality.GOOD]  # a Segment's values are all GOOD, reason ""


def to_recent(chunks: list[Chunk]) -> tuple[int, float, float, int, bytes, str, bytes, bytes]:
    """The row of `recent` holding `chunks` in their order (its columns RECENT)."""
    meta, stamps, packed = [], [], []
    for _tag_id, (t0, t1, n, kind, quality, reason, ts, vals) in chunks:
        data = vals.encode() if isinstance(vals, str) else vals or b""
        meta.append((t0, t1, n, kind, quality, reason, len(data), isinstance(vals, str)))
        stamps.append(ts)
        packed.append(data)
    return (sum(row[2] for _tag_id, row in chunks), min(row[0] for _tag_id, row in chunks),
            max(row[1] for _tag_id, row in chunks), 0, _ids([tag_id for tag_id, _row in chunks]), json.dumps(meta),
            b"".join(stamps), b"".join(packed))


def segment_to_recent(ids: Sequence[int], segment: Segment) -> tuple[int, float, float, int, bytes, str, bytes, bytes]:
    """The row of `recent` holding a Segment, its tags' ids `ids` (its columns RECENT)."""
    return segment.n * len(ids), segment.t0, segment.t1, 1, _ids(ids), json.dumps(segment.kinds), segment.stamps, segment.vals


def compacted(rows: Iterable[tuple[int, bytes, str, bytes, bytes]]) -> list[Chunk]:
    """The chunks of rows of `recent` (block, tags, meta, ts, vals), in recording order: a block's consecutive
    segments joined, then each tag's chunks merged (`merged`)."""
    by_tag: dict[int, list[Row]] = {}
    groups: dict[int, _Joined] = {}  # per tag id, the open join of segments holding it
    for block, tags, meta, ts, vals in rows:
        if not block:
            for tag_id, row in from_recent(tags, meta, ts, vals):
                if tag_id in groups:  # its block's values so far come first
                    groups[tag_id].close(by_tag, groups)
                by_tag.setdefault(tag_id, []).append(row)
            continue
        ids, kinds = _tag_ids(tags), tuple(json.loads(meta))
        joined = groups.get(ids[0])
        if joined is None or not joined.takes(ids, kinds, ts):
            for other in {groups[tag_id] for tag_id in ids if tag_id in groups}:
                other.close(by_tag, groups)
            joined = _Joined(ids, kinds)
            groups.update(dict.fromkeys(ids, joined))
        joined.add(ts, kind_parts(kinds, len(ts) // 8, vals))
    for joined in set(groups.values()):
        joined.close(by_tag, groups)
    return merged(by_tag)


def tag_chunks(tag_id: int, block: int, tags: bytes, meta: str, ts: bytes, vals: bytes) -> list[Row]:
    """The chunks of one tag in a row of `recent` (block, tags, meta, ts, vals), in recording order."""
    ids = _tag_ids(tags)
    if tag_id not in ids:
        return []
    if not block:
        return [row for chunk_tag, row in from_recent(tags, meta, ts, vals) if chunk_tag == tag_id]
    kinds, times, i = tuple(json.loads(meta)), numbers_of("d", ts), ids.index(tag_id)
    values = column(kinds, kind_parts(kinds, len(times), vals), i)
    return [(min(times), max(times), len(times), kinds[i], GOOD, "", ts, pack_numbers(values.typecode, values))]


class _Joined:
    """Consecutive segments of one block, joined: their timestamps and values, by class."""

    def __init__(self, ids: list[int], kinds: tuple[str, ...]) -> None:
        self.ids, self.kinds = ids, kinds
        self.stamps: list[bytes] = []
        self.parts: dict[type, list[bytes]] = {}
        self.low, self.high = math.inf, -math.inf

    def takes(self, ids: list[int], kinds: tuple[str, ...], stamps: bytes) -> bool:
        """Whether a segment of these tags and types continues this one within MAX_SPAN_S."""
        times = numbers_of("d", stamps)
        return (ids == self.ids and kinds == self.kinds
                and max(self.high, max(times)) - min(self.low, min(times)) <= MAX_SPAN_S)

    def add(self, stamps: bytes, parts: dict[type, bytes]) -> None:
        times = numbers_of("d", stamps)
        self.low, self.high = min(self.low, min(times)), max(self.high, max(times))
        self.stamps.append(stamps)
        for kind, packed in parts.items():
            self.parts.setdefault(kind, []).append(packed)

    def close(self, by_tag: dict[int, list[Row]], groups: dict[int, _Joined]) -> None:
        """Each tag's chunk of the joined segments after its chunks in `by_tag`; the join leaves `groups`."""
        stamps, n = b"".join(self.stamps), sum(len(s) for s in self.stamps) // 8
        parts = {kind: b"".join(packed) for kind, packed in self.parts.items()}
        for i, _kind, values in columns(self.kinds, parts):
            by_tag.setdefault(self.ids[i], []).append(
                (self.low, self.high, n, self.kinds[i], GOOD, "", stamps, pack_numbers(values.typecode, values)))
        for tag_id in self.ids:
            del groups[tag_id]


def from_recent(tags: bytes, meta: str, ts: bytes, vals: bytes) -> list[Chunk]:
    """The chunks of a row of `recent` (`to_recent`'s), in their order."""
    ids = _tag_ids(tags)
    chunks: list[Chunk] = []
    at_ts = at_vals = 0
    for tag_id, (t0, t1, n, kind, quality, reason, size, text) in zip(ids, json.loads(meta), strict=True):
        data = vals[at_vals:at_vals + size]
        packed = data.decode() if text else None if kind == "none" else data
        chunks.append((tag_id, (t0, t1, n, kind, quality, reason, ts[at_ts:at_ts + 8 * n], packed)))
        at_ts += 8 * n
        at_vals += size
    return chunks


def merged(by_tag: dict[int, list[Row]]) -> list[Chunk]:
    """Each tag's chunks (in recording order), sorted by tag, its consecutive chunks of one type, quality and reason
    merged while they span at most MAX_SPAN_S; a tag's values keep their order."""
    out: list[Chunk] = []
    for tag_id in sorted(by_tag):
        group: list[Row] = []
        low = high = 0.0
        for row in by_tag[tag_id]:
            if group and (row[3:6] != group[0][3:6] or max(high, row[1]) - min(low, row[0]) > MAX_SPAN_S):
                out.append((tag_id, _joined(group)))
                group = []
            low, high = (min(low, row[0]), max(high, row[1])) if group else (row[0], row[1])
            group.append(row)
        out.append((tag_id, _joined(group)))
    return out


def _joined(group: list[Row]) -> Row:
    """One chunk of consecutive chunks of one type, quality and reason."""
    if len(group) == 1:
        return group[0]
    kind, quality, reason = group[0][3:6]
    stamps = b"".join(row[6] for row in group)
    if all(isinstance(row[7], bytes) for row in group):
        packed: bytes | str | None = b"".join(row[7] for row in group)  # type: ignore[misc]
    elif kind == "none":
        packed = None
    else:  # JSON text (strings, ints beyond 64 bits) in one of them: through the values
        packed = pack_values(kind, [v for row in group for v in unpack_values(kind, row[2], row[7])])
    return (min(row[0] for row in group), max(row[1] for row in group), sum(row[2] for row in group), kind,
            quality, reason, stamps, packed)


def _ids(ids: Sequence[int]) -> bytes:
    return pack_numbers("q", ids)


def _tag_ids(data: bytes) -> list[int]:
    return numbers_of("q", data).tolist()

