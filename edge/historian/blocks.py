"""One device's values of each scan, as the scan's AllGood path records them: a block's columns, not a value's runs.

A `Block` is a fixed tuple of tags (one device's batch) whose scans come in whole and GOOD with reason ""
at one timestamp. It keeps each scan's values list as it came, with which of them changed, and decides
what changed in C passes over the whole list (`map(ne, values, last)`): a per-value test runs only for the
tags that need one (a non-zero deadband, a class other than the last stored value's, a NaN before or now,
a tag with no last GOOD value). At a flush `drain` turns the scans into each tag's runs (chunks.Run),
transposed in C (`zip(*rows)`), after what the tag already has pending: the historian keeps one order
per tag. A flush takes a block's scans whole instead (`take`: a Segment, its values packed column-major
in C) when they are all numbers and bools of one class per tag: a row of `recent` for the block, no
run nor chunk per tag (batches.py). Sans-IO: values in, runs or segments out.

Measured (benchmarks/historian_block.py, 100 tags, every value changing): see that benchmark's docstring.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from itertools import chain, compress, repeat
from operator import is_, ne
from typing import Any

from smarthall.devices.quality import Quality

from .chunks import MAX_SPAN_S, TYPES, Run, numbers_of, pack_numbers, type_name
from .values import moved

GOOD = Quality.GOOD
PICK = tuple.__getitem__  # (old, new)[changed]: the last stored value after a scan, in C
PACKED = {float: "d", int: "q", bool: "B"}  # the classes a Segment takes: their array codes, in this order


@dataclass(frozen=True)
class Segment:
    """A block's scans taken whole by a flush: `n` scans at `stamps` (float64, little-endian) of every tag, each
    tag's values of one class (`kinds`, type names): the floats' values scan by scan, then the ints', then the
    bools' (float64, int64, a byte; little-endian), each scan's in the tags' order."""

    tags: tuple[str, ...]
    units: tuple[str, ...]
    kinds: tuple[str, ...]
    n: int
    t0: float  # the earliest of the stamps
    t1: float  # the latest
    stamps: bytes
    vals: bytes


class _Unset:
    """The last value of a tag with none stored GOOD with no reason: its class is no value's, so the next is stored."""


UNSET = _Unset()


class Block:
    """A device's distinct `tags` with their units and deadbands, and the scans recorded since the last `drain`."""

    __slots__ = ("careful", "deadbands", "fixed", "kinds", "last", "odd", "rows", "stored", "tags", "uniform",
                 "units")

    def __init__(self, tags: tuple[str, ...], units: tuple[str, ...], deadbands: tuple[float, ...],
                 last_runs: Mapping[str, Run]) -> None:
        self.tags, self.units, self.deadbands = tags, units, deadbands
        self.last = [_last_good(last_runs.get(tag)) for tag in tags]  # each tag's last stored value, or UNSET
        self.kinds = list(map(type, self.last))
        self.fixed = frozenset(i for i, deadband in enumerate(deadbands) if deadband)
        self.odd = frozenset(i for i, value in enumerate(self.last) if value is UNSET or value != value)  # noqa: PLR0124
        self.careful = self.fixed | self.odd  # the tags a per-value test decides: a deadband, a NaN or UNSET last
        self.rows: list[tuple[float, list, list[bool] | None]] = []  # (timestamp, values, changed or None: all)
        self.stored = 0  # values in rows that changed
        self.uniform = True  # every value stored in rows has its tag's class of the row before

    def record(self, values: list, timestamp: float) -> int:
        """Keep a scan's `values` (one per tag, GOOD, reason "", read at `timestamp`; kept as they are: the caller
        hands the list over) and return how many of them changed, as Historian.record_all decides for each.
        A value of a type the historian cannot store is a TypeError, and nothing of the scan is kept."""
        last, kinds = self.last, self.kinds
        changed = list(map(ne, values, last))
        new_kinds = list(map(type, values))
        careful, suspects = self.careful, self.odd
        if new_kinds != kinds or any(map(ne, values, values)):  # another class, or a NaN now: value by value
            extra = {i for i, (kind, value) in enumerate(zip(new_kinds, values, strict=True))
                     if kind is not kinds[i] or value != value}  # noqa: PLR0124 (NaN)
            for i in extra:
                if new_kinds[i] is not kinds[i]:
                    type_name(values[i])
            careful, suspects = careful | extra, suspects | extra
        for i in careful:
            changed[i] = new_kinds[i] is not kinds[i] or moved(last[i], values[i], self.deadbands[i])
        stored = changed.count(True)
        if not stored:
            return 0
        if stored == len(values):
            self.rows.append((timestamp, values, None))
            self.last = last = values
        else:
            self.rows.append((timestamp, values, changed))
            self.last = last = list(map(PICK, zip(last, values, strict=True), changed))
        if new_kinds != kinds:
            self.uniform = False
            self.kinds = list(map(type, last))
        if suspects:
            self.odd = frozenset(i for i in suspects if last[i] is UNSET or last[i] != last[i])
            self.careful = self.fixed | self.odd
        self.stored += stored
        return stored

    def take(self) -> Segment | None:
        """The rows as a Segment, emptied, if every value is a float, an int (within 64 bits) or a bool of its tag's
        class in every row, and they span at most MAX_SPAN_S; else None (then `drain` them)."""
        rows = self.rows
        if not rows or not self.uniform or any(row[2] is not None for row in rows):
            return None
        kinds = self.kinds  # every row's (uniform, all changed)
        stamps = [row[0] for row in rows]
        t0, t1 = min(stamps), max(stamps)
        if not set(kinds) <= PACKED.keys() or t1 - t0 > MAX_SPAN_S:
            return None
        parts = [pack_numbers("d", stamps)]
        try:
            for kind, code in PACKED.items():
                mask = list(map(is_, kinds, repeat(kind)))
                if any(mask):
                    parts.append(pack_numbers(code, chain.from_iterable(map(compress, (row[1] for row in rows), repeat(mask)))))
        except OverflowError:  # an int beyond 64 bits: its runs keep it as JSON
            return None
        self.rows, self.stored = [], 0
        return Segment(self.tags, self.units, tuple(TYPES[kind] for kind in kinds), len(rows), t0, t1, parts[0],
                       b"".join(parts[1:]))

    def release(self, last_runs: MutableMapping[str, Run]) -> None:
        """Each tag's last stored value into `last_runs` (a run of it alone) before the block is forgotten: the
        values a flush took whole left no run there."""
        for tag, unit, value in zip(self.tags, self.units, self.last, strict=True):
            if value is not UNSET:
                last_runs[tag] = [value.__class__, GOOD, "", unit, [], [value]]

    def drain(self, pending: MutableMapping[str, list[Run]], open_runs: MutableMapping[str, Run],
              last_runs: MutableMapping[str, Run]) -> None:
        """The rows' stored values into each tag's runs in `pending` (joining its open run when it can), in
        recording order after what the tag has there; `open_runs` and `last_runs` follow. The rows are emptied."""
        rows, uniform = self.rows, self.uniform
        if not rows:
            return
        self.rows, self.stored, self.uniform = [], 0, True
        stamps = [row[0] for row in rows]
        columns = zip(*[row[1] for row in rows], strict=True)
        whole = all(row[2] is None for row in rows)
        masks: Any = repeat(None) if whole else zip(*[row[2] or repeat(True, len(self.tags)) for row in rows],
                                                     strict=True)
        for tag, unit, column, mask in zip(self.tags, self.units, columns, masks):
            values = list(column) if mask is None else list(compress(column, mask))
            if not values:
                continue
            times = list(stamps) if mask is None else list(compress(stamps, mask))
            if uniform:  # the tag's values are of one class: one run
                _add(pending, open_runs, last_runs, tag, unit, values[0].__class__, times, values)
                continue
            for stamp, value in zip(times, values, strict=True):  # its class may change: value by value
                _add(pending, open_runs, last_runs, tag, unit, value.__class__, [stamp], [value])


