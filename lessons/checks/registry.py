"""The check types, one module each in lessons/checks/types/, registered here by name.

A module makes its record, parser, evaluation and texts and calls `register`
once; `discover()` imports every module of the folder, so adding a check type
touches one file. The loader parses by the registry, schema.py lists it in
docs/lesson-format.md, check-all proves each type the way its `probe` says, and
the runner feeds each what its evaluation asks for.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from smarthall.devices.reference import Entry

from .base import Evaluation, Observation, Status

PROBES = ("line", "answer", "file")  # how check-all proves a check fails before its step is done


@dataclass(frozen=True)
class CheckType:
    entry: Entry  # name, doc, keys and what check-all proves: the loader's known keys and the reference's table
    record: type  # the frozen record `parse` makes
    parse: Callable[[object, Mapping, str], object]  # (loader's reader, the check's table, where) -> record
    evaluation: type[Evaluation]
    step_kinds: tuple[str, ...]  # the step kinds that may use it
    inner: bool = False  # a check on the line's tags, alarms or history: a part of all/sequence, a wait, a fault's shows
    probe: str = "line"  # line: watched on the untouched line; answer: a wrong answer refused; file: the starting copy

    @property
    def name(self) -> str:
        return self.entry.name


CHECK_TYPES: dict[str, CheckType] = {}
_BY_RECORD: dict[type, CheckType] = {}


def register(check_type: CheckType) -> CheckType:
    if check_type.probe not in PROBES or check_type.name in CHECK_TYPES:
        raise ValueError(f"check type {check_type.name!r}: registered twice or probe not one of {PROBES}")
    CHECK_TYPES[check_type.name] = check_type
    _BY_RECORD[check_type.record] = check_type
    return check_type


def discover() -> None:
    """Import every check type module (each registers itself); the registry lists them in name order."""
    from . import types

    for module in pkgutil.iter_modules(types.__path__):
        importlib.import_module(f"{types.__name__}.{module.name}")
    ordered = sorted(CHECK_TYPES.items())
    CHECK_TYPES.clear()
    CHECK_TYPES.update(ordered)


def check_type(check) -> CheckType:
    return _BY_RECORD[type(check)]


def inner_types() -> tuple[str, ...]:
    return tuple(name for name, t in CHECK_TYPES.items() if t.inner)


def evaluation(check, started: float) -> Evaluation:
    """A fresh evaluation of `check`, started at `started`."""
    return check_type(check).evaluation(check, started)


def judge(check, started: float, observations: Iterable[Observation], now: float) -> Status:
    """The status of `check` at `now`, from a fresh evaluation fed `observations` (a replay, as check-all judges)."""
    ev = evaluation(check, started)
    for seen in observations:
        ev.feed(seen)
    return ev.status(now)
