"""One device's values of each scan, as the scan's AllGood path records them: a block's columns, not a value's runs.

A `Block` is a fixed tuple of tags (one device's batch) whose scans come in whole and GOOD with reason ""
at one timestamp. It keeps each scan's values list as it came, with which of them changed, and decides
what changed in C passes over the whole list (`map(ne, values, last)`): a per-value test runs only for the
tags that need one (a non-zero deadband, a class other than the last stored value's, a NaN before or now,
a tag with no last GOOD value). At a flush `drain` turns the scans into each tag's runs (chunks.Run),
transposed in C (`zip(*rows)`), after what the tag already has pending: the historian keeps one order
per tag. Sans-IO: values in, runs out.

Measured (benchmarks/historian_block.py, 100 tags, every value changing): see that benchmark's docstring.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from itertools import compress, repeat
from operator import ne
from typing import Any

from smarthall.devices.quality import Quality

from .chunks import Run, type_name
from .values import moved

GOOD = Quality.GOOD
PICK = tuple.__getitem__  # (old, new)[changed]: the last stored value after a scan, in C


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