def segment_runs(segment: Segment, pending: MutableMapping[str, list[Run]],
                 open_runs: MutableMapping[str, Run]) -> None:
    """A Segment's values back into runs after each tag's in `pending` (a failed flush keeps them so)."""
    stamps = numbers_of("d", segment.stamps)
    for i, kind, column in columns(segment.kinds, kind_parts(segment.kinds, segment.n, segment.vals)):
        values = column.tolist() if kind is not bool else list(map(bool, column))
        _add(pending, open_runs, {}, segment.tags[i], segment.units[i], kind, stamps.tolist(), values)


def kind_parts(kinds: tuple[str, ...], n: int, vals: bytes) -> dict[type, bytes]:
    """A Segment's packed values of `n` scans split by class: each class's values scan by scan."""
    parts, at = {}, 0
    for kind, code in PACKED.items():
        if width := kinds.count(TYPES[kind]):
            size = n * width * array(code).itemsize
            parts[kind], at = vals[at:at + size], at + size
    return parts


def columns(kinds: tuple[str, ...], parts: Mapping[type, bytes]) -> Iterator[tuple[int, type, array]]:
    """(tag position, class, its values in native byte order) of Segments' values split by class (`kind_parts`,
    the parts of consecutive Segments of one block joined: more scans)."""
    for kind, values in parts.items():
        numbers = numbers_of(PACKED[kind], values)
        positions = [i for i, name in enumerate(kinds) if name == TYPES[kind]]
        for column, i in enumerate(positions):
            yield i, kind, numbers[column::len(positions)]


def column(kinds: tuple[str, ...], parts: Mapping[type, bytes], i: int) -> array:
    """The values of the tag at position `i` (`columns`' for that tag alone)."""
    kind = next(kind for kind in parts if TYPES[kind] == kinds[i])
    numbers = numbers_of(PACKED[kind], parts[kind])
    return numbers[kinds[:i].count(kinds[i])::kinds.count(kinds[i])]


def _last_good(run: Run | None) -> Any:
    """The last stored value of a run, if GOOD with no reason (else UNSET: the next GOOD value is a change)."""
    return run[5][-1] if run is not None and run[1] is GOOD and run[2] == "" else UNSET


def _add(pending: MutableMapping[str, list[Run]], open_runs: MutableMapping[str, Run],
         last_runs: MutableMapping[str, Run], tag: str, unit: str, kind: type, stamps: list[float],
         values: list) -> None:
    """A tag's GOOD values (of class `kind`) after its pending ones: its open run extended, or a new run."""
    run = open_runs.get(tag)
    if run is not None and run[0] is kind and run[1] is GOOD and run[2] == "" and run[3] == unit:
        run[4] += stamps
        run[5] += values
    else:
        run = [kind, GOOD, "", unit, stamps, values]
        pending.setdefault(tag, []).append(run)
        open_runs[tag] = run
    last_runs[tag] = run
