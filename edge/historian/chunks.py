"""A tag's stored values in chunks, as time-series historians keep them: one row per run of a tag's values.

A chunk is a run of one tag's consecutive values (in the order they were recorded) sharing type,
quality and reason, spanning at most `MAX_SPAN_S` between its earliest and latest timestamp, with
the timestamps and the values packed: little-endian float64 timestamps, float64 floats, int64 ints
(JSON text for ints beyond 64 bits), a byte per bool, JSON text for strings, nothing for None. A
flush writes one chunk per changed tag where schema 1 wrote a row per value (at 1,000 tags every
100 ms, 10x fewer rows: SQLite's cost per row is paid once per chunk).

Timestamps within a chunk keep the order they came in (a device's clock may step back); readers
sort what they take by timestamp, stably, which gives the rows' order by (timestamp, recording
order). `MAX_SPAN_S` bounds how far before a window's start a chunk holding a value of the window
may begin. Sans-IO: rows in, values out.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from smarthall.devices.quality import Quality, Value

from ..tags import TagValue

MAX_SPAN_S = 600.0
SWAP = sys.byteorder == "big"  # packed numbers are little-endian on every machine
QUALITY_TEXT = {quality: quality.value for quality in Quality}  # an enum's .value is a slow property
TYPES = {float: "float", int: "int", bool: "bool", str: "str", type(None): "none"}

# (t0, t1, n, type, quality, reason, timestamps, values): the row of a chunk, after its tag's id
Row = tuple[float, float, int, str, str, str, bytes, bytes | str | None]
# [value class, Quality, reason, unit, timestamps, values]: a run being gathered, one chunk (or more) when packed
Run = list


def type_name(value: Value | None) -> str:
    """The stored type of a value (bool, int, float, str, none); TypeError for any other type."""
    name = TYPES.get(value.__class__)
    if name is not None:
        return name
    for kind in (bool, int, float, str):  # subclasses (an IntEnum, a str enum) are stored as their base
        if isinstance(value, kind):
            return TYPES[kind]
    raise TypeError(f"a tag value must be bool, int, float, str or None, not {type(value).__name__}")


def new_run(value: TagValue) -> Run:
    return [value.value.__class__, value.quality, value.reason, value.unit, [value.timestamp], [value.value]]


def runs_of(values: Iterable[TagValue]) -> list[Run]:
    """A tag's values in runs sharing value class, quality, reason and unit (the historian gathers them so)."""
    runs: list[Run] = []
    for value in values:
        run = runs[-1] if runs else None
        if (run is not None and run[0] is value.value.__class__ and run[1] is value.quality
                and run[2] == value.reason and run[3] == value.unit):
            run[4].append(value.timestamp)
            run[5].append(value.value)
        else:
            runs.append(new_run(value))
    return runs


def pack(runs: Sequence[Run]) -> list[Row]:
    """The chunk rows of one tag's runs (a run spanning more than MAX_SPAN_S is cut)."""
    rows = []
    for kind, quality, reason, _unit, stamps, values in runs:
        name, text = TYPES.get(kind) or type_name(values[0]), QUALITY_TEXT[quality]
        if max(stamps) - min(stamps) <= MAX_SPAN_S:
            rows.append(_row(stamps, values, name, text, reason))
            continue
        start, low, high = 0, stamps[0], stamps[0]
        for i, ts in enumerate(stamps):
            low, high = min(low, ts), max(high, ts)
            if high - low > MAX_SPAN_S:
                rows.append(_row(stamps[start:i], values[start:i], name, text, reason))
                start, low, high = i, ts, ts
        rows.append(_row(stamps[start:], values[start:], name, text, reason))
    return rows


def unpack(row: Row) -> tuple[array, list]:
    """The timestamps and values of a chunk row (its quality and reason are the row's)."""
    _t0, _t1, n, kind, _quality, _reason, stamps, packed = row
    return numbers_of("d", stamps), unpack_values(kind, n, packed)


def _row(stamps: list[float], values: list, kind: str, quality: str, reason: str) -> Row:
    return (min(stamps), max(stamps), len(stamps), kind, quality, reason, pack_numbers("d", stamps),
            pack_values(kind, values))


def pack_values(kind: str, values: list) -> bytes | str | None:
    if kind == "float":
        return pack_numbers("d", values)
    if kind == "int":
        try:
            return pack_numbers("q", values)
        except OverflowError:
            return json.dumps([int(v) for v in values])
    if kind == "bool":
        return bytes(map(bool, values))
    if kind == "str":
        return json.dumps([str(v) for v in values])
    return None


def unpack_values(kind: str, n: int, packed: Any) -> list:  # bytes, str or None as the kind packs it
    if kind == "float":
        return numbers_of("d", packed).tolist()
    if kind == "int":
        if isinstance(packed, str):
            return json.loads(packed)
        return numbers_of("q", packed).tolist()
    if kind == "bool":
        return [bool(b) for b in packed]
    if kind == "str":
        return json.loads(packed)
    return [None] * n


def pack_numbers(code: str, numbers: Iterable) -> bytes:
    """`numbers` as little-endian bytes of the array type `code`."""
    little = array(code, numbers)
    if SWAP:
        little.byteswap()
    return little.tobytes()


def numbers_of(code: str, data: bytes) -> array:
    """The numbers of array type `code` packed little-endian in `data`, in this machine's order."""
    numbers = array(code, data)
    if SWAP:
        numbers.byteswap()
    return numbers
